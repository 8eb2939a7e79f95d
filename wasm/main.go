//go:build js && wasm

// Command wasm is bertology's lab as a WebAssembly module (public/bertology.wasm). It registers
//
//	globalThis.bertologyHandle(request, onProgress) → Promise
//
// as described in package bertology/wasm/protocol, then calls globalThis.onBertologyReady() if the host
// defined it. public/worker.js runs it in a Web Worker for the page; wasm/node/bertology.mjs runs it in
// Node.
//
// The module must outlive every bad request: each request runs under recover, errors reject the request's
// promise, and nothing calls os.Exit. Only running out of the 4 GiB wasm address space is fatal; the
// worker then starts a fresh instance.
package main

import (
	"syscall/js"

	"bertology/wasm/lab"
)

func main() {
	s := newServer(lab.New())
	go s.serve()
	js.Global().Set("bertologyHandle", js.FuncOf(s.handle))
	if ready := js.Global().Get("onBertologyReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // serve JavaScript's calls for as long as the host lives
}
