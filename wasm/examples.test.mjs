// Tests of the table of examples through bertology's JavaScript API (public/bertology.wasm, built by
// ./build.sh build): one evaluation pass over the loaded data set answers each example's prediction,
// as the page's worker calls it. Run with `node --test wasm/`.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadBertology, readDefaultModel } from "./node/bertology.mjs";

const root = new URL("../", import.meta.url);
const path = p => fileURLToPath(new URL(p, root));
let lab, defaultModel, sst2;

before(async () => {
	lab = await loadBertology();
	defaultModel = await readDefaultModel();
	sst2 = new Uint8Array(await readFile(path("testdata/golden/run_bertology/data/SST-2/dev.tsv")));
});

test("examples: each example's prediction, its confusion matrix and the accuracy they make", async () => {
	const info = await lab.handle({ op: "loadModel", files: defaultModel });
	await lab.handle({ op: "loadDataset", name: "SST-2/dev.tsv", bytes: sst2 });
	const texts = new TextDecoder().decode(sst2).trim().split("\n").slice(1).map(l => l.split("\t"));
	const progress = [];
	const res = await lab.handle({ op: "examples", batchSize: 4 }, p => progress.push(p));
	assert.equal(res.task, "sst-2");
	assert.equal(res.regression, false);
	assert.deepEqual(res.classes, info.labels);
	assert.equal(res.rows.length, texts.length);
	assert.equal(res.evaluation.examples, texts.length);
	let right = 0;
	const counts = [[0, 0], [0, 0]];
	res.rows.forEach((r, i) => {
		assert.equal(r.textA, texts[i][0], `row ${i} text`);
		assert.equal(r.label, Number(texts[i][1]), `row ${i} label`);
		assert.equal(r.correct, r.label === r.predicted, `row ${i} correct`);
		assert.ok(r.confidence >= 0.5 && r.confidence <= 1, `row ${i} confidence ${r.confidence}`);
		right += r.correct ? 1 : 0;
		counts[r.label][r.predicted]++;
	});
	assert.equal(right / texts.length, res.evaluation.metrics.acc, "accuracy of the rows");
	assert.deepEqual(res.confusion, counts);
	assert.equal(progress.at(-1).phase, "evaluate");
	assert.equal(progress.at(-1).done, progress.at(-1).total);

	// Each row is the model's answer for its sentence alone.
	const one = await lab.handle({ op: "forward", text: res.rows[0].textA });
	const best = one.classes.reduce((a, c) => (c.probability > a.probability ? c : a));
	assert.equal(best.label, res.classes[res.rows[0].predicted]);
	assert.ok(Math.abs(best.probability - res.rows[0].confidence) < 1e-5, `confidence ${res.rows[0].confidence}, forward's ${best.probability}`);

	await assert.rejects(lab.handle({ op: "examples", batchSize: -1 }), /^Error: examples: batchSize is -1/);
});
