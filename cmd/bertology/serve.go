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
	return http.Serve(ln, noCache(http.FileServer(http.Dir(*dir))))
}

// noCache makes the browser check every file with the server, so that a rebuilt site shows on the next
// reload; the page's service worker keeps its own copy for offline use.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
