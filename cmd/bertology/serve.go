package main

import (
	"fmt"
	"net"
	"net/http"
)

func init() {
	register(&command{name: "serve", summary: "serve the static site (public/) on localhost", run: runServe})
}

func runServe(args []string) error {
	fs := newFlagSet("serve", "serve the static site on localhost")
	dir := fs.String("dir", "public", "directory to serve")
	port := fs.Int("port", 8080, "TCP port on localhost")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("localhost:%d", *port))
	if err != nil {
		return err
	}
	fmt.Printf("bertology: serving %s at http://localhost:%d/\n", *dir, *port)
	return http.Serve(ln, http.FileServer(http.Dir(*dir)))
}
