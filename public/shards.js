// shards.js is the lab's pool of shards: workers that each run a lab of their own (bertology.wasm) with
// a copy of the model, so that a data-set pass runs several batches at once. The lab finds the pool as
// globalThis.bertologyShards (wasm/lab/shards_js.go) and uses it for importance, evaluation and the
// masking loop when its size is above 1; it adds the batches' answers up in batch order itself, so the
// results are those of one worker.
//
//	globalThis.bertologyShards = bertologyShardPool(spawn, count);
//
// spawn(events) starts one shard and returns {post(message), terminate()}; the shard answers each
// {id, op, ...fields} message with events.message({id, result}) or events.message({id, error}) (progress
// messages, {id, progress}, are ignored), and an answer with exited: true says that its Go program
// ended. events.death(reason) says that the shard failed outside a request (a worker's error event).
// A shard that dies is replaced, and its batch is run again.
//
// The pool the lab sees:
//   size()                   how many batches run at once: the count asked for (1: no shards)
//   version()                the version of the model the pool holds, 0 for none
//   setModel(version, files) the model the shards run from now on, {name: Uint8Array}; each shard
//                            loads it before its next batch
//   run(request)             a promise of the runBatch answer (wasm/protocol/shard.go)
// and the worker's settings:
//   resize(count)            have count shards (none for 1) from the next pass on
//   replaced()               how many shards died and were replaced
//   killAfter(n)             makes the shard that gets the n-th batch from now die as soon as it has it
//                            (for the tests of replacement)
"use strict";

(function (root) {
	// A batch that kills this many shards is not tried again: it is the batch, not the shard.
	const maxTries = 3;

	function bertologyShardPool(spawn, count) {
		let size = 1;
		let model = { version: 0, files: null };
		const shards = new Set();
		const queue = []; // {request, resolve, reject, tries}, oldest first
		let replaced = 0;
		let nextID = 1;
		let killAt = 0; // batches to hand out before the test's kill; 0: none

		function start() {
			const s = { version: 0, pending: null, busy: false, retired: false };
			s.worker = spawn({
				message: msg => answered(s, msg),
				death: reason => died(s, reason || "the shard failed"),
			});
			shards.add(s);
			return s;
		}

		// call sends one request to shard s and resolves to its result.
		function call(s, op, fields) {
			return new Promise((resolve, reject) => {
				const id = nextID++;
				s.pending = { id, resolve, reject };
				s.worker.post({ id, op, ...fields });
			});
		}

		function answered(s, msg) {
			const p = s.pending;
			if (!p || !msg || msg.id !== p.id || msg.progress) {
				return;
			}
			if (msg.exited) {
				died(s, msg.error);
				return;
			}
			s.pending = null;
			if (msg.error !== undefined) {
				p.reject(new Error(msg.error));
			} else {
				p.resolve(msg.result);
			}
		}

		// died replaces shard s; the batch it was running goes back to the queue.
		function died(s, reason) {
			if (!shards.has(s)) {
				return;
			}
			shards.delete(s);
			s.worker.terminate();
			const p = s.pending;
			s.pending = null;
			if (!s.retired || (shards.size === 0 && queue.length > 0)) {
				replaced++;
				start();
			}
			if (p) {
				p.reject(Object.assign(new Error(`a shard died: ${reason}`), { shardDied: true }));
			}
			dispatch();
		}

		// dispatch hands the queued batches to the free shards. Retired shards help finish the queue,
		// then leave.
		function dispatch() {
			for (const s of shards) {
				if (queue.length === 0) {
					break;
				}
				if (!s.busy) {
					work(s, queue.shift());
				}
			}
			if (queue.length === 0) {
				for (const s of shards) {
					if (s.retired && !s.busy) {
						shards.delete(s);
						s.worker.terminate();
					}
				}
			}
		}

		async function work(s, job) {
			s.busy = true;
			try {
				if (s.version !== model.version) {
					const version = model.version;
					await call(s, "loadModel", { files: model.files });
					s.version = version;
				}
				const answer = call(s, "runBatch", job.request);
				if (killAt > 0 && --killAt === 0) {
					died(s, "killed by a test");
				}
				job.resolve(await answer);
			} catch (err) {
				if (err.shardDied && ++job.tries < maxTries) {
					queue.unshift(job);
				} else {
					job.reject(err.shardDied ? new Error(`${err.message}, ${maxTries} times on this batch`) : err);
				}
			}
			s.busy = false;
			dispatch();
		}

		// resize sets the size; the shards start when a pass first needs them, not to slow down the
		// page's start.
		function resize(n) {
			size = Math.max(1, Math.floor(n) || 1);
			const live = [...shards].filter(s => !s.retired);
			for (const s of live.slice(size > 1 ? size : 0)) {
				s.retired = true;
			}
			dispatch();
		}

		// startAll starts the shards that the size asks for.
		function startAll() {
			for (let live = [...shards].filter(s => !s.retired).length; size > 1 && live < size; live++) {
				start();
			}
		}

		resize(count);
		return {
			size: () => size,
			version: () => model.version,
			setModel(version, files) {
				model = { version, files };
				startAll();
			},
			run(request) {
				startAll();
				return new Promise((resolve, reject) => {
					queue.push({ request, resolve, reject, tries: 0 });
					dispatch();
				});
			},
			resize,
			replaced: () => replaced,
			killAfter(n) {
				killAt = Math.max(0, Math.floor(n));
			},
		};
	}

	root.bertologyShardPool = bertologyShardPool;
	if (typeof module !== "undefined") {
		module.exports = bertologyShardPool;
	}
})(globalThis);
