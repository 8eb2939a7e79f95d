// kept.js keeps the models that the lab downloads from a Hub in the browser's Cache Storage, so that
// they open again offline: the lab's worker gives the lab this store as globalThis.bertologyKept, and
// the lab (wasm/lab/kept.go) decides what goes under which key (a file's address on the Hub at its
// commit). Its cache is its own, apart from the service worker's copy of the site (sw.js).
"use strict";

function bertologyKeptStore(cacheName = "bertology-models") {
	const open = () => {
		if (typeof caches === "undefined") {
			return Promise.reject(new Error("this browser keeps no models for this page: Cache Storage needs a page served over https or from localhost"));
		}
		return caches.open(cacheName);
	};
	return {
		async put(key, bytes) {
			await (await open()).put(key, new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
		},
		// get resolves to the bytes kept under key, or null.
		async get(key) {
			const resp = await (await open()).match(key);
			return resp ? new Uint8Array(await resp.arrayBuffer()) : null;
		},
		async keys() {
			return (await (await open()).keys()).map(req => req.url);
		},
		async delete(key) {
			await (await open()).delete(key);
		},
	};
}

if (typeof module !== "undefined") {
	module.exports = bertologyKeptStore;
}
