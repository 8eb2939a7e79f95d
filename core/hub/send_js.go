//go:build js && wasm

package hub

import "net/http"

// sendHTTP sends a request of a Client without a Transport: in js/wasm, nothing, so that no
// http.Client (and its transport) is linked into a module that fetches through Client.Transport.
// This package's tests set it to sendWithClient.
var sendHTTP func(*http.Client, *http.Request) (*http.Response, *FileInfo, error)
