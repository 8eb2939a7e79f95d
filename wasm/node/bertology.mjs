// bertology.mjs loads bertology's lab (public/bertology.wasm, built by ./build.sh build) into Node and
// returns its request function. The API is the one the browser's worker uses; see package
// bertology/wasm/protocol for the ops and their fields.
//
//	import { loadBertology, readModelDir } from "./wasm/node/bertology.mjs";
//	const lab = await loadBertology();
//	const info = await lab.handle({ op: "loadModel", files: await readModelDir("public/models/bert-tiny-sst2") });
//	const out = await lab.handle({ op: "forward", text: "a gripping, funny and moving film" }, p => console.log(p));
//	await lab.handle({ op: "loadModel", files: await lab.readHubModel("prajjwal1/bert-tiny", { onProgress: p => console.log(p) }) });
//
// One lab lives in one JavaScript realm: it registers globalThis.bertologyHandle. useShards gives it a
// pool of worker threads for its data-set passes, as the browser's worker has Web Workers.
import { readFile, readdir, stat } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const publicDir = fileURLToPath(new URL("../../public/", import.meta.url));

// loadBertology starts the wasm module and resolves once bertologyHandle is registered.
// wasm and wasmExec default to public/bertology.wasm and public/wasm_exec.js.
// kernels names the kernels to run ("relaxed-simd", "simd128", or "go" for Go's own); by default the
// fastest of public/kernels-*.wasm that this Node validates.
// maxMemory, when not 0, caps the lab's WebAssembly memory at that many bytes (whole 64 KiB pages), so
// that a process can bound what a lab takes, and a test can make it run out: running past the cap ends
// the Go program as running past wasm32's 4 GiB does.
//
// A Go program that runs out of memory ends, leaving its requests unanswered: handle then rejects each
// of them with an Error whose exited is true, and a fresh lab, with no model loaded, takes the next
// requests (public/goprogram.js).
export async function loadBertology({ wasm = join(publicDir, "bertology.wasm"), wasmExec = join(publicDir, "wasm_exec.js"), kernels: only = "", maxMemory = 0 } = {}) {
	for (const f of [wasm, wasmExec]) {
		if (!existsSync(f)) {
			throw new Error(`${f} does not exist: run ./build.sh build first`);
		}
	}
	const require = createRequire(import.meta.url);
	require(wasmExec); // defines globalThis.Go
	let bytes = await readFile(wasm);
	if (maxMemory > 0) {
		bytes = withMaxMemory(bytes, Math.floor(maxMemory / 65536));
	}
	const module = await WebAssembly.compile(bytes);
	let kernelName = "";
	const program = require(join(publicDir, "goprogram.js"))(async go => {
		const kernels = require(join(publicDir, "kernels.js"))();
		go.importObject.bertology_kernels = kernels.imports;
		const instance = await WebAssembly.instantiate(module, go.importObject);
		kernelName = await kernels.attach(instance.exports.mem, async file => {
			const p = join(publicDir, file);
			return existsSync(p) ? readFile(p) : null;
		}, only);
		return instance;
	}, { restart: true });
	await program.ready;
	return {
		// handle sends one request {op, id?, ...fields}; onProgress receives {phase, done, total}.
		handle: program.handle,
		// readHubModel downloads from a Hugging Face Hub the files of a model, in the form loadModel
		// takes: those transformers reads, found as the lab finds them (the hubFiles op, through Node's
		// fetch). id is "org/name", "name", or the address of the model's page
		// (https://huggingface.co/org/name, or .../tree/<revision>, which also names the Hub). Options:
		// revision (default "main"), endpoint (default $HF_ENDPOINT, else https://huggingface.co), token
		// (default $HF_TOKEN), onProgress({phase, done, total, unit: "bytes"}) with each file's name and
		// bytes, signal (an AbortSignal that stops the downloads).
		readHubModel: async (id, { revision = "", endpoint = process.env.HF_ENDPOINT ?? "", token = process.env.HF_TOKEN ?? "", onProgress, signal } = {}) => {
			signal?.throwIfAborted();
			const requestID = nextRequestID++;
			const cancel = () => program.handle({ op: "cancel", target: requestID });
			signal?.addEventListener("abort", cancel);
			try {
				const { files } = await program.handle({ op: "hubFiles", id: requestID, model: id, revision, endpoint, token }, onProgress);
				return files;
			} catch (err) {
				signal?.throwIfAborted();
				throw err;
			} finally {
				signal?.removeEventListener("abort", cancel);
			}
		},
		// kernels names the kernels the lab runs: "relaxed-simd", "simd128" or "go".
		kernels: kernelName,
		// exited reports whether the lab's Go program has ended (only running out of memory ends it)
		// and its replacement has not started yet; restarts counts the labs replaced.
		exited: program.exited,
		restarts: program.restarts,
	};
}

