// worker.js runs bertology's lab (bertology.wasm) in a Web Worker, so that the page stays responsive
// while the model computes. Messages:
//   page → worker: {id, op, ...fields}            (ops of bertology/wasm/protocol, plus the worker's own below)
//   worker → page: {id, progress: {phase, done, total}}   zero or more times, then
//                  {id, result}  or  {id, error: "message"}; an error with exited: true says that the
//                  lab's Go program ran out of memory and ended: the worker has started a fresh one,
//                  without the model (a shard's worker is replaced by its pool)
// One op is the worker's own, because the lab cannot reach File objects by itself:
//   loadModelFiles {files: [File]}  loads the files picked by the user, those at the top of a picked
//                  folder: the lab fetches those it needs by name (loadModel with urls, blob: URLs of
//                  the files), as it fetches a model directory's by URL (loadModelURL) and a Hub's.
// The lab keeps the models it downloads from a Hub in Cache Storage through kept.js.
// Typed arrays in results are transferred, not copied.
//
// Data-set passes (importance, evaluate, the masking loop, probe, attnStats) run on a pool of shards
// (shards.js): more of these workers, started with the name "bertology-shard", each with its own lab
// and a copy of the model, one per core by default (at most maxWorkers). The results are those of one
// worker. Two more ops are the worker's own:
//   setWorkers {count}          how many workers a pass runs on from now (1: this one alone; 0: the
//                               default), answered with {count, cores, replaced}; without count it
//                               only answers
//   killShard  {afterBatches}   makes a shard die once it has the afterBatches-th batch from now, so
//                               that a test sees it replaced; answered with {}
"use strict";

// The lab's Go program (goprogram.js): a shard's is not restarted when it runs out of memory, since the
// pool replaces the shard.
let lab = null;

// A shard runs batches for the lab's worker, which replaces it when its Go program ends.
const shardName = "bertology-shard";
const isShard = self.name === shardName;

// start runs the lab; each request reports why it could not start, if it could not.
function start() {
	if (typeof Go === "undefined" || typeof bertologyProgram === "undefined") {
		const err = new Error("could not load wasm_exec.js and goprogram.js");
		lab = { handle: () => Promise.reject(err) };
		return;
	}
	lab = bertologyProgram(async go => {
		const kernels = bertologyKernels();
		go.importObject.bertology_kernels = kernels.imports;
		try {
			const { instance } = await WebAssembly.instantiateStreaming(fetch("bertology.wasm"), go.importObject);
			globalThis.bertologyKernelName = await kernels.attach(instance.exports.mem, loadKernel);
			return instance;
		} catch (err) {
			throw new Error(`could not start bertology.wasm: ${err.message}`);
		}
	}, { restart: !isShard });
}

// loadKernel fetches a build of the SIMD kernel module (kernels.js picks one); null if it is missing.
async function loadKernel(file) {
	const resp = await fetch(file);
	return resp.ok ? resp.arrayBuffer() : null;
}

try {
	importScripts("wasm_exec.js", "goprogram.js", "kernels.js", "shards.js", "kept.js");
} catch (err) {
	console.error("bertology:", err);
}
start();

// maxWorkers bounds the default number of workers: each holds a copy of the model.
const maxWorkers = 8;
const cores = navigator.hardwareConcurrency || 1;
const defaultWorkers = Math.min(cores, maxWorkers);

function spawnShard(events) {
	const w = new Worker("worker.js", { name: shardName });
	w.onmessage = e => events.message(e.data);
	w.onerror = e => {
		e.preventDefault();
		events.death(e.message || "its worker failed");
	};
	return { post: msg => w.postMessage(msg), terminate: () => w.terminate() };
}

if (!isShard && typeof bertologyShardPool !== "undefined") {
	globalThis.bertologyShards = bertologyShardPool(spawnShard, defaultWorkers);
}
if (!isShard && typeof bertologyKeptStore !== "undefined") {
	globalThis.bertologyKept = bertologyKeptStore();
}

// workerOps are the ops the worker answers itself, without the lab.
const workerOps = {
	setWorkers({ count }) {
		const pool = globalThis.bertologyShards;
		if (!pool) {
			throw new Error("setWorkers: this worker has no pool of shards");
		}
		if (count !== undefined && !(Number.isInteger(count) && count >= 0)) {
			throw new Error(`setWorkers: count is ${count}; want a whole number of workers, or 0 for one per core (${defaultWorkers})`);
		}
		if (count !== undefined) {
			pool.resize(count || defaultWorkers);
		}
		return { count: pool.size(), cores, replaced: pool.replaced() };
	},
	killShard({ afterBatches }) {
		if (!Number.isInteger(afterBatches) || afterBatches < 1) {
			throw new Error(`killShard: afterBatches is ${afterBatches}; want 1 or more`);
		}
		globalThis.bertologyShards.killAfter(afterBatches);
		return {};
	},
};

// pickedURLs gives each file picked by the user, those at the top of a picked folder (a folder gives
// every file in it, subfolders too: webkitRelativePath "model/onnx/x"), a blob: URL that the lab
// fetches it by, when it needs it. The URLs of the files picked before are revoked then. A file is a
// File, or, kept from an earlier visit (session.js), its name and path with its bytes as a Blob.
let picked = {};
function pickedURLs(files) {
	Object.values(picked).forEach(u => URL.revokeObjectURL(u));
	const urls = {};
	for (const f of files || []) {
		const depth = (f.webkitRelativePath || f.name).split("/").length;
		if (depth <= 2 && !Object.hasOwn(urls, f.name)) {
			urls[f.name] = URL.createObjectURL(f.blob || f);
		}
	}
	if (Object.keys(urls).length === 0) {
		throw new Error("loadModelFiles: no files picked");
	}
	picked = urls;
	return urls;
}

// transferables lists the buffers of every typed array in v, once each.
function transferables(v, out = new Set()) {
	if (ArrayBuffer.isView(v)) {
		out.add(v.buffer);
	} else if (Array.isArray(v)) {
		v.forEach(e => transferables(e, out));
	} else if (v && typeof v === "object") {
		Object.values(v).forEach(e => transferables(e, out));
	}
	return out;
}

async function serve(msg) {
	const { id } = msg;
	if (!isShard && Object.hasOwn(workerOps, msg.op)) {
		return workerOps[msg.op](msg);
	}
	let request = msg;
	if (msg.op === "loadModelFiles") {
		// The picked folder's name decides the model type of a config.json without one.
		const first = (msg.files || [])[0];
		const name = first ? (first.webkitRelativePath || "").split("/")[0] : "";
		request = { op: "loadModel", id, name, urls: pickedURLs(msg.files) };
	}
	return lab.handle(request, progress => postMessage({ id, progress }));
}

onmessage = async e => {
	const { id } = e.data;
	try {
		const result = await serve(e.data);
		postMessage({ id, result }, [...transferables(result)]);
	} catch (err) {
		const error = err && err.message ? err.message : String(err);
		postMessage(err && err.exited ? { id, error, exited: true } : { id, error });
	}
};
