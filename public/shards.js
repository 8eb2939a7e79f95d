// shards.js is the lab's pool of shards: workers that each run a lab of their own (bertology.wasm) with
// a copy of the model, so that a data-set pass runs several batches at once. The lab finds the pool as
// globalThis.bertologyShards (wasm/lab/shards_js.go) and uses it for every data-set pass (importance,
// evaluation and the masking loop; probe features and attention statistics) when its size is above 1;
// it adds the batches' answers up in batch order itself, so the results are those of one worker.
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
//   size()                   the number of shards asked for (1: none, the lab runs its passes itself)
//   concurrency()            how many batches the pool takes at once: depth per shard, or 1
//   version()                the version of the model the pool holds, 0 for none
//   setModel(version, files) the model the shards run from now on, {name: Uint8Array}; each shard
//                            loads it before its next batch
//   run(op, request)         a promise of a shard's answer to a request of op: runBatch (a step for
//                            each of the request's batches) or analyzeBatch (what an analysis keeps of
//                            each), wasm/protocol/shard.go
// and the worker's settings:
//   resize(count)            have count shards (none for 1) from the next pass on
//   replaced()               how many shards died and were replaced
//   killAfter(n)             makes the shard that gets the n-th batch from now die as soon as it has it
//                            (for the tests of replacement)
"use strict";

(function (root) {
	// A batch that kills this many shards is not tried again: it is the batch, not the shard.
	const maxTries = 3;
	// depth is how many batches a shard holds at once: one it runs and the next, which waits in its
	// lab's queue, so that the shard does not idle while an answer travels back and a batch comes.
	const depth = 2;

	function bertologyShardPool(spawn, count) {
		let size = 1;
		let model = { version: 0, files: null };
		const shards = new Set();
		const queue = []; // {op, request, resolve, reject, tries}, oldest first
		let replaced = 0;
		let nextID = 1;
		let killAt = 0; // batches to hand out before the test's kill; 0: none

		function start() {
			const s = { version: 0, loading: null, pending: new Map(), running: 0, retired: false, dead: "" };
			s.worker = spawn({
				message: msg => answered(s, msg),
				death: reason => died(s, reason || "the shard failed"),
			});
			shards.add(s);
			return s;
		}

		// call sends one request to shard s and resolves to its result. A shard that died answers
		// nothing: a batch that reaches it late (it awaited the model while the shard died) is rejected
		// as died() rejects the ones it held, so that it runs again elsewhere.
		function call(s, op, fields) {
			return new Promise((resolve, reject) => {
				if (s.dead) {
					reject(Object.assign(new Error(`a shard died: ${s.dead}`), { shardDied: true }));
					return;
				}
				const id = nextID++;
				s.pending.set(id, { resolve, reject });
				s.worker.post({ id, op, ...fields });
			});
		}

		function answered(s, msg) {
			const p = msg && !msg.progress && s.pending.get(msg.id);
			if (!p) {
				return;
			}
			if (msg.exited) {
				died(s, msg.error);
				return;
			}
			s.pending.delete(msg.id);
			if (msg.error !== undefined) {
				p.reject(new Error(msg.error));
			} else {
				p.resolve(msg.result);
			}
		}

		// died replaces shard s; the batches it held go back to the queue.
		function died(s, reason) {
			if (!shards.has(s)) {
				return;
			}
			shards.delete(s);
			s.dead = reason || "the shard failed";
			s.worker.terminate();
			if (!s.retired || (shards.size === 0 && queue.length > 0)) {
				replaced++;
				start();
			}
			for (const p of s.pending.values()) {
				p.reject(Object.assign(new Error(`a shard died: ${reason}`), { shardDied: true }));
			}
			s.pending.clear();
			dispatch();
		}

		// dispatch hands the queued batches to the shards that hold fewer than depth. Retired shards
		// help finish the queue, then leave.
		function dispatch() {
			for (let more = true; more && queue.length > 0;) {
				more = false;
				for (const s of shards) {
					if (queue.length > 0 && s.running < depth) {
						work(s, queue.shift());
						more = true;
					}
				}
			}
			if (queue.length === 0) {
				for (const s of shards) {
					if (s.retired && s.running === 0) {
						shards.delete(s);
						s.worker.terminate();
					}
				}
			}
		}

		// load gives shard s the pool's model, once however many batches wait for it.
		function load(s) {
			if (s.version === model.version) {
				return null;
			}
			if (!s.loading) {
				const version = model.version;
				s.loading = call(s, "loadModel", { files: model.files }).then(() => {
					s.version = version;
				}).finally(() => {
					s.loading = null;
				});
			}
			return s.loading;
		}

		async function work(s, job) {
			s.running++;
			try {
				await load(s);
				const answer = call(s, job.op, job.request);
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
			s.running--;
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
			concurrency: () => (size > 1 ? depth * size : 1),
			version: () => model.version,
			setModel(version, files) {
				model = { version, files };
				startAll();
			},
			run(op, request) {
				startAll();
				return new Promise((resolve, reject) => {
					queue.push({ op, request, resolve, reject, tries: 0 });
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
