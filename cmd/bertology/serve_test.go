package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// TestServePrecompressed checks that serve sends a file's precompressed sibling to a client that
// accepts its encoding, brotli before gzip, with the file's Content-Type, and the file itself otherwise:
// to a client that accepts neither, for a file without siblings, and when a sibling is older than the
// file (the file was rebuilt since).
func TestServePrecompressed(t *testing.T) {
	dir := t.TempDir()
	module := make([]byte, 100_000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range module {
		module[i] = byte(r.IntN(4)) // compressible, as code is
	}
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	compress := func(w io.WriteCloser, b *bytes.Buffer) []byte {
		if _, err := w.Write(module); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	var gz, br bytes.Buffer
	write("lab.wasm", module)
	write("lab.wasm.gz", compress(gzip.NewWriter(&gz), &gz))
	write("lab.wasm.br", compress(brotli.NewWriter(&br), &br))
	write("old.wasm.gz", gz.Bytes())
	write("old.wasm", module)
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "old.wasm.gz"), past, past); err != nil {
		t.Fatal(err)
	}
	write("index.html", []byte("<!doctype html>"))
	srv := httptest.NewServer(noCache(precompressed(http.Dir(dir))))
	defer srv.Close()

	decoders := map[string]func(io.Reader) (io.Reader, error){
		"":     func(r io.Reader) (io.Reader, error) { return r, nil },
		"gzip": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	}
	tests := []struct {
		path, accept   string
		encoding, mime string
		want           []byte
	}{
		{"/lab.wasm", "gzip, deflate, br, zstd", "br", "application/wasm", module},
		{"/lab.wasm", "gzip", "gzip", "application/wasm", module},
		{"/lab.wasm", "br;q=0, gzip;q=0.5", "gzip", "application/wasm", module},
		{"/lab.wasm", "*", "br", "application/wasm", module},
		{"/lab.wasm", "", "", "application/wasm", module},
		{"/lab.wasm", "identity", "", "application/wasm", module},
		{"/old.wasm", "gzip", "", "application/wasm", module},
		{"/index.html", "gzip, br", "", "text/html; charset=utf-8", []byte("<!doctype html>")},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		req.Header.Set("Accept-Encoding", tt.accept) // set, so that the client neither adds gzip nor decodes
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		what := tt.path + " accepting " + tt.accept
		h := resp.Header
		if resp.StatusCode != http.StatusOK || h.Get("Content-Encoding") != tt.encoding || h.Get("Content-Type") != tt.mime ||
			h.Get("Vary") != "Accept-Encoding" || h.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %s, headers %v; want Content-Encoding %q, Content-Type %q", what, resp.Status, h, tt.encoding, tt.mime)
			continue
		}
		if got := h.Get("Content-Length"); got != "" && got != strconv.Itoa(len(body)) {
			t.Errorf("%s: Content-Length %s for %d bytes sent", what, got, len(body))
		}
		dec, err := decoders[tt.encoding](bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := io.ReadAll(dec)
		if err != nil || !bytes.Equal(decoded, tt.want) {
			t.Errorf("%s: %d bytes sent decode to %d (%v), want the file's %d", what, len(body), len(decoded), err, len(tt.want))
		}
		if tt.encoding != "" && len(body) > len(module)/2 {
			t.Errorf("%s: %d bytes sent for a file of %d", what, len(body), len(module))
		}
	}
}
