// session.js keeps the page's session between visits in IndexedDB (the UI's session.go decides what:
// where the model came from, the input, the data file, the requests that computed the rest). Writes go
// one after another, in the order the page made them; a failed one is logged and loses only the copy.
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
	return {
		// load resolves to the saved session, or "" when none is kept.
		load: () => last.then(() => run("readonly", s => s.get("current"))).then(v => v ?? ""),
		save: data => queue(() => run("readwrite", s => s.put(data, "current"))),
		clear: () => queue(() => run("readwrite", s => s.delete("current"))),
	};
})();
