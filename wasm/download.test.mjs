// Tests of public/download.js, which the page's worker reads model files with, against a local server
// that sends them as static hosts do: plain with their Content-Length, or compressed (gzip, brotli) with
// the compressed size as Content-Length. Run with `node --test wasm/`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { gzipSync, brotliCompressSync } from "node:zlib";

const bertologyDownload = createRequire(import.meta.url)("../public/download.js");

// file is 3 MiB that compress about tenfold, as a vocabulary does: the compressed size is far from the
// file's.
const file = new Uint8Array(3 << 20);
for (let i = 0; i < file.length; i++) {
	file[i] = (i % 251) ^ (i >> 14 & 0x0f);
}
const encodings = { gzip: gzipSync(file), br: brotliCompressSync(file) };
let server, base;

before(async () => {
	server = createServer((req, res) => {
		const [, how, name] = req.url.split("/");
		if (name !== "model.safetensors") {
			res.writeHead(404).end();
			return;
		}
		const body = encodings[how] || file;
		res.writeHead(200, {
			"Content-Length": body.length,
			...(encodings[how] && { "Content-Encoding": how }),
		});
		res.end(body);
	});
	await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
	base = `http://127.0.0.1:${server.address().port}`;
});

after(() => server.close());

test("a file sent plain comes whole, with progress in bytes of its Content-Length", async () => {
	const reports = [];
	const got = await bertologyDownload(`${base}/plain/model.safetensors`, p => reports.push(p));
	assert.deepEqual(got, file);
	assert.ok(reports.length >= 10 && reports.length <= 101, `${reports.length} reports, want one a chunk, at most one a percent`);
	assert.deepEqual(reports.at(-1), { phase: "download model.safetensors", done: file.length, total: file.length });
	for (const [i, r] of reports.entries()) {
		assert.ok(i === 0 || r.done > reports[i - 1].done, "progress goes forward");
	}
});

for (const encoding of ["gzip", "br"]) {
	test(`a file sent with Content-Encoding ${encoding} comes whole, decoded, with progress of unknown total`, async () => {
		assert.ok(encodings[encoding].length < file.length / 4, "the test's file compresses");
		const reports = [];
		const got = await bertologyDownload(`${base}/${encoding}/model.safetensors`, p => reports.push(p));
		assert.equal(got.length, file.length);
		assert.deepEqual(got, file);
		// one a MiB: 3 MiB make two or three, as the chunks fall
		assert.ok(reports.length === 2 || reports.length === 3, `reports ${JSON.stringify(reports)}, want one a MiB`);
		let last = 0;
		for (const r of reports) {
			const [, mb] = r.phase.match(/^download model\.safetensors, (\d+\.\d) MB so far$/) || [];
			assert.ok(Number(mb) >= last + 1 && Number(mb) <= 3, `phase ${r.phase} after ${last} MB`);
			last = Number(mb);
			assert.ok(r.done === 0 && r.total === 0, "the total is unknown");
		}
	});
}

test("a missing file is null", async () => {
	assert.equal(await bertologyDownload(`${base}/plain/vocab.json`, () => {}), null);
});
