// bertology.mjs loads bertology's lab (public/bertology.wasm, built by ./build.sh build) into Node and
// returns its request function. The API is the one the browser's worker uses; see package
// bertology/wasm/protocol for the ops and their fields.
//
//	import { loadBertology, readModelDir } from "./wasm/node/bertology.mjs";
//	const lab = await loadBertology();
//	const info = await lab.handle({ op: "loadModel", files: await readModelDir("public/models/bert-tiny-sst2") });
//	const out = await lab.handle({ op: "forward", text: "a gripping, funny and moving film" }, p => console.log(p));
//
// One lab lives in one JavaScript realm: it registers globalThis.bertologyHandle.
import { readFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const publicDir = fileURLToPath(new URL("../../public/", import.meta.url));

// loadBertology starts the wasm module and resolves once bertologyHandle is registered.
// wasm and wasmExec default to public/bertology.wasm and public/wasm_exec.js.
export async function loadBertology({ wasm = join(publicDir, "bertology.wasm"), wasmExec = join(publicDir, "wasm_exec.js") } = {}) {
	for (const f of [wasm, wasmExec]) {
		if (!existsSync(f)) {
			throw new Error(`${f} does not exist: run ./build.sh build first`);
		}
	}
	createRequire(import.meta.url)(wasmExec); // defines globalThis.Go
	const go = new globalThis.Go();
	const ready = new Promise(resolve => { globalThis.onBertologyReady = resolve; });
	const { instance } = await WebAssembly.instantiate(await readFile(wasm), go.importObject);
	const exited = go.run(instance);
	await Promise.race([ready, exited.then(() => { throw new Error("bertology.wasm exited while starting"); })]);
	return {
		// handle sends one request {op, id?, ...fields}; onProgress receives {phase, done, total}.
		handle: (request, onProgress) => globalThis.bertologyHandle(request, onProgress),
		// exited reports whether the Go program has ended (only running out of memory ends it).
		exited: () => go.exited,
	};
}

// readModelDir reads the regular files of a model directory into {name: Uint8Array}, the form
// loadModel takes.
export async function readModelDir(dir) {
	const files = {};
	for (const e of await readdir(dir, { withFileTypes: true })) {
		if (e.isFile()) {
			files[e.name] = new Uint8Array(await readFile(join(dir, e.name)));
		}
	}
	return files;
}
