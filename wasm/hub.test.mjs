// Tests of lab.readHubModel, the Node API's way to open a model by its Hub id (the lab's hubFiles op,
// which finds the files as the lab finds them everywhere), and of the loadHubModel op, against a small
// mock Hub on localhost with the Hub's URL scheme (/{id}/resolve/{revision}/{file}; weight files redirected to
// /blobs/{sha256}; X-Repo-Commit and ETags; 404 with X-Error-Code for a missing file; 401 for a private
// repository without its token). The files feed loadModel, whose logits must be Hugging Face's. Run with
// `node --test wasm/` after ./build.sh build.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadBertology, readModelDir } from "./node/bertology.mjs";

const goldenDir = fileURLToPath(new URL("../testdata/golden/bert/", import.meta.url));
const commit = "0123456789abcdef0123456789abcdef01234567";
const sha256 = b => createHash("sha256").update(b).digest("hex");
let server, endpoint, bert, requests, lab;

// repos are the mock Hub's repositories: files by name, and the token a private one needs.
const repos = {};

before(async () => {
	bert = await readModelDir(goldenDir + "model");
	repos["org/bert-tiny"] = { files: bert };
	repos["org/private"] = { files: bert, token: "hf_secret" };
	const noConfig = { ...bert };
	delete noConfig["config.json"];
	repos["org/no-config"] = { files: noConfig };
	const shard = "pytorch_model-00001-of-00001.bin";
	const index = name => new TextEncoder().encode(JSON.stringify({ metadata: {}, weight_map: { "bert.pooler.dense.weight": name } }));
	repos["org/sharded"] = { files: { "config.json": bert["config.json"], "pytorch_model.bin.index.json": index(shard), [shard]: bert["pytorch_model.bin"] } };
	repos["org/hostile"] = { files: { "config.json": bert["config.json"], "model.safetensors.index.json": index("../../secret") } };
	const blobs = new Map(Object.values(bert).map(b => [sha256(b), b]));
	requests = [];
	server = createServer((req, res) => {
		requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
		res.setHeader("Access-Control-Allow-Origin", "*");
		// /dir/, /gzip/ and /br/ serve the golden BERT as a model directory, plainly or compressed with
		// the compressed length, as static hosts do.
		const dir = /^\/(dir|gzip|br)\/([^/]+)$/.exec(req.url);
		if (dir) {
			const b = bert[decodeURIComponent(dir[2])];
			if (!b) {
				res.writeHead(404);
				res.end();
				return;
			}
			const body = { dir: b, gzip: b.length && gzipSync(b), br: b.length && brotliCompressSync(b) }[dir[1]];
			res.writeHead(200, { "Content-Length": body.length, ...(dir[1] !== "dir" && { "Content-Encoding": dir[1] }) });
			res.end(body);
			return;
		}
		const blob = /^\/blobs\/([0-9a-f]{64})$/.exec(req.url);
		if (blob && blobs.has(blob[1])) {
			const b = blobs.get(blob[1]);
			res.writeHead(200, { "Content-Length": b.length, ETag: `"s3-${blob[1].slice(0, 8)}"` });
			res.end(b);
			return;
		}
		const m = /^\/(.+?)\/resolve\/([^/]+)\/([^/]+)$/.exec(req.url);
		const repo = m && repos[m[1]];
		const fail = (status, code) => {
			res.writeHead(status, { "X-Error-Code": code, "X-Repo-Commit": commit });
			res.end(code);
		};
		if (!repo) {
			return fail(401, "RepoNotFound");
		}
		const rev = decodeURIComponent(m[2]);
		if (rev !== "main" && rev !== commit) {
			return fail(404, "RevisionNotFound");
		}
		if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
			return fail(401, "RepoNotFound");
		}
		const name = decodeURIComponent(m[3]);
		const b = repo.files[name];
		if (!b) {
			return fail(404, "EntryNotFound");
		}
		if (/\.(safetensors|bin)$/.test(name)) {
			res.writeHead(302, { Location: `/blobs/${sha256(b)}`, "X-Repo-Commit": commit, "X-Linked-Etag": `"${sha256(b)}"`, "X-Linked-Size": b.length });
			res.end();
			return;
		}
		res.writeHead(200, { "Content-Length": b.length, ETag: `"${sha256(b).slice(0, 40)}"`, "X-Repo-Commit": commit });
		res.end(b);
	});
	await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
	endpoint = `http://127.0.0.1:${server.address().port}`;
	lab = await loadBertology();
});

