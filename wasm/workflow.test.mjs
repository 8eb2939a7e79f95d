// Tests of the run_bertology.py workflow through bertology's JavaScript API (public/bertology.wasm, built by
// ./build.sh build): a data set, head importance, masking, pruning and export, as the page's worker calls
// them. Run with `node --test wasm/`.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadBertology, readDefaultModel, readModelDir } from "./node/bertology.mjs";

const root = new URL("../", import.meta.url);
const path = p => fileURLToPath(new URL(p, root));
const sst2Name = "SST-2/dev.tsv";
let lab, defaultModel, goldenModel, sst2, script;

before(async () => {
	lab = await loadBertology();
	defaultModel = await readDefaultModel();
	goldenModel = await readModelDir(path("testdata/golden/bert/model"));
	sst2 = new Uint8Array(await readFile(path("testdata/golden/run_bertology/data/SST-2/dev.tsv")));
	// results.json is written by Python's json module, which spells NaN bare.
	script = JSON.parse((await readFile(path("testdata/golden/run_bertology/results.json"), "utf8")).replace(/\bNaN\b/g, "null"));
});

// sst2Rows are the sentences and labels of the SST-2 file.
function sst2Rows() {
	const lines = new TextDecoder().decode(sst2).trim().split("\n").slice(1);
	return lines.map(line => {
		const [text, label] = line.split("\t");
		return { text, label: Number(label) };
	});
}

