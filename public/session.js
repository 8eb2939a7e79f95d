// session.js keeps the page's session between visits in IndexedDB (the UI's session.go decides what:
// where the model came from, the input, the data file, the requests that computed the rest). Beside the
// session ("current", its JSON) it keeps bytes as they are, not in the JSON: the data file ("data", an
// ArrayBuffer) and the files of a model the user picked ("picked", their Blobs, which the browser
// copies into its own store, so that they open again when the picked files are gone). Writes go one
// after another, in the order the page made them; a failed one is logged and loses only the copy.
"use strict";

globalThis.bertologySession = (() => {
	const open = () => new Promise((resolve, reject) => {
		const r = indexedDB.open("bertology", 1);
		r.onupgradeneeded = () => r.result.createObjectStore("session");
		r.onsuccess = () => resolve(r.result);
		r.onerror = () => reject(r.error);
	});
	const run = async (mode, f) => {
		const db = await open();
		try {
			return await new Promise((resolve, reject) => {
				const tx = db.transaction("session", mode);
				const req = f(tx.objectStore("session"));
				tx.oncomplete = () => resolve(req.result);
				tx.onerror = () => reject(tx.error);
				tx.onabort = () => reject(tx.error);
			});
		} finally {
			db.close();
		}
	};
	let last = Promise.resolve();
	const queue = f => (last = last.then(f).catch(err => console.warn("bertology: the session is not kept:", err)));
	const get = key => last.then(() => run("readonly", s => s.get(key)));
	const put = (key, v) => queue(() => run("readwrite", s => s.put(v, key)));
	return {
		// load resolves to the saved session, or "" when none is kept.
		load: () => get("current").then(v => v ?? ""),
		save: data => put("current", data),
		// saveData keeps the data file's bytes (a Uint8Array) as an ArrayBuffer; loadData resolves to
		// them, or null.
		saveData: u8 => put("data", u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength)),
		loadData: () => get("data").then(v => v ?? null),
		// savePicked keeps the model files picked in a file input (its FileList), those the worker
		// opens (worker.js's pickedURLs: the top of a picked folder), each with its name and its path
		// in the folder; loadPicked resolves to them, in the form the worker takes, or null.
		savePicked: list => {
			const files = [...list].filter(f => (f.webkitRelativePath || f.name).split("/").length <= 2)
				.map(f => ({ name: f.name, webkitRelativePath: f.webkitRelativePath, blob: f }));
			return put("picked", files);
		},
		loadPicked: () => get("picked").then(v => v ?? null),
		// clear forgets the session and the bytes kept with it.
		clear: () => queue(() => run("readwrite", s => s.clear())),
	};
})();
