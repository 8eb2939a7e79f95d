// Command ui is bertology's page (public/ui.wasm): Vugu components on the page's main thread that draw
// what the lab computes in a Web Worker (public/worker.js running public/bertology.wasm), so that the
// page stays responsive while a model runs.
//
// The components' logic and the charts (package chart) are plain Go, tested natively; only
// main_wasm.go and host_js.go touch the browser.
package main
