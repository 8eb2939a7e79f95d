//go:build js && wasm

package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall/js"
)

// hostTransport sends the lab's requests: with the host's fetch (the browser's, or Node's).
func hostTransport() http.RoundTripper { return fetchTransport{} }

// fetchTransport sends requests with the host's fetch. Go's own js/wasm transport does too, but not
// under Node (it talks to a fake network there), it knows only gzip among the encodings that fetch
// decodes on its own, and it comes with an http.Client, which makes the module 5 MB larger.
//
// fetch follows redirects itself, so the client's CheckRedirect never sees them: what a Hub says
// before its redirect to storage (X-Linked-Etag, X-Linked-Size) is not seen either, nor needed, since
// the Hub names the commit in its answers for small files, config.json first.
type fetchTransport struct{}

func (fetchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
		return nil, errors.New("lab: the host's fetch sends no request bodies")
	}
	headers := js.Global().Get("Headers").New()
	for key, values := range req.Header {
		for _, v := range values {
			// The browser drops the headers it sets itself (Accept-Encoding), and sends the rest.
			headers.Call("append", key, v)
		}
	}
	abort := js.Global().Get("AbortController").New()
	init := js.Global().Get("Object").New()
	init.Set("method", req.Method)
	init.Set("headers", headers)
	init.Set("signal", abort.Get("signal"))
	// Aborting rejects the fetch and every read of its body that waits.
	stop := context.AfterFunc(req.Context(), func() { abort.Call("abort") })
	resp, err := await(js.Global().Call("fetch", req.URL.String(), init), func(v js.Value) (any, error) { return v, nil })
	if err != nil {
		stop()
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("fetch: %w", err)
	}
	r := resp.(js.Value)
	header := http.Header{}
	entries := r.Get("headers").Call("entries")
	for {
		next := entries.Call("next")
		if next.Get("done").Bool() {
			break
		}
		pair := next.Get("value")
		header.Add(pair.Index(0).String(), pair.Index(1).String())
	}
	length := int64(-1)
	if n, err := strconv.ParseInt(header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		length = n
	}
	// fetch hands over the bytes decoded, whose length the server did not say.
	if enc := header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		header.Del("Content-Encoding")
		header.Del("Content-Length")
		length = -1
	}
	code := r.Get("status").Int()
	body := io.ReadCloser(http.NoBody)
	if b := r.Get("body"); b.Type() == js.TypeObject {
		body = &streamBody{reader: b.Call("getReader"), stop: stop}
	} else {
		stop()
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", code, http.StatusText(code)),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		ContentLength: length,
		Body:          body,
		Request:       req,
	}, nil
}

// streamBody reads a fetch's body, chunk by chunk as the host receives it.
type streamBody struct {
	reader  js.Value // the body's ReadableStreamDefaultReader
	stop    func() bool
	pending []byte
	err     error
}

// chunk is one read of a stream: its bytes, or nil at its end.
type chunk struct{ data []byte }

func (s *streamBody) Read(p []byte) (int, error) {
	for len(s.pending) == 0 && s.err == nil {
		v, err := await(s.reader.Call("read"), func(v js.Value) (any, error) {
			if v.Get("done").Bool() {
				return chunk{}, nil
			}
			b := make([]byte, v.Get("value").Get("byteLength").Int())
			js.CopyBytesToGo(b, v.Get("value"))
			return chunk{data: b}, nil
		})
		switch {
		case err != nil:
			s.err = err
		case v.(chunk).data == nil:
			s.err = io.EOF
		default:
			s.pending = v.(chunk).data
		}
	}
	if len(s.pending) == 0 {
		return 0, s.err
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

func (s *streamBody) Close() error {
	if s.err == nil {
		s.err = errors.New("read after Close")
		// A stream that an abort has ended refuses to be cancelled: that is no error here.
		s.reader.Call("cancel").Call("catch", ignore)
	}
	s.stop()
	return nil
}

// ignore is a JavaScript function that does nothing, for the rejections that need no handling.
var ignore = js.FuncOf(func(js.Value, []js.Value) any { return nil })
