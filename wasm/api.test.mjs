// Tests of bertology's JavaScript API: public/bertology.wasm (./build.sh build) loaded into Node, called
// as the browser's worker calls it. Run with `node --test wasm/`.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadBertology, readModelDir } from "./node/bertology.mjs";

const goldenDir = fileURLToPath(new URL("../testdata/golden/bert/", import.meta.url));
let lab, files, config, golden;

before(async () => {
	lab = await loadBertology();
	files = await readModelDir(goldenDir + "model");
	config = JSON.parse(await readFile(goldenDir + "model/config.json", "utf8"));
	golden = JSON.parse(await readFile(goldenDir + "golden_float32.json", "utf8"));
});

// goldenInput returns golden input b without its padding.
function goldenInput(b) {
	const [, t] = golden.inputs.input_ids.shape;
	const row = name => golden.inputs[name].data.slice(b * t, (b + 1) * t);
	const n = row("attention_mask").reduce((s, m) => s + m, 0);
	return { ids: row("input_ids").slice(0, n), typeIds: row("token_type_ids").slice(0, n) };
}

// rejectsWith asserts that promise rejects with an Error whose message matches want.
async function rejectsWith(promise, want, what) {
	await assert.rejects(promise, err => {
		assert.ok(err instanceof Error, `${what}: rejected with ${err}, not an Error`);
		assert.match(err.message, want, what);
		return true;
	});
}