// withMaxMemory returns the WebAssembly module bytes with its memory given a maximum of pages 64 KiB
// pages. Go's linker defines one memory, with a minimum and no maximum, in the memory section (id 5).
function withMaxMemory(bytes, pages) {
	let at = 8; // past the magic number and the version
	const uleb = () => {
		let value = 0, shift = 0, b;
		do {
			b = bytes[at++];
			value += (b & 0x7f) * 2 ** shift;
			shift += 7;
		} while (b & 0x80);
		return value;
	};
	const encode = n => {
		const out = [];
		do {
			let b = n % 128;
			n = Math.floor(n / 128);
			out.push(n > 0 ? b | 0x80 : b);
		} while (n > 0);
		return out;
	};
	while (at < bytes.length) {
		const start = at, id = bytes[at++], size = uleb(), body = at;
		if (id === 5) {
			const count = uleb(), flags = bytes[at++], min = uleb();
			if (count !== 1 || flags !== 0) {
				throw new Error(`${count} memories with flags ${flags}: not the memory Go's linker writes`);
			}
			const section = [...encode(1), 1, ...encode(min), ...encode(Math.max(pages, min))];
			return Buffer.concat([bytes.subarray(0, start), Buffer.from([5, ...encode(section.length), ...section]), bytes.subarray(body + size)]);
		}
		at = body + size;
	}
	throw new Error("the module has no memory section");
}

// nextRequestID numbers the requests of this module that may be cancelled, apart from the caller's.
let nextRequestID = 2 ** 40;

// useShards gives the lab of this realm a pool of count shards (public/shards.js), each a worker thread
// running a lab of its own (shard.mjs) loaded with options as loadBertology's. With count 1 the lab
// runs its passes itself; resize(1) stops the shards. It returns the pool.
export function useShards(count, options = {}) {
	const require = createRequire(import.meta.url);
	const pool = require(join(publicDir, "shards.js"))(events => {
		const w = new Worker(new URL("./shard.mjs", import.meta.url), { workerData: options });
		w.on("message", events.message);
		w.on("error", err => events.death(err.message));
		w.on("exit", code => events.death(`its thread exited with code ${code}`));
		return { post: msg => w.postMessage(msg), terminate: () => w.terminate() };
	}, count);
	globalThis.bertologyShards = pool;
	return pool;
}

// readDefaultModel reads the page's default model: the files build.sh lists in
// public/models/default/files.json, in the form loadModel takes.
export async function readDefaultModel() {
	const dir = join(publicDir, "models", "default");
	const files = {};
	for (const name of JSON.parse(await readFile(join(dir, "files.json"), "utf8"))) {
		files[name] = new Uint8Array(await readFile(join(dir, name)));
	}
	return files;
}

// readModelDir reads the regular files of a model directory into {name: Uint8Array}, the form
// loadModel takes. Links to regular files count as files: a snapshot of the Hub's cache
// (~/.cache/huggingface/hub/models--org--name/snapshots/<commit>/) holds nothing else.
export async function readModelDir(dir) {
	const files = {};
	for (const e of await readdir(dir, { withFileTypes: true })) {
		if (e.isFile() || e.isSymbolicLink() && (await stat(join(dir, e.name))).isFile()) {
			files[e.name] = new Uint8Array(await readFile(join(dir, e.name)));
		}
	}
	return files;
}
