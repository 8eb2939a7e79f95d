// main.js starts bertology's page: it registers the service worker that keeps an offline copy of the
// site and the default model, starts the lab's worker (so that bertology.wasm loads while ui.wasm does)
// and runs the UI (ui.wasm), which talks to the worker.
"use strict";

const worker = new Worker("worker.js");
// The UI sets its own handler once it runs; an error before that (worker.js missing) waits here for it.
worker.onerror = e => { worker.startError = e.message || "worker.js could not be loaded"; };
globalThis.bertologyWorker = worker;

if ("serviceWorker" in navigator) {
	navigator.serviceWorker.register("sw.js").catch(err => console.warn("bertology: no offline copy:", err));
}

// bertologySiteFile fetches a file of the site (the UI's SiteFile) as an ArrayBuffer, failing with the
// status when the server answers with anything but the file.
globalThis.bertologySiteFile = async path => {
	const resp = await fetch(new URL(path, document.baseURI));
	if (!resp.ok) {
		throw new Error(`${resp.status} ${resp.statusText}`);
	}
	return resp.arrayBuffer();
};

// No form submits natively, which would reload the page and lose what it holds: the UI's submit
// handlers do their work, and this holds even if the UI has stopped.
document.addEventListener("submit", e => e.preventDefault(), true);

const go = new Go();
// The UI links the core's kernel imports (it reads the core's defaults) but computes nothing: it gets the
// imports without a kernel module, and Go's kernels would run if it ever did.
go.importObject.bertology_kernels = bertologyKernels().imports;
WebAssembly.instantiateStreaming(fetch("ui.wasm"), go.importObject)
	.then(({ instance }) => go.run(instance))
	.catch(err => {
		document.getElementById("app").textContent = `bertology could not start: ${err.message}`;
	});
