// example.mjs shows bertology's JavaScript API from Node: it loads a model directory, runs one input
// and prints the prediction and the shapes of what came back.
//
//	./build.sh build
//	node wasm/node/example.mjs [model-dir] [text] [pair]
//
// The defaults are the page's default model, the project's BERT trained on SST-2
// (public/models/bert-tiny-sst2), and a sentence to classify; public/models/gpt2-tiny-sst2 is a language model.
import { loadBertology, readModelDir } from "./bertology.mjs";
import { fileURLToPath } from "node:url";

const [dir = fileURLToPath(new URL("../../public/models/bert-tiny-sst2/", import.meta.url)),
	text = "a gripping, funny and moving film",
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
	await lab.handle({ op: "forward", text, headMask: Array(info.layers * info.heads + 1).fill(1) }); // one value too many
} catch (err) {
	console.log(`a bad request is rejected with a clear message: ${err.message}`);
}
