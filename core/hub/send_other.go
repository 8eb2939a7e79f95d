//go:build !(js && wasm)

package hub

// sendHTTP sends a request of a Client without a Transport.
var sendHTTP = sendWithClient
