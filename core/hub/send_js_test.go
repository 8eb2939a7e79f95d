//go:build js && wasm

package hub

// The tests send through httptest servers with an http.Client, which js/wasm has under Node (on Go's
// network in memory).
func init() { sendHTTP = sendWithClient }
