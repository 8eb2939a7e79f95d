// Tests of the pool of shards (public/shards.js) on its own, with fake shards that answer at once, so
// that the order of events is the same on every run. Run with `node --test wasm/`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const bertologyShardPool = createRequire(import.meta.url)("../public/shards.js");

// fakeSpawn makes shards that answer every op in a microtask; those but loadModel (runBatch,
// analyzeBatch) answer with the op, the request's k and the shard's number. spawned counts them.
function fakeSpawn() {
	const spawned = [];
	const spawn = events => {
		const n = spawned.length;
		let dead = false;
		spawned.push(n);
		return {
			post: msg => queueMicrotask(() => {
				if (!dead) {
					events.message({ id: msg.id, result: msg.op === "loadModel" ? {} : { op: msg.op, k: msg.k, shard: n } });
				}
			}),
			terminate: () => { dead = true; },
		};
	};
	return { spawn, spawned };
}

// within fails when promise takes longer than ms: a batch the pool lost would wait for ever.
function within(promise, ms, what) {
	let timer;
	const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); });
	return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

test("a batch that reaches a shard after it died runs again on another", async () => {
	const { spawn, spawned } = fakeSpawn();
	const pool = bertologyShardPool(spawn, 2);
	pool.setModel(1, {});
	// Both shards hold the model, so the next batches go straight to their op.
	await within(Promise.all([pool.run("runBatch", { k: -1 }), pool.run("runBatch", { k: -2 })]), 1000, "loading the model");
	assert.equal(spawned.length, 2);
	// Four batches, of both ops: two on each shard. The first kills its shard; the shard's second
	// batch, handed out with it, reaches the shard only after that.
	pool.killAfter(1);
	const ops = ["runBatch", "analyzeBatch", "analyzeBatch", "runBatch"];
	const steps = await within(Promise.all(ops.map((op, k) => pool.run(op, { k }))), 1000, "four batches with a shard killed");
	assert.deepEqual(steps.map(s => s.k), [0, 1, 2, 3], "every batch answered, in its own place");
	assert.deepEqual(steps.map(s => s.op), ops, "every batch answered by its op");
	assert.equal(pool.replaced(), 1, "the dead shard replaced");
	assert.equal(spawned.length, 3, "one shard started in its place");
});
