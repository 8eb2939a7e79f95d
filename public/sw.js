// sw.js is bertology's service worker: it keeps a copy of the site and of its bundled models (the default
// model, and stories260K when the build had it), so that the
// page works offline after one visit. Requests go to the network first, so a rebuilt site shows at once,
// and every good answer refreshes the copy (a model of the site opened by its URL is kept too); when the
// network fails the copy answers. Requests to other origins (a model URL the user typed, a Hub) are left
// alone. The models the lab downloads from a Hub are kept apart, in a cache of their own (kept.js),
// which this worker never reads.
"use strict";

const cacheName = "bertology";
const site = ["./", "index.html", "style.css", "main.js", "worker.js", "wasm_exec.js", "goprogram.js", "kernels.js", "views.js", "shards.js", "kept.js", "session.js", "ui.wasm", "bertology.wasm",
	"kernels-simd.wasm", "kernels-relaxed.wasm"];
const defaultModel = "models/default/";
// index.json lists the models served with the site (the page's model picker); each directory's
// files.json lists its files (build.sh writes them), kept here with the default model's.
const bundledIndex = "models/index.json";

self.addEventListener("install", event => {
	event.waitUntil((async () => {
		const cache = await caches.open(cacheName);
		await cache.addAll(site);
		const index = await fetch(bundledIndex);
		await cache.put(bundledIndex, index.clone());
		const dirs = [defaultModel, ...(await index.json()).models.map(m => m.path)];
		for (const dir of dirs) {
			const list = await fetch(dir + "files.json");
			if (!list.ok && dir !== defaultModel) {
				continue; // a card only: stories260K when ../shared was absent at build time
			}
			await cache.put(dir + "files.json", list.clone());
			const files = await list.json();
			await cache.addAll(files.map(f => dir + f));
		}
		await self.skipWaiting();
	})());
});

self.addEventListener("activate", event => {
	event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", event => {
	const req = event.request;
	if (req.method !== "GET" || new URL(req.url).origin !== self.location.origin) {
		return;
	}
	event.respondWith((async () => {
		try {
			const resp = await fetch(req);
			// A file the site lacks is kept as missing too: the lab asks for the files of a model directory
			// without files.json by name (checkpoint.Discover), and offline must find the same ones missing,
			// not fail to fetch them.
			if (resp.ok || resp.status === 404) {
				const copy = resp.clone();
				event.waitUntil(caches.open(cacheName).then(cache => cache.put(req, copy)));
			}
			return resp;
		} catch (err) {
			const cached = await (await caches.open(cacheName)).match(req, { ignoreSearch: true });
			if (cached) {
				return cached;
			}
			throw err;
		}
	})());
});
