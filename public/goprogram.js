// goprogram.js runs bertology's lab (bertology.wasm) as a Go program for a host, the browser's worker
// (worker.js) or Node (wasm/node/bertology.mjs), and answers every request, even when the program ends.
//
//	const program = bertologyProgram(instantiate, { restart: true });
//	await program.ready;                          // rejects with the reason the program could not start
//	const result = await program.handle(request, onProgress);
//
// instantiate(go) makes the WebAssembly instance for a new Go (wasm_exec.js), with go.importObject and
// the kernel module attached (kernels.js), and resolves to it. Only running out of memory ends a Go
// program, and the requests it was answering are then never answered: handle rejects each of them with
// an Error whose exited is true, and with restart, a fresh program, without the model, takes the next
// requests. exited() says whether the program has ended (and, with restart, not yet been replaced),
// restarts() how many have been replaced.
"use strict";

(function (root) {
	function bertologyProgram(instantiate, { restart = false } = {}) {
		// current is the Promise of the program that takes requests, {go, handle, pending, replaced}: pending
		// holds the requests in flight (a function failing each), replaced resolves once the program has
		// ended and its replacement (with restart) is current.
		let current;
		let latest = null;
		let restarts = 0;

		function start() {
			const program = (async () => {
				const go = new Go();
				// An event for a program that has ended (a timer it set, the callback of a promise it
				// awaited) would throw "Go program has already exited" out of the event loop: it is
				// dropped. (_resume is how wasm_exec.js delivers every event to the program.) Its timers
				// are forgotten too: wasm_exec.js resumes the program until a fired timer leaves
				// _scheduledTimeouts, which a program that has ended never does, so it would warn
				// "missed timeout event" for ever.
				const resume = go._resume.bind(go);
				go._resume = () => {
					if (!go.exited) {
						resume();
						return;
					}
					go._scheduledTimeouts.forEach(clearTimeout);
					go._scheduledTimeouts.clear();
				};
				const ready = new Promise(resolve => { root.onBertologyReady = resolve; });
				const instance = await instantiate(go);
				const exited = go.run(instance);
				await Promise.race([ready, exited.then(() => { throw new Error("bertology.wasm exited while starting"); })]);
				const p = { go, handle: root.bertologyHandle, pending: new Set() };
				latest = p;
				p.replaced = exited.then(() => { // resolves once the program that replaces it is current
					p.pending.forEach(fail => fail());
					if (restart && program === current) {
						restarts++;
						start();
					}
				});
				return p;
			})();
			program.catch(() => {}); // not unhandled: each request reports it
			current = program;
		}
		start();

		// handle answers as the program's bertologyHandle does, or fails with exited set when the
		// program ends first. A program that runs out of memory while it reads the request ends inside
		// the call, which then returns nothing, or throws when the program had ended before.
		async function handle(request, onProgress) {
			let p = await current;
			if (restart && p.go.exited) { // ended in a call just answered: its replacement takes this one
				await p.replaced;
				p = await current;
			}
			return new Promise((resolve, reject) => {
				const fail = () => reject(Object.assign(new Error(restart
					? "the model ran out of memory and the lab restarted: load a model again (a smaller one, or with shorter inputs)"
					: "the model ran out of memory and the lab ended"), { exited: true }));
				let answer = null;
				try {
					answer = p.go.exited ? null : p.handle(request, onProgress);
				} catch (err) {
					if (!p.go.exited) {
						reject(err);
						return;
					}
				}
				if (p.go.exited) {
					fail();
					return;
				}
				p.pending.add(fail);
				answer.then(resolve, reject).finally(() => p.pending.delete(fail));
			});
		}

		return {
			ready: current,
			handle,
			exited: () => latest !== null && latest.go.exited,
			restarts: () => restarts,
		};
	}

	root.bertologyProgram = bertologyProgram;
	if (typeof module !== "undefined") {
		module.exports = bertologyProgram;
	}
})(globalThis);
