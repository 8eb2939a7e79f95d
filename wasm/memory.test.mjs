// Tests that bertology's JavaScript API (public/bertology.wasm, built by ./build.sh build) answers every
// request whatever it costs: a lab that runs out of memory answers its requests with an error and
// restarts. The lab's memory is capped (loadBertology's maxMemory) so that it runs out on requests that
// are cheap for the test to make. Run with `node --test wasm/`.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadBertology, readModelDir } from "./node/bertology.mjs";

const maxMemory = 64 << 20;
let lab, files;

before(async () => {
	lab = await loadBertology({ maxMemory });
	files = await readModelDir(fileURLToPath(new URL("../testdata/golden/bert/model/", import.meta.url)));
});

async function rejectsWith(promise, want, what) {
	await assert.rejects(promise, err => {
		assert.ok(err instanceof Error, `${what}: rejected with ${err}, not an Error`);
		assert.match(err.message, want, what);
		return true;
	});
}

test("a model too big for WebAssembly's memory is refused before it is read, and one of absurd size by its config", async () => {
	await lab.handle({ op: "loadModel", files });
	const config = JSON.parse(new TextDecoder().decode(files["config.json"]));
	const withConfig = edit => ({ ...files, "config.json": new TextEncoder().encode(JSON.stringify({ ...config, ...edit })) });
	// 550 bytes of config.json over the tiny model's weights: 24 layers of 4096, 20 GB of weights
	await rejectsWith(lab.handle({ op: "loadModel", files: withConfig({ hidden_size: 4096, num_hidden_layers: 24, num_attention_heads: 16, intermediate_size: 16384 }) }),
		/^loadModel: loading the model needs ~\d+\.\d GB \(weights \d+\.\d GB, packed for the kernels \d+\.\d GB, the checkpoint as read \d+\.\d GB, activations \d+ MB, logits \d+ KB\), and WebAssembly allows 4 GB, [\d.]+ GB of it free; try fp16 weights or a smaller model$/);
	await rejectsWith(lab.handle({ op: "loadModel", files: withConfig({ hidden_size: 1e9 }) }),
		/^loadModel: config\.json: hidden size is 1000000000, over bertology's bound of 65536$/);
	// the model loaded before is still there
	assert.equal((await lab.handle({ op: "forward", text: "hello world" })).tokens.length, 4);
	assert.equal(lab.restarts(), 0);
});

// goOutput runs f, keeping what the Go program prints (wasm_exec.js writes it with console.log and its
// exit code with console.warn) rather than showing it, and returns it.
async function goOutput(f) {
	const lines = [];
	const { log, warn } = console;
	console.log = console.warn = (...args) => lines.push(args.join(" "));
	try {
		await f();
	} finally {
		Object.assign(console, { log, warn });
	}
	return lines.join("\n");
}

// assertRestarted checks that the lab that ran out of memory was replaced by one without a model, which
// loads one again.
async function assertRestarted(restarts) {
	assert.equal(lab.restarts(), restarts);
	await rejectsWith(lab.handle({ op: "forward", text: "hello" }), /^forward: no model is loaded: send loadModel first$/);
	assert.equal(lab.exited(), false, "the replacement runs");
	const info = await lab.handle({ op: "loadModel", files });
	assert.equal(info.layers, 3);
	assert.equal((await lab.handle({ op: "forward", text: "hello world" })).tokens.length, 4);
}

test("a request the lab runs out of memory reading is answered with an error, and the lab restarts", async () => {
	await lab.handle({ op: "loadModel", files });
	const restarts = lab.restarts();
	let failure;
	const printed = await goOutput(async () => {
		// copying the request's files into Go's memory alone runs past the cap
		const request = { op: "loadModel", files: { ...files, "padding.bin": new Uint8Array(maxMemory) } };
		failure = await lab.handle(request).then(() => null, err => err);
	});
	assert.ok(failure, "the request succeeded");
	assert.match(failure.message, /^the model ran out of memory and the lab restarted: load a model again/);
	assert.equal(failure.exited, true);
	assert.match(printed, /fatal error: out of memory/);
	await assertRestarted(restarts + 1);
});

test("a request that runs out of memory while it runs is answered with an error, with the others waiting, and the lab restarts", async () => {
	await lab.handle({ op: "loadModel", files });
	const restarts = lab.restarts();
	const sentence = Array(60).fill("the quick brown fox").join(" ");
	const tsv = "sentence\tlabel\n" + Array.from({ length: 512 }, (_, i) => `${sentence}\t${i % 2}\n`).join("");
	await lab.handle({ op: "loadDataset", name: "SST-2/dev.tsv", bytes: new TextEncoder().encode(tsv) });
	let failures;
	const printed = await goOutput(async () => {
		// 512 sequences of 64 tokens: each layer's attention alone is 64 MB
		const running = lab.handle({ op: "importance", maxSeqLength: 64, batchSize: 512 });
		const waiting = lab.handle({ op: "forward", text: "hello" });
		failures = await Promise.all([running, waiting].map(p => p.then(() => null, err => err)));
	});
	for (const [i, err] of failures.entries()) {
		assert.ok(err, `request ${i} succeeded`);
		assert.match(err.message, /^the model ran out of memory and the lab restarted/);
		assert.equal(err.exited, true);
	}
	assert.match(printed, /fatal error: out of memory/);
	await assertRestarted(restarts + 1);
});
