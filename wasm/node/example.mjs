// example.mjs shows bertology's JavaScript API from Node: it loads a model directory, runs one input
// and prints the prediction and the shapes of what came back.
//
//	./build.sh build
//	node wasm/node/example.mjs [model-dir] [text] [pair]
//
// The defaults are the tiny test model testdata/golden/bert/model and a sentence pair from its vocabulary.
import { loadBertology, readModelDir } from "./bertology.mjs";
import { fileURLToPath } from "node:url";

const [dir = fileURLToPath(new URL("../../testdata/golden/bert/model/", import.meta.url)),
	text = "the quick brown fox jumped over the lazy dog",
	pair = ""] = process.argv.slice(2);

const lab = await loadBertology();
const info = await lab.handle({ op: "loadModel", files: await readModelDir(dir) });
console.log(`model: ${info.architecture} (${info.type}), ${info.layers} layers × ${info.heads} heads, hidden ${info.hidden}, ${info.params} parameters`);

const out = await lab.handle({ op: "forward", text, pair }, p => console.log(`  ${p.phase}: ${p.done}/${p.total}`));
console.log(`tokens: ${out.tokens.join(" ")}`);
for (const c of out.classes ?? []) {
	console.log(`  ${c.label}: p=${c.probability.toFixed(4)} (logit ${c.logit.toFixed(4)})`);
}
for (const [i, top] of (out.topTokens ?? []).entries()) {
	console.log(`  ${out.tokens[i]} → ${top.map(t => `${t.token} ${t.probability.toFixed(3)}`).join(", ")}`);
}
console.log(`attentions: ${out.attentions.length} layers of [${out.attentions[0].shape}] (heads, query, key)`);

try {
	await lab.handle({ op: "forward", text, headMask: [1, 0] });
} catch (err) {
	console.log(`a bad request is rejected with a clear message: ${err.message}`);
}
