//go:build !(js && wasm)

package lab

import "net/http"

// hostTransport sends the lab's requests: natively, through Go's client, which follows redirects as
// the host's fetch does.
func hostTransport() http.RoundTripper { return clientTransport{} }

type clientTransport struct{}

func (clientTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return http.DefaultClient.Do(req)
}
