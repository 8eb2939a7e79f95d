// Tests of the lab's pool of shards through its JavaScript API: the data-set passes of the workflow
// and of the analyses run on two worker threads (public/shards.js, as the browser's worker runs them
// on Web Workers) and give what the lab computes alone, also when a shard dies in the middle of a
// pass. Run with `node --test wasm/`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadBertology, readDefaultModel, useShards } from "./node/bertology.mjs";

const root = new URL("../", import.meta.url);
const path = p => fileURLToPath(new URL(p, root));
let lab, pool, defaultModel;

before(async () => {
	lab = await loadBertology();
	defaultModel = await readDefaultModel();
	pool = useShards(1);
});

after(() => {
	pool.resize(1);
	delete globalThis.bertologyShards;
});

// alone and pooled run a request with the lab alone and on two shards.
async function alone(request) {
	pool.resize(1);
	return lab.handle(request);
}

async function pooled(request) {
	pool.resize(2);
	return lab.handle(request);
}

test("passes on two shards compute what the lab computes alone", async () => {
	const info = await lab.handle({ op: "loadModel", files: defaultModel });
	const sst2 = new Uint8Array(await readFile(path("testdata/golden/run_bertology/data/SST-2/dev.tsv")));
	await lab.handle({ op: "loadDataset", name: "SST-2/dev.tsv", bytes: sst2 });
	const importance = { op: "importance", maxSeqLength: 32, batchSize: 2 };

	const want = await alone(importance);
	assert.deepEqual(await pooled(importance), want, "importance");
	assert.equal(pool.version(), 1, "the pool holds the loaded model");
	assert.ok(want.evaluation.metrics.acc > 0.5, `accuracy ${want.evaluation.metrics.acc}`);

	const mask = new Float32Array(info.layers * info.heads).map((_, i) => i % 2);
	const evaluate = { op: "evaluate", headMask: mask };
	assert.deepEqual(await pooled(evaluate), await alone(evaluate), "evaluation with a mask");
	const masking = { op: "maskingLoop", threshold: 0.9, amount: 0.25 };
	assert.deepEqual(await pooled(masking), await alone(masking), "masking loop");

	// A shard that dies is replaced, and its batch runs again.
	const replaced = pool.replaced();
	pool.resize(2);
	pool.killAfter(3);
	assert.deepEqual(await lab.handle(importance), want, "importance with a shard killed");
	assert.equal(pool.replaced(), replaced + 1, "shards replaced");

	// After pruning the shards get the pruned model.
	await lab.handle({ op: "prune", heads: { 0: [1] } });
	assert.deepEqual(await pooled({ op: "evaluate" }), await alone({ op: "evaluate" }), "evaluation of the pruned model");
	assert.equal(pool.version(), 2, "the pool holds the pruned model");
});

// sst2Repeated is the golden SST-2 file with its sentences repeated to n, for passes of several
// batches on each shard.
async function sst2Repeated(n) {
	const [header, ...lines] = (await readFile(path("testdata/golden/run_bertology/data/SST-2/dev.tsv"), "utf8")).trim().split("\n");
	const out = [header];
	for (let i = 0; i < n; i++) {
		out.push(lines[i % lines.length]);
	}
	return new TextEncoder().encode(out.join("\n") + "\n");
}

test("the analyses' passes on two shards compute what the lab computes alone", async () => {
	await lab.handle({ op: "loadModel", files: defaultModel });
	await lab.handle({ op: "loadDataset", name: "SST-2/dev.tsv", bytes: await sst2Repeated(64) });
	const probe = { op: "probe" };
	const want = await alone(probe);
	assert.deepEqual(await pooled(probe), want, "probe");
	assert.equal(want.samples, 64);
	const mean = { op: "probe", pool: "mean", heldOut: 0.5 };
	assert.deepEqual(await pooled(mean), await alone(mean), "probe of mean vectors");
	const stats = { op: "attnStats", top: 4 };
	const wantStats = await alone(stats);
	assert.deepEqual(await pooled(stats), wantStats, "attention statistics");
	assert.equal(wantStats.examples, 64);

	// A shard that dies is replaced, and its batches run again.
	for (const [request, expected] of [[probe, want], [stats, wantStats]]) {
		const replaced = pool.replaced();
		pool.resize(2);
		pool.killAfter(3);
		assert.deepEqual(await lab.handle(request), expected, `${request.op} with a shard killed`);
		assert.equal(pool.replaced(), replaced + 1, "shards replaced");
	}

	// After pruning the shards get the pruned model.
	await lab.handle({ op: "importance", maxSeqLength: 32 });
	await lab.handle({ op: "prune", heads: { 0: [1], 1: [0] } });
	assert.deepEqual(await pooled(mean), await alone(mean), "probe of the pruned model");
	assert.deepEqual(await pooled(stats), await alone(stats), "attention statistics of the pruned model");
});