function assertClose(got, want, tol, what) {
	assert.equal(got.length, want.length, `${what}: length`);
	for (let i = 0; i < got.length; i++) {
		assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}] = ${got[i]}, want ${want[i]} ± ${tol}`);
	}
}

async function rejectsWith(promise, want, what) {
	await assert.rejects(promise, err => {
		assert.ok(err instanceof Error, `${what}: rejected with ${err}, not an Error`);
		assert.match(err.message, want, what);
		return true;
	});
}

const argmax = a => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

test("the default model: importance, masking, pruning, export and reload", async () => {
	const info = await lab.handle({ op: "loadModel", files: defaultModel });
	const { layers, heads } = info;
	const n = layers * heads;
	const first = await lab.handle({ op: "forward", text: "this movie is great" });
	assert.equal(first.attentions.length, layers);

	const data = await lab.handle({ op: "loadDataset", name: sst2Name, bytes: sst2 });
	const rows = sst2Rows();
	assert.deepEqual({ task: data.task, split: data.split, count: data.count, detected: data.detected, metric: data.metric },
		{ task: "sst-2", split: "dev", count: rows.length, detected: true, metric: "acc" });
	assert.deepEqual(data.preview[0], { textA: rows[0].text, textB: "", label: String(rows[0].label) });

	const progress = [];
	const imp = await lab.handle({ op: "importance", maxSeqLength: 32, batchSize: 4 }, p => progress.push(p));
	assert.equal(imp.layers, layers);
	assert.equal(imp.heads, heads);
	for (const name of ["importance", "raw", "entropy"]) {
		assert.ok(imp[name] instanceof Float32Array, `${name} is a Float32Array`);
		assert.equal(imp[name].length, n, `${name} has layers × heads values`);
	}
	assert.ok(imp.ranks instanceof Int32Array);
	assert.deepEqual([...imp.ranks].sort((a, b) => a - b), [...Array(n).keys()], "ranks are a permutation");
	// Both normalisations by default: min-max over all heads.
	assert.equal(Math.max(...imp.importance), 1);
	assert.equal(Math.min(...imp.importance), 0);
	assert.ok(imp.entropy.every(e => e > 0), "every head has some entropy");
	const batches = Math.ceil(rows.length / 4);
	const done = progress.filter(p => p.phase === "importance").map(p => p.done);
	assert.deepEqual([done[0], done.at(-1)], [1, batches], "the first and the last batch are reported");
	assert.ok(done.every((d, i) => i === 0 || d > done[i - 1]), `reported in order: ${done}`);
	assert.ok(imp.totTokens > rows.length);

	// The accuracy is the model's own, sentence by sentence.
	let correct = 0;
	for (const r of rows) {
		const out = await lab.handle({ op: "forward", text: r.text });
		correct += argmax(out.logits.data) === r.label ? 1 : 0;
	}
	assert.equal(imp.evaluation.metric, "acc");
	assert.equal(imp.evaluation.examples, rows.length);
	assert.ok(Math.abs(imp.evaluation.metrics.acc - correct / rows.length) < 1e-12, `acc ${imp.evaluation.metrics.acc}, want ${correct}/${rows.length}`);

	// Mask the two least important heads: evaluate with the mask, then prune them.
	const mask = new Float32Array(n).fill(1);
	for (let i = 0; i < n; i++) {
		if (imp.ranks[i] >= n - 2) {
			mask[i] = 0;
		}
	}
	const evaluated = await lab.handle({ op: "evaluate", headMask: mask });
	assert.equal(evaluated.examples, rows.length);
	const sentence = "a very boring movie";
	const masked = await lab.handle({ op: "forward", text: sentence, headMask: mask });

	const loop = await lab.handle({ op: "maskingLoop", threshold: 0.9, amount: 0.1 });
	assert.equal(loop.finalMask.length, n);
	assert.ok(loop.ended.length > 0);
	for (const r of loop.rounds) {
		assert.equal(r.mask.length, n);
		assert.equal(r.fraction, (n - r.remaining) / n);
	}

	const pruned = await lab.handle({ op: "prune", headMask: mask });
	assert.ok(pruned.paramsAfter < pruned.paramsBefore, `params ${pruned.paramsBefore} → ${pruned.paramsAfter}`);
	assert.equal(pruned.paramsBefore, info.params);
	assert.equal(pruned.model.params, pruned.paramsAfter);
	assert.equal(pruned.model.headsPerLayer.reduce((s, h) => s + h, 0), n - 2);
	assert.ok(pruned.secondsPerExampleBefore > 0 && pruned.secondsPerExampleAfter > 0);
	assert.equal(pruned.before.metrics.acc, evaluated.metrics.acc, "masked accuracy as evaluate had it");
	assert.equal(pruned.after.metrics.acc, evaluated.metrics.acc, "pruning changes nothing the mask did not");

	// The pruned model is now loaded, and computes what the masked model did.
	const afterPrune = await lab.handle({ op: "forward", text: sentence });
	assertClose(afterPrune.logits.data, masked.logits.data, 1e-5, "pruned logits");

	const exported = await lab.handle({ op: "exportModel" });
	const names = Object.keys(exported.files).sort();
	assert.ok(names.includes("config.json") && names.includes("model.safetensors") && names.includes("vocab.txt"), names.join(", "));
	assert.ok(exported.files["model.safetensors"] instanceof Uint8Array);
	const config = JSON.parse(new TextDecoder().decode(exported.files["config.json"]));
	const want = {};
	for (let i = 0; i < n; i++) {
		if (mask[i] === 0) {
			(want[Math.floor(i / heads)] ??= []).push(i % heads);
		}
	}
	assert.deepEqual(config.pruned_heads, want);

	for (const [what, file] of [["importance", "head_importance.npy"], ["entropy", "attn_entropy.npy"], ["mask", "head_mask.npy"]]) {
		const npy = await lab.handle({ op: "exportNpy", what, headMask: mask });
		const bytes = npy.files[file];
		assert.ok(bytes instanceof Uint8Array, `${file} exported`);
		assert.equal(new TextDecoder().decode(bytes.subarray(1, 6)), "NUMPY");
		assert.equal(bytes.length % 64, (4 * n) % 64, `${file}: the header pads the data to 64 bytes`);
		assert.deepEqual([...new Float32Array(bytes.slice(bytes.length - 4 * n).buffer)], [...(what === "mask" ? mask : imp[what])]);
	}

	// The export loads back and computes what the masked model did.
	const reloaded = await lab.handle({ op: "loadModel", files: exported.files });
	assert.equal(reloaded.params, pruned.paramsAfter);
	const again = await lab.handle({ op: "forward", text: sentence });
	assertClose(again.logits.data, masked.logits.data, 1e-5, "reloaded logits");
});

test("importance and the masking loop reproduce run_bertology.py", async () => {
	await lab.handle({ op: "loadModel", files: goldenModel });
	await lab.handle({ op: "loadDataset", name: sst2Name, bytes: sst2 });
	const imp = await lab.handle({ op: "importance", maxSeqLength: 16, batchSize: 1, mode: "script" });
	assertClose(imp.importance, script.default.head_importance.data, 1e-5, "head_importance");
	assertClose(imp.entropy, script.default.attn_entropy.data, 1e-5, "attn_entropy");

	await lab.handle({ op: "importance", maxSeqLength: 16, batchSize: 4, mode: "script" });
	const loop = await lab.handle({ op: "maskingLoop", threshold: 0.75, amount: 0.1 });
	assert.deepEqual([...loop.finalMask], script["patched_masking_t0.75"].head_mask.data);
	const pruned = await lab.handle({ op: "prune", headMask: loop.finalMask });
	assert.deepEqual(pruned.pruned, { 1: [1, 2], 2: [1, 2, 3] });
	const restored = await lab.handle({ op: "restoreModel" });
	assert.deepEqual(restored.headsPerLayer, [4, 4, 4]);
});

test("cancel stops a running importance; the lab works on", async () => {
	await lab.handle({ op: "loadModel", files: goldenModel });
	await lab.handle({ op: "loadDataset", name: sst2Name, bytes: sst2 });
	let reports = 0;
	const running = lab.handle({ op: "importance", id: 77 }, p => {
		if (p.phase === "importance" && reports++ === 0) {
			lab.handle({ op: "cancel", target: 77 });
		}
	});
	await rejectsWith(running, /^importance: cancelled$/, "cancelled importance");
	assert.ok(reports < sst2Rows().length, `${reports} reports: it ran to the end`);
	await rejectsWith(lab.handle({ op: "evaluate" }), /^evaluate: compute importance first/, "nothing was kept");
	const imp = await lab.handle({ op: "importance" });
	assert.equal(imp.evaluation.examples, sst2Rows().length);
	assert.equal(lab.exited(), false);
});

test("a malformed TSV is rejected with its line number, and the next call succeeds", async () => {
	await lab.handle({ op: "loadModel", files: goldenModel });
	await lab.handle({ op: "loadDataset", name: sst2Name, bytes: sst2.subarray(0, sst2.indexOf(10, 100)) });
	const text = new TextDecoder().decode(sst2).replace("i hate the actor\t0", "i hate the actor\tzero");
	const bad = new TextEncoder().encode(text);
	await rejectsWith(lab.handle({ op: "loadDataset", name: "dev.tsv", bytes: bad, task: "sst-2" }),
		/^loadDataset: dev\.tsv as SST-2: line 7: /, "chosen task");
	await rejectsWith(lab.handle({ op: "loadDataset", name: "dev.tsv", bytes: bad }),
		/^loadDataset: .*read as SST-2, the closest fit: line 7: /, "detected task");
	// The data set loaded before is still there.
	const short = await lab.handle({ op: "importance" });
	assert.ok(short.evaluation.examples < sst2Rows().length);
	const data = await lab.handle({ op: "loadDataset", name: "dev.tsv", bytes: sst2 });
	assert.equal(data.count, sst2Rows().length);
	const imp = await lab.handle({ op: "importance" });
	assert.equal(imp.evaluation.examples, sst2Rows().length);
	assert.equal(lab.exited(), false);
});

test("plain text is scored by a language model's perplexity", async () => {
	await lab.handle({ op: "loadModel", files: await readModelDir(path("testdata/golden/gpt2/model")) });
	const data = await lab.handle({ op: "loadDataset", name: "wiki.txt", bytes: new TextEncoder().encode("hello world\n\nthe quick brown fox\n") });
	assert.deepEqual({ task: data.task, count: data.count, metric: data.metric }, { task: "lm", count: 2, metric: "perplexity" });
	const imp = await lab.handle({ op: "importance" });
	const { loss, perplexity } = imp.evaluation.metrics;
	assert.ok(Math.abs(perplexity - Math.exp(loss)) < 1e-9 * perplexity);
	assert.deepEqual(Object.keys(imp.evaluation.metrics).sort(), ["loss", "perplexity"]);
});
