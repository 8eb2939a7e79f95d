package main

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
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
	return http.Serve(ln, noCache(precompressed(http.Dir(*dir))))
}

// noCache makes the browser check every file with the server, so that a rebuilt site shows on the next
// reload; the page's service worker keeps its own copy for offline use.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// encodings are the precompressed siblings a file may have (cmd/precompress writes them), the one
// preferred first: NAME.br sent with Content-Encoding br, NAME.gz with gzip.
var encodings = []struct{ name, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// precompressed serves the files of dir as http.FileServer does, except that a file with a
// precompressed sibling at least as new as itself goes to a client that accepts its encoding as that
// sibling, with Content-Encoding set and the file's own Content-Type.
func precompressed(dir http.Dir) http.Handler {
	files := http.FileServer(dir)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Encoding")
		name := path.Clean("/" + r.URL.Path)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			for _, e := range encodings {
				if accepts(r.Header.Get("Accept-Encoding"), e.name) && serveSibling(w, r, dir, name, e.name, e.suffix) {
					return
				}
			}
		}
		files.ServeHTTP(w, r)
	})
}

// serveSibling serves name's sibling name+suffix with Content-Encoding encoding and reports whether
// it did: not when either file is missing or a directory, or the sibling is older than the file.
func serveSibling(w http.ResponseWriter, r *http.Request, dir http.Dir, name, encoding, suffix string) bool {
	f, err := dir.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		return false
	}
	c, err := dir.Open(name + suffix)
	if err != nil {
		return false
	}
	defer c.Close()
	ci, err := c.Stat()
	if err != nil || ci.IsDir() || ci.ModTime().Before(fi.ModTime()) {
		return false
	}
	if ctype := mime.TypeByExtension(path.Ext(name)); ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.Header().Set("Content-Encoding", encoding)
	http.ServeContent(w, r, name, ci.ModTime(), c)
	return true
}

// accepts reports whether an Accept-Encoding header accepts encoding: named, or "*", with a quality
// above 0.
func accepts(header, encoding string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != encoding && coding != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				q, _ = strconv.ParseFloat(v, 64)
			}
		}
		return q > 0
	}
	return false
}