test("analyzeBatch answers on a shard what the lab answers: word features, pooled sentences, attention sums", async () => {
	const info = await lab.handle({ op: "loadModel", files: defaultModel });
	pool.resize(2);
	await lab.handle({ op: "loadDataset", name: "SST-2/dev.tsv", bytes: await sst2Repeated(2) });
	await lab.handle({ op: "probe", subset: 2 }); // gives the pool the model
	const sentences = ["a gripping, funny and moving film", "the end"];
	const tokens = await Promise.all(sentences.map(text => lab.handle({ op: "tokenize", text })));
	const T = Math.max(...tokens.map(t => t.ids.length));
	const padded = t => [...t, ...Array(T - t.length).fill(0)];
	const batch = {
		size: 2, seqLen: T,
		inputIds: new Int32Array(tokens.flatMap(t => padded([...t.ids]))),
		attentionMask: new Int32Array(tokens.flatMap(t => padded(t.ids.map(() => 1)))),
		tokenTypeIds: new Int32Array(2 * T),
	};
	const words = [new Int32Array([0, 1, 2]), new Int32Array([0, tokens[1].ids.length - 1])];
	const requests = {
		words: { keep: 1, batches: [{ batch, words }] },
		sentences: { keep: 0, pool: 0, batches: [{ batch }, { batch }] },
		attention: { keep: 2, special: ["[CLS]", "[SEP]"], batches: [{ batch, tokens: tokens.map(t => t.tokens) }] },
	};
	const answers = {};
	for (const [name, request] of Object.entries(requests)) {
		const want = await lab.handle({ op: "analyzeBatch", ...request });
		assert.deepEqual(await pool.run("analyzeBatch", request), want, `${name} on a shard`);
		answers[name] = want.kept;
	}
	const [kept] = answers.words;
	assert.equal(kept.features.length, info.layers + 1, "a depth for the embeddings and each layer");
	for (const [d, f] of kept.features.entries()) {
		assert.ok(f instanceof Float64Array && f.length === 5 * info.hidden, `depth ${d}: ${f.length} features`);
		// The first token of each sentence is the sentence's pooled "first" vector.
		const first = answers.sentences[0].features[d];
		assert.deepEqual([...f.subarray(0, info.hidden)], [...first.subarray(0, info.hidden)], `depth ${d}, sentence 0`);
		assert.deepEqual([...f.subarray(3 * info.hidden, 4 * info.hidden)], [...first.subarray(info.hidden)], `depth ${d}, sentence 1`);
	}
	assert.equal(answers.sentences.length, 2, "what each batch keeps");
	const sums = answers.attention[0].attention;
	assert.deepEqual(sums.map(s => s.tokens), tokens.map(t => t.ids.length), "each sentence's tokens");
	assert.ok(sums.every(s => s.values instanceof Float64Array && s.values.length === 7 * info.layers * info.heads));
});

test("runBatch answers with the step of each batch", async () => {
	await lab.handle({ op: "loadModel", files: defaultModel });
	const tokens = await lab.handle({ op: "tokenize", text: "a gripping, funny and moving film" });
	const T = tokens.ids.length;
	const batch = { size: 1, seqLen: T, inputIds: tokens.ids, tokenTypeIds: tokens.typeIds, labels: new Int32Array([1]) };
	const { steps } = await lab.handle({
		op: "runBatch",
		batches: [batch, { ...batch, labels: new Int32Array([0]) }],
		want: { headMaskGrad: true, attentions: true },
	});
	assert.equal(steps.length, 2, "a step for each batch");
	assert.ok(steps[1].loss !== steps[0].loss, "each batch with its own labels");
	const step = steps[0];
	const fwd = await lab.handle({ op: "forward", ids: tokens.ids, typeIds: tokens.typeIds });
	assert.deepEqual([...step.logits], [...fwd.logits.data], "the logits of forward");
	assert.equal(step.attentions.length, fwd.attentions.length);
	fwd.attentions.forEach((a, l) => assert.deepEqual([...step.attentions[l]], [...a.data], `layer ${l}'s attention`));
	assert.ok(step.headMaskGrad instanceof Float32Array && step.headMaskGrad.length === fwd.attentions.length * fwd.attentions[0].shape[0]);
	assert.ok(step.loss > 0, `loss ${step.loss}`);
});

test("cancel stops a pass on the shards; the lab and its shards work on", async () => {
	await lab.handle({ op: "loadModel", files: defaultModel });
	const sst2 = new Uint8Array(await readFile(path("testdata/golden/run_bertology/data/SST-2/dev.tsv")));
	await lab.handle({ op: "loadDataset", name: "SST-2/dev.tsv", bytes: sst2 });
	pool.resize(2);
	let reports = 0;
	const running = lab.handle({ op: "importance", id: 78, batchSize: 1 }, p => {
		if (p.phase === "importance" && reports++ === 0) {
			lab.handle({ op: "cancel", target: 78 });
		}
	});
	await assert.rejects(running, /^Error: importance: cancelled$/);
	const importance = { op: "importance", batchSize: 1 };
	assert.deepEqual(await pooled(importance), await alone(importance), "importance after the cancel");

	await lab.handle({ op: "loadDataset", name: "SST-2/dev.tsv", bytes: await sst2Repeated(64) });
	pool.resize(2);
	reports = 0;
	const stats = lab.handle({ op: "attnStats", id: 79 }, p => {
		if (p.phase === "attention" && reports++ === 0) {
			lab.handle({ op: "cancel", target: 79 });
		}
	});
	await assert.rejects(stats, /^Error: attnStats: cancelled$/);
	assert.deepEqual(await pooled({ op: "attnStats" }), await alone({ op: "attnStats" }), "attention statistics after the cancel");
});
