// Tests of the induction op through bertology's JavaScript API (public/bertology.wasm, built by
// ./build.sh build) on the golden tiny GPT-2: the three layer × head scores, checked against the
// attentions the forward op returns for the result's example sequence. Run with `node --test wasm/`.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadBertology, readModelDir } from "./node/bertology.mjs";

const golden = fileURLToPath(new URL("../testdata/golden/", import.meta.url));
let lab, bert, gpt2;

before(async () => {
	lab = await loadBertology();
	bert = await readModelDir(golden + "bert/model");
	gpt2 = await readModelDir(golden + "gpt2/model");
});

test("induction: prefix matching, copying and previous token per head, as the attentions give them", async () => {
	await lab.handle({ op: "loadModel", files: gpt2 });
	const info = await lab.handle({ op: "modelInfo" });
	assert.equal(info.causalLM, true);
	const R = 8;
	const out = await lab.handle({ op: "induction", length: R, sequences: 1, seed: 5 });
	const L = 3, H = 4, T = 2 * R + 1;
	assert.equal(out.layers, L);
	assert.equal(out.heads, H);
	assert.equal(out.tokens, T);
	assert.equal(out.bos, "<|endoftext|>");
	assert.equal(out.example.length, T);
	assert.deepEqual(out.example.slice(1, 1 + R), out.example.slice(1 + R));
	for (const key of ["prefixMatching", "copying", "previousToken"]) {
		assert.ok(out[key].data instanceof Float32Array, key);
		assert.deepEqual(out[key].shape, [L, H], key);
		assert.equal(out.top[key].length, 3, key);
		assert.ok(out.top[key][0].score >= out.top[key][1].score, key);
	}
	// With one sequence, the attention scores are plain means of the forward pass's attentions.
	const fw = await lab.handle({ op: "forward", ids: out.example });
	for (let l = 0; l < L; l++) {
		const a = fw.attentions[l].data; // [heads, T, T]
		for (let h = 0; h < H; h++) {
			const at = (i, j) => a[(h * T + i) * T + j];
			let prefix = 0, prev = 0;
			for (let i = 1 + R; i < T; i++) prefix += at(i, i - R + 1) / R;
			for (let i = 2; i < T; i++) prev += at(i, i - 1) / (T - 2);
			const got = out.prefixMatching.data[l * H + h], gotPrev = out.previousToken.data[l * H + h];
			assert.ok(Math.abs(got - prefix) < 1e-6, `layer ${l} head ${h}: prefix matching ${got}, by hand ${prefix}`);
			assert.ok(Math.abs(gotPrev - prev) < 1e-6, `layer ${l} head ${h}: previous token ${gotPrev}, by hand ${prev}`);
			const copy = out.copying.data[l * H + h];
			assert.ok(copy >= -1 && copy <= 1, `layer ${l} head ${h}: copying ${copy} outside [-1, 1]`);
		}
	}
});

test("induction: refused for a model that is not a causal language model", async () => {
	await lab.handle({ op: "loadModel", files: bert });
	const info = await lab.handle({ op: "modelInfo" });
	assert.equal(info.causalLM, false);
	await assert.rejects(lab.handle({ op: "induction" }), /induction: induction and previous-token heads need a causal language model/);
	// The instance survives: the next request works.
	await lab.handle({ op: "loadModel", files: gpt2 });
	await assert.rejects(lab.handle({ op: "induction", length: 40 }), /at most 31/);
	const out = await lab.handle({ op: "induction", length: 4, sequences: 1 });
	assert.equal(out.tokens, 9);
});