after(() => server.close());

function assertClose(got, want, tol, what) {
	assert.equal(got.length, want.length, `${what}: length`);
	for (let i = 0; i < got.length; i++) {
		assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}] = ${got[i]}, want ${want[i]} ± ${tol}`);
	}
}

test("readHubModel downloads what transformers reads, and loadModel computes Hugging Face's logits", async () => {
	requests.length = 0;
	const progress = [];
	const files = await lab.readHubModel("org/bert-tiny", { endpoint, onProgress: p => progress.push(p) });
	assert.deepEqual(Object.keys(files).sort(), ["config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"]);
	for (const [name, b] of Object.entries(files)) {
		assert.deepEqual(b, bert[name], name);
	}
	const weights = progress.filter(p => p.phase === "model.safetensors");
	assert.ok(weights.length > 0, "progress of the weights reported");
	assert.deepEqual(weights.at(-1), { phase: "model.safetensors", done: bert["model.safetensors"].length, total: bert["model.safetensors"].length, unit: "bytes" });
	// The first file is asked for at main, the rest at the commit main was at; the .bin is not fetched.
	assert.equal(requests[0].url, "/org/bert-tiny/resolve/main/config.json");
	for (const r of requests.slice(1)) {
		assert.ok(r.url.startsWith("/blobs/") || r.url.startsWith(`/org/bert-tiny/resolve/${commit}/`), r.url);
		assert.ok(!r.url.endsWith("pytorch_model.bin"), r.url);
	}

	const info = await lab.handle({ op: "loadModel", files });
	assert.equal(info.type, "bert");
	const golden = JSON.parse(await readFile(goldenDir + "golden_float32.json", "utf8"));
	const [, t] = golden.inputs.input_ids.shape;
	const n = golden.inputs.attention_mask.data.slice(0, t).reduce((s, m) => s + m, 0);
	const out = await lab.handle({
		op: "forward",
		ids: Int32Array.from(golden.inputs.input_ids.data.slice(0, n)),
		typeIds: Int32Array.from(golden.inputs.token_type_ids.data.slice(0, n)),
	});
	const labels = golden.forward.logits.shape[1];
	assertClose(out.logits.data, golden.forward.logits.data.slice(0, labels), 1e-5, "logits");
});

test("readHubModel takes the address of a model's page, which names the Hub", async () => {
	const files = await lab.readHubModel(`${endpoint}/org/bert-tiny/tree/main`, { endpoint: undefined });
	assert.deepEqual(files["config.json"], bert["config.json"]);
});

test("readHubModel: a private repository needs its token, and says so", async () => {
	await assert.rejects(lab.readHubModel("org/private", { endpoint, token: "" }), /401 .*RepoNotFound.*HF_TOKEN/);
	requests.length = 0;
	const files = await lab.readHubModel("org/private", { endpoint, token: "hf_secret" });
	assert.ok(files["model.safetensors"]);
	for (const r of requests.filter(r => !r.url.startsWith("/blobs/"))) {
		assert.equal(r.authorization, "Bearer hf_secret", r.url);
	}
});

test("readHubModel fetches the shards an index lists", async () => {
	const files = await lab.readHubModel("org/sharded", { endpoint });
	assert.deepEqual(Object.keys(files).sort(), ["config.json", "pytorch_model-00001-of-00001.bin", "pytorch_model.bin.index.json"]);
	assert.deepEqual(files["pytorch_model-00001-of-00001.bin"], bert["pytorch_model.bin"]);
	await assert.rejects(lab.readHubModel("org/hostile", { endpoint }), /model\.safetensors\.index\.json: the shard "\.\.\/\.\.\/secret" of weight "bert\.pooler\.dense\.weight" is not the name of a weight file/);
});

test("readHubModel: no config.json, an unknown revision, a bad id and a cancel are errors", async () => {
	await assert.rejects(lab.readHubModel("org/no-config", { endpoint }), /org\/no-config has no config.json/);
	await assert.rejects(lab.readHubModel("org/bert-tiny", { endpoint, revision: "v9" }), /404 .*RevisionNotFound/);
	await assert.rejects(lab.readHubModel("../etc", { endpoint }), /not a model id/);
	const abort = new AbortController();
	await assert.rejects(lab.readHubModel("org/bert-tiny", { endpoint, signal: abort.signal, onProgress: () => abort.abort() }), { name: "AbortError" });
});

// assertGoldenLogits runs the golden input through the lab's model and checks Hugging Face's logits.
async function assertGoldenLogits() {
	const golden = JSON.parse(await readFile(goldenDir + "golden_float32.json", "utf8"));
	const [, t] = golden.inputs.input_ids.shape;
	const n = golden.inputs.attention_mask.data.slice(0, t).reduce((s, m) => s + m, 0);
	const out = await lab.handle({
		op: "forward",
		ids: Int32Array.from(golden.inputs.input_ids.data.slice(0, n)),
		typeIds: Int32Array.from(golden.inputs.token_type_ids.data.slice(0, n)),
	});
	const labels = golden.forward.logits.shape[1];
	assertClose(out.logits.data, golden.forward.logits.data.slice(0, labels), 1e-5, "logits");
}

test("the loadHubModel op loads a model from the Hub, at the commit main was at", async () => {
	requests.length = 0;
	const res = await lab.handle({ op: "loadHubModel", model: "org/bert-tiny", endpoint });
	assert.deepEqual(res.model.files, ["config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"]);
	assert.equal(res.hub.commit, commit);
	assert.equal(res.hub.keptAt, ""); // Node keeps no models
	assert.ok(!requests.some(r => r.url.endsWith("pytorch_model.bin")), "the .bin is not fetched");
	await assertGoldenLogits();
});

test("the loadModelURL op fetches what transformers reads from a directory, plain, gzip or brotli", async () => {
	for (const dir of ["dir", "gzip", "br"]) {
		requests.length = 0;
		const info = await lab.handle({ op: "loadModelURL", url: `${endpoint}/${dir}/` });
		assert.deepEqual(info.files, ["config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"], dir);
		assert.deepEqual(requests.map(r => r.url), ["files.json", "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
			"special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt", "tokenizer.model"].map(name => `/${dir}/${name}`), dir);
		await assertGoldenLogits();
	}
});

test("readModelDir follows the links of a Hub cache snapshot", async () => {
	const repo = await mkdtemp(join(tmpdir(), "models--org--name-"));
	try {
		const snapshot = join(repo, "snapshots", commit);
		await mkdir(join(repo, "blobs"), { recursive: true });
		await mkdir(snapshot, { recursive: true });
		for (const [name, b] of Object.entries(bert)) {
			await writeFile(join(repo, "blobs", sha256(b)), b);
			await symlink(`../../blobs/${sha256(b)}`, join(snapshot, name));
		}
		await symlink("..", join(snapshot, "parent")); // a link to a directory is no file of the model
		const files = await readModelDir(snapshot);
		assert.deepEqual(Object.keys(files).sort(), Object.keys(bert).sort());
		assert.deepEqual(files["model.safetensors"], bert["model.safetensors"]);
	} finally {
		await rm(repo, { recursive: true, force: true });
	}
});
