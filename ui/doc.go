// Command ui is bertology's page (public/ui.wasm): Vugu components on the page's main thread that draw
// what the lab computes in a Web Worker (public/worker.js running public/bertology.wasm), so that the
// page stays responsive while a model runs.
//
// The lab holds the session (the model, the data set, what the workflow computed); the components keep
// what they show and what the user typed, and ask the lab for its session after each change (page.go).
// Their logic and the charts (package chart) are plain Go, tested natively; only main_wasm.go and the
// _js.go files touch the browser.
package main