function assertClose(got, want, tol, what) {
	assert.equal(got.length, want.length, `${what}: length`);
	for (let i = 0; i < got.length; i++) {
		assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}] = ${got[i]}, want ${want[i]} ± ${tol}`);
	}
}

test("loadModel summarises the model as its config.json says", async () => {
	const progress = [];
	const info = await lab.handle({ op: "loadModel", files }, p => progress.push(p));
	assert.equal(info.type, config.model_type);
	assert.equal(info.architecture, config.architectures[0]);
	assert.equal(info.layers, config.num_hidden_layers);
	assert.equal(info.heads, config.num_attention_heads);
	assert.deepEqual(info.headsPerLayer, Array(config.num_hidden_layers).fill(config.num_attention_heads));
	assert.equal(info.hidden, config.hidden_size);
	assert.equal(info.vocab, config.vocab_size);
	assert.equal(info.maxPositions, config.max_position_embeddings);
	assert.deepEqual(info.labels, ["LABEL_0", "LABEL_1"]);
	assert.ok(info.files.includes("model.safetensors"));
	// The lab runs on the SIMD kernel module (public/kernels-*.wasm), and says so; the loader agrees.
	assert.ok(["simd128", "relaxed-simd"].includes(info.kernels), `kernels ${info.kernels}`);
	assert.equal(info.kernels, lab.kernels);
	assert.ok(progress.length > 0, "progress reported");
	assert.deepEqual(Object.keys(progress[0]).sort(), ["done", "phase", "total"]);
});

test("forward on token ids matches Hugging Face", async () => {
	await lab.handle({ op: "loadModel", files });
	const { ids, typeIds } = goldenInput(0);
	const out = await lab.handle({ op: "forward", ids: Int32Array.from(ids), typeIds: Int32Array.from(typeIds) });
	const t = ids.length, labels = golden.forward.logits.shape[1];
	assert.ok(out.logits.data instanceof Float32Array);
	assert.deepEqual(out.logits.shape, [labels]);
	assertClose(out.logits.data, golden.forward.logits.data.slice(0, labels), 1e-5, "logits");
	assert.deepEqual([...out.ids], ids);
	assert.equal(out.tokens.length, t);

	assert.equal(out.attentions.length, config.num_hidden_layers);
	const [, heads, tt] = golden.forward.attentions[0].shape;
	for (const [l, a] of out.attentions.entries()) {
		assert.deepEqual(a.shape, [config.num_attention_heads, t, t], `layer ${l} shape`);
		assert.ok(a.data instanceof Float32Array);
		// golden layer l, sequence 0, cropped to the t real tokens
		const want = [];
		for (let h = 0; h < heads; h++) {
			for (let i = 0; i < t; i++) {
				const row = (h * tt + i) * tt;
				want.push(...golden.forward.attentions[l].data.slice(row, row + t));
			}
		}
		assertClose(a.data, want, 1e-5, `layer ${l} attention`);
	}
	const p = out.classes.map(c => c.probability);
	assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-12, "probabilities sum to 1");
});

test("forward on text tokenizes as Hugging Face did", async () => {
	await lab.handle({ op: "loadModel", files });
	const out = await lab.handle({ op: "forward", text: "the quick brown fox", pair: "jumps over the lazy dog", hiddenStates: true });
	const { ids, typeIds } = goldenInput(0);
	assert.deepEqual([...out.ids], ids);
	assert.deepEqual([...out.typeIds], typeIds);
	assert.equal(out.tokens[0], "[CLS]");
	assertClose(out.logits.data, golden.forward.logits.data.slice(0, 2), 1e-5, "logits");
	assert.equal(out.hiddenStates.length, config.num_hidden_layers + 1);
	assert.deepEqual(out.hiddenStates[0].shape, [ids.length, config.hidden_size]);

	const tok = await lab.handle({ op: "tokenize", text: "the quick brown fox", pair: "jumps over the lazy dog" });
	assert.deepEqual([...tok.ids], ids);
	assert.deepEqual(tok.tokens, out.tokens);
});

test("queries gives one head's vectors, whose softmax is forward's attention", async () => {
	await lab.handle({ op: "loadModel", files });
	const text = "the quick brown fox";
	const fw = await lab.handle({ op: "forward", text });
	const t = fw.tokens.length;
	const q = await lab.handle({ op: "queries", text, layer: 1, head: 2 });
	const hd = config.hidden_size / config.num_attention_heads;
	assert.deepEqual(q.queries.shape, [t, hd]);
	assert.deepEqual(q.keys.shape, [t, hd]);
	assert.deepEqual(q.probs.shape, [t, t]);
	assert.ok(Math.abs(q.scale - Math.sqrt(hd)) < 1e-6, `scale ${q.scale}`);
	const attn = fw.attentions[1].data.slice(2 * t * t, 3 * t * t);
	assertClose(q.probs.data, Array.from(attn), 1e-5, "layer 1 head 2's attention");
	await rejectsWith(lab.handle({ op: "queries", text, layer: 1, head: 99 }), /^queries: head 99 is outside the model's \d+ heads$/);
});

test("a corrupted safetensors file is rejected clearly, and the lab lives on", async () => {
	await lab.handle({ op: "loadModel", files });
	const bad = { ...files, "model.safetensors": files["model.safetensors"].slice(0, 1000) };
	delete bad["pytorch_model.bin"];
	await rejectsWith(lab.handle({ op: "loadModel", files: bad }), /^loadModel: model\.safetensors: /);
	// The model loaded before is still there...
	const out = await lab.handle({ op: "forward", text: "hello world" });
	assert.equal(out.attentions.length, config.num_hidden_layers);
	// ...and a good model still loads.
	const info = await lab.handle({ op: "loadModel", files });
	assert.equal(info.layers, config.num_hidden_layers);
	assert.equal(lab.exited(), false);
});

test("bad requests are rejected with messages that say what is wrong", async () => {
	await lab.handle({ op: "loadModel", files });
	const cases = [
		[undefined, /^request: want an object \{op, \.\.\.\}, got nothing$/],
		[{ text: "a" }, /^request: op: want a string naming the operation, got nothing$/],
		[{ op: "fly" }, /^unknown op "fly" \(known: (\w+, )*forward, (\w+, )*loadModel, (\w+, )*cancel\)$/],
		[{ op: "forward", txt: "a" }, /^forward: unknown field "txt"/],
		[{ op: "forward", text: "a", headMask: "all" }, /^forward: headMask: want a Float32Array or an array of numbers, got a string$/],
		[{ op: "forward", text: "a", headMask: new Float32Array(3) }, /^forward: head mask has 3 values, want 12$/],
		[{ op: "forward", ids: [2, 1000] }, /^forward: ids\[1\] is 1000, outside the vocabulary of 147$/],
		[{ op: "loadModel", files: { "config.json": "{}" } }, /^loadModel: files\.config\.json: want a Uint8Array, got a string$/],
	];
	for (const [req, want] of cases) {
		await rejectsWith(lab.handle(req), want, JSON.stringify(req));
	}
	const out = await lab.handle({ op: "forward", text: "hello world" });
	assert.equal(out.tokens.length, 4);
	assert.equal(lab.exited(), false);
});

test("requests that contain themselves, nest 100,000 deep or throw when read are refused, and the lab lives on", async () => {
	await lab.handle({ op: "loadModel", files });
	const cyclic = { op: "forward", text: "hello", options: { list: [1, 2] } };
	cyclic.options.list.push(cyclic);
	let deep = {};
	for (let i = 0; i < 100_000; i++) {
		deep = { x: deep };
	}
	const throwing = { op: "forward" };
	Object.defineProperty(throwing, "text", { enumerable: true, get() { throw new Error("not now"); } });
	const cases = [
		[cyclic, /^request: value\["options"\]\["list"\]\[2\] refers to value, which contains it: a value that contains itself cannot be sent$/],
		[{ op: "forward", text: "hello", deep }, /^request: value\["deep"\](\["x"\]){63} is nested more than 64 levels deep$/],
		[throwing, /^request: reading value\["text"\] threw Error: not now$/],
	];
	for (const [req, want] of cases) {
		await rejectsWith(lab.handle(req), want, String(want));
	}
	const out = await lab.handle({ op: "forward", text: "hello world" });
	assert.equal(out.tokens.length, 4);
	assert.equal(lab.exited(), false);
});

test("cancel stops a queued request; the others run", async () => {
	await lab.handle({ op: "loadModel", files });
	const first = lab.handle({ op: "forward", id: 101, text: "hello world" });
	const second = lab.handle({ op: "forward", id: 102, text: "hello world" });
	const cancelled = await lab.handle({ op: "cancel", target: 102 });
	assert.deepEqual(cancelled, { cancelled: true });
	assert.equal((await first).tokens.length, 4);
	await rejectsWith(second, /^forward: cancelled before it started$/);
	assert.deepEqual(await lab.handle({ op: "cancel", target: 999 }), { cancelled: false });
});

test("cancel stops a running request between its steps", async () => {
	await lab.handle({ op: "loadModel", files });
	let sent = false;
	const loading = lab.handle({ op: "loadModel", id: 55, files }, () => {
		if (!sent) {
			sent = true;
			lab.handle({ op: "cancel", target: 55 });
		}
	});
	await rejectsWith(loading, /^loadModel: cancelled$/);
	const out = await lab.handle({ op: "forward", text: "hello" });
	assert.equal(out.tokens.length, 3);
});

test("an onProgress that throws stops its request, not the lab", async () => {
	await rejectsWith(lab.handle({ op: "loadModel", files }, () => { throw new Error("boom"); }),
		/^loadModel: stopped because onProgress threw: .*boom/);
	const info = await lab.handle({ op: "loadModel", files });
	assert.equal(info.layers, config.num_hidden_layers);
	assert.equal(lab.exited(), false);
});

test("requests are answered in order however many wait", async () => {
	await lab.handle({ op: "loadModel", files });
	const words = ["hello", "world", "fox", "dog", "movie"];
	const pending = [];
	for (let i = 0; i < 2000; i++) {
		pending.push(lab.handle({ op: "tokenize", text: words[i % words.length] }));
	}
	const done = [];
	pending.forEach((p, i) => p.then(() => done.push(i)));
	const results = await Promise.all(pending);
	results.forEach((r, i) => assert.equal(r.tokens[1], words[i % words.length]));
	assert.deepEqual(done, [...done].sort((a, b) => a - b), "answered in the order asked");
});

test("a request id in use is refused", async () => {
	await lab.handle({ op: "loadModel", files });
	const first = lab.handle({ op: "forward", id: 7, text: "hello" });
	await rejectsWith(lab.handle({ op: "forward", id: 7, text: "hello" }), /^forward: request id 7 is already in use/);
	await first;
});
