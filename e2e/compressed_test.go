//go:build e2e

package e2e

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/chromedp/chromedp"
)

// TestCompressedSite opens the page from a server that compresses what it sends, as most static hosts
// do: the WebAssembly modules with brotli when Chromium accepts it (gzip otherwise), everything else,
// the default model's files too, with gzip, each with the compressed size as its Content-Length. The
// page must start, and its worker read the model decoded, though Content-Length counts fewer bytes.
func TestCompressedSite(t *testing.T) {
	s := startSite(t)
	var mu sync.Mutex
	sent := map[string]string{} // path → the Content-Encoding it was sent with
	files := http.FileServer(http.Dir(siteDir))
	s.mu.Lock()
	s.mounts["/"] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		files.ServeHTTP(rec, r)
		accept := r.Header.Get("Accept-Encoding")
		encoding := ""
		switch {
		case rec.Code != http.StatusOK:
		case strings.HasSuffix(r.URL.Path, ".wasm") && strings.Contains(accept, "br"):
			encoding = "br"
		case strings.Contains(accept, "gzip"):
			encoding = "gzip"
		}
		body := rec.Body.Bytes()
		if encoding != "" {
			var b bytes.Buffer
			var z io.WriteCloser = gzip.NewWriter(&b)
			if encoding == "br" {
				z = brotli.NewWriterLevel(&b, 5)
			}
			z.Write(body)
			z.Close()
			body = b.Bytes()
			rec.Header().Set("Content-Encoding", encoding)
			rec.Header().Set("Content-Length", strconv.Itoa(len(body)))
			mu.Lock()
			sent[r.URL.Path] = encoding
			mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
	s.mu.Unlock()
	b := startBrowser(t, s)

	b.run(t, "opening the page", chromedp.Navigate(s.URL+"/"))
	b.waitFor(t, "the default model loads and the head view is drawn",
		`document.querySelector("#model-source") && document.querySelectorAll("figure[data-chart=head-view] svg line").length > 0 && `+idle,
		pageState, 60*time.Second)
	if got := b.text(t, "#model-source"); got != "default model" {
		t.Errorf("model source %q, want %q", got, "default model")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/ui.wasm", "/bertology.wasm", "/worker.js", "/models/default/model.safetensors", "/models/default/vocab.txt"} {
		if sent[path] == "" {
			t.Errorf("%s was not sent compressed (sent compressed: %v)", path, sent)
		}
	}
	t.Logf("sent compressed: %v", sent)
}
