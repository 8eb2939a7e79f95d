// download.js reads a file from its URL whole, reporting how many bytes have come: the worker's
// (worker.js) model files, and Node's tests of it (wasm/download.test.mjs).
//
//	const bytes = await bertologyDownload(url, progress => ...); // a Uint8Array, or null for a 404
//
// progress receives {phase, done, total} as the lab's reports go, phase "download NAME", about once a
// percent. A server that compresses what it sends (Content-Encoding: gzip or br, as most static hosts
// do) gives in Content-Length the compressed size, while fetch hands over the file decoded, whose size
// is known only at the end: such a download reports total 0, and how much has come in its phase
// ("download NAME, 12.5 MB so far"), at least every step bytes.
"use strict";

(function (root) {
	const step = 1 << 20;

	async function bertologyDownload(url, progress) {
		const resp = await fetch(url);
		if (!resp.ok) {
			return null;
		}
		const name = decodeURIComponent(new URL(url).pathname.split("/").pop());
		const encoding = (resp.headers.get("Content-Encoding") || "identity").trim().toLowerCase();
		const length = Number(resp.headers.get("Content-Length")) || 0;
		const total = encoding === "identity" ? length : 0; // the file's size, when the header gives it
		if (!resp.body || length === 0) {
			return new Uint8Array(await resp.arrayBuffer());
		}
		// Read in chunks to report progress on big weight files, into a buffer of the file's size, or
		// one that grows when the size is not known.
		let data = new Uint8Array(total || 2 * length);
		const reader = resp.body.getReader();
		let done = 0, shown = 0;
		for (;;) {
			const { done: end, value } = await reader.read();
			if (end) {
				break;
			}
			if (total && done + value.length > total) {
				throw new Error(`${name}: the server sent more bytes than its Content-Length (${total})`);
			}
			if (done + value.length > data.length) {
				const grown = new Uint8Array(Math.max(2 * data.length, done + value.length));
				grown.set(data.subarray(0, done));
				data = grown;
			}
			data.set(value, done);
			done += value.length;
			// A report per percent, not per chunk: the page shows each report it gets.
			if (total && (done === total || done - shown >= total / 100)) {
				shown = done;
				progress({ phase: `download ${name}`, done, total });
			} else if (!total && done - shown >= Math.max(step, length / 100)) {
				shown = done;
				progress({ phase: `download ${name}, ${(done / 2 ** 20).toFixed(1)} MB so far`, done: 0, total: 0 });
			}
		}
		return done === data.length ? data : data.subarray(0, done);
	}

	root.bertologyDownload = bertologyDownload;
	if (typeof module !== "undefined") {
		module.exports = bertologyDownload;
	}
})(globalThis);
