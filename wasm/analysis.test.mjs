// Tests of the analyses beyond attention maps through bertology's JavaScript API (public/bertology.wasm,
// built by ./build.sh build): hiddenStates, rollout, lens, probe and attnStats on the golden tiny models.
// Run with `node --test wasm/`.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadBertology, readModelDir } from "./node/bertology.mjs";

const golden = fileURLToPath(new URL("../testdata/golden/", import.meta.url));
let lab, bert, gpt2, config, sst2;

before(async () => {
	lab = await loadBertology();
	bert = await readModelDir(golden + "bert/model");
	gpt2 = await readModelDir(golden + "gpt2/model");
	config = JSON.parse(await readFile(golden + "bert/model/config.json", "utf8"));
	sst2 = new Uint8Array(await readFile(golden + "run_bertology/data/SST-2/dev.tsv"));
});

// row returns row i of a [rows, cols] tensor.
const row = (t, i) => t.data.subarray(i * t.shape[1], (i + 1) * t.shape[1]);
const sum = xs => xs.reduce((s, x) => s + x, 0);

test("hiddenStates: a cosine matrix and 2-D principal components per depth", async () => {
	await lab.handle({ op: "loadModel", files: bert });
	const fw = await lab.handle({ op: "forward", text: "the quick brown fox", hiddenStates: true });
	const out = await lab.handle({ op: "hiddenStates", text: "the quick brown fox" });
	const T = fw.tokens.length, D = config.hidden_size;
	assert.deepEqual(out.tokens, fw.tokens);
	assert.equal(out.layers.length, config.num_hidden_layers + 1);
	for (const [d, layer] of out.layers.entries()) {
		assert.ok(layer.cosine.data instanceof Float32Array);
		assert.deepEqual(layer.cosine.shape, [T, T]);
		assert.deepEqual(layer.pca.shape, [T, 2]);
		assert.equal(layer.explained.length, 2);
		const h = fw.hiddenStates[d].data;
		const dot = (i, j) => { let s = 0; for (let k = 0; k < D; k++) s += h[i * D + k] * h[j * D + k]; return s; };
		for (let i = 0; i < T; i++) {
			assert.ok(Math.abs(layer.cosine.data[i * T + i] - 1) < 1e-6, `depth ${d}: cosine(${i}, ${i}) = ${layer.cosine.data[i * T + i]}`);
			const want = dot(0, i) / Math.sqrt(dot(0, 0) * dot(i, i));
			assert.ok(Math.abs(layer.cosine.data[i] - want) < 1e-5, `depth ${d}: cosine(0, ${i}) = ${layer.cosine.data[i]}, want ${want}`);
		}
		for (let c = 0; c < 2; c++) {
			const coords = Array.from({ length: T }, (_, i) => layer.pca.data[i * 2 + c]);
			assert.ok(Math.abs(sum(coords)) < 1e-4, `depth ${d}: component ${c} is centred`);
		}
		assert.ok(layer.explained[0] >= layer.explained[1] && layer.explained[0] + layer.explained[1] <= 1 + 1e-9);
	}
});

test("rollout: combined attention, rollout per layer and flow, rollout rows summing to one", async () => {
	await lab.handle({ op: "loadModel", files: bert });
	const fw = await lab.handle({ op: "forward", text: "hello world, this movie is great" });
	const out = await lab.handle({ op: "rollout", text: "hello world, this movie is great" });
	const L = config.num_hidden_layers, H = config.num_attention_heads, T = fw.tokens.length;
	assert.equal(out.tokens.length, T);
	assert.deepEqual(out.attention.shape, [L, T, T]);
	assert.deepEqual(out.rollout.shape, [L, T, T]);
	assert.deepEqual(out.flow.shape, [T, T]);
	assert.equal(out.residual, 0.5);
	// Layer 0's combined attention is the mean of the forward pass's heads, and its rollout half that
	// plus half the identity.
	const a0 = fw.attentions[0].data;
	for (let k = 0; k < T * T; k++) {
		let mean = 0;
		for (let h = 0; h < H; h++) mean += a0[h * T * T + k] / H;
		assert.ok(Math.abs(out.attention.data[k] - mean) < 1e-6, `attention[0][${k}]`);
		const want = 0.5 * mean + (k % (T + 1) === 0 ? 0.5 : 0);
		assert.ok(Math.abs(out.rollout.data[k] - want) < 1e-6, `rollout[0][${k}]`);
	}
	for (let i = 0; i < T; i++) {
		const last = out.rollout.data.subarray(((L - 1) * T + i) * T, ((L - 1) * T + i + 1) * T);
		assert.ok(Math.abs(sum(last) - 1) < 1e-5, `rollout row ${i}`);
		// The flow is the raw maximum flow of each token's output from the inputs, each in [0, 1], which
		// the page shows as shares of its row.
		const flow = row(out.flow, i);
		assert.ok(flow.every(v => v >= 0 && v <= 1 + 1e-6) && sum(flow) > 0, `flow row ${i}`);
	}
	const long = await lab.handle({ op: "rollout", text: "hello world", maxFlowTokens: 2 });
	assert.ok(long.flow == null, "no flow when it is skipped");
	assert.match(long.flowNote, /^attention flow skipped: the input has 4 tokens, more than 2/);
});

