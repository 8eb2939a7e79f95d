//go:build !(js && wasm)

package main

// main is a stub: the UI runs only in the browser (main_wasm.go). It lets `go build ./...`,
// `go vet ./...` and the native tests of the UI's logic compile the package on any platform.
func main() {}