test("lens: GPT-2's last depth is the model's own prediction", async () => {
	await lab.handle({ op: "loadModel", files: gpt2 });
	const text = "hello world, this movie is great";
	const fw = await lab.handle({ op: "forward", text, logits: true });
	const out = await lab.handle({ op: "lens", text, topK: 3 });
	const T = fw.ids.length, vocab = fw.logits.shape[1];
	assert.equal(out.objective, "next token");
	assert.deepEqual([...out.ids], [...fw.ids]);
	assert.equal(out.layers.length, 4); // the embeddings and 3 layers
	for (const [d, depth] of out.layers.entries()) {
		assert.equal(depth.layer, d);
		assert.equal(depth.positions.length, T);
		depth.positions.forEach(c => assert.equal(c.top.length, 3));
	}
	const last = out.layers[out.layers.length - 1].positions;
	for (let t = 0; t < T; t++) {
		const logits = fw.logits.data.subarray(t * vocab, (t + 1) * vocab);
		const argmax = logits.indexOf(Math.max(...logits));
		assert.equal(last[t].top[0].id, argmax, `position ${t}`);
		assert.equal(out.targets[t], t < T - 1 ? fw.ids[t + 1] : -1);
	}
	assert.ok(last[T - 1].targetProb == null, "the last position has no target");
	assert.ok(last[0].targetProb > 0 && last[0].targetProb <= 1);
});

test("probe and attnStats run over the loaded data set, and stop when cancelled", async () => {
	await lab.handle({ op: "loadModel", files: bert });
	await assert.rejects(lab.handle({ op: "probe" }), /^Error: probe: no data set is loaded/);
	await lab.handle({ op: "loadDataset", name: "SST-2/dev.tsv", bytes: sst2 });

	const phases = new Set();
	const probe = await lab.handle({ op: "probe", heldOut: 0.5 }, p => phases.add(p.phase));
	assert.deepEqual([...phases], ["hidden states", "probing"]);
	assert.equal(probe.task, "sst-2");
	assert.equal(probe.pool, "first");
	assert.equal(probe.samples, 12);
	assert.equal(probe.majority, 0.5);
	assert.equal(probe.layers.length, config.num_hidden_layers + 1);
	for (const [d, l] of probe.layers.entries()) {
		assert.equal(l.layer, d);
		assert.equal(l.nTrain + l.nHeldOut, 12);
		assert.equal(l.nHeldOut, 6);
		assert.ok(l.heldOut >= 0 && l.heldOut <= 1 && Number.isInteger(l.heldOut * 6), `depth ${d} held-out accuracy ${l.heldOut}`);
	}

	const stats = await lab.handle({ op: "attnStats", top: 2 });
	assert.equal(stats.examples, 12);
	const keys = ["to_first", "to_special", "to_punct", "to_prev", "to_next", "distance", "entropy"];
	assert.deepEqual(Object.keys(stats.statistics).sort(), [...keys].sort());
	for (const key of keys) {
		const values = stats.statistics[key], top = stats.top[key];
		assert.deepEqual(values.shape, [config.num_hidden_layers, config.num_attention_heads]);
		assert.ok(values.data instanceof Float32Array);
		assert.equal(top.length, 2);
		assert.ok(top[0].score >= top[1].score);
	}
	// Shares of attention lie in [0, 1].
	for (const v of stats.statistics.to_first.data) {
		assert.ok(v >= 0 && v <= 1);
	}

	let sent = false;
	const cancelled = lab.handle({ op: "probe", id: 77 }, () => {
		if (!sent) {
			sent = true;
			lab.handle({ op: "cancel", target: 77 });
		}
	});
	await assert.rejects(cancelled, /^Error: probe: cancelled$/);
	assert.equal(lab.exited(), false);
});
