// run_wasm.cjs is Go's lib/wasm/wasm_exec_node.js with bertology's kernel module attached: it runs the
// js/wasm program named by its first argument (see go_js_wasm_exec beside it).
"use strict";

const fs = require("fs");
const path = require("path");

if (process.argv.length < 3) {
	console.error("usage: go_js_wasm_exec [wasm binary] [arguments]");
	process.exit(1);
}
globalThis.require = require;
globalThis.fs = fs;
globalThis.path = path;
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("performance");
globalThis.crypto ??= require("crypto");

require(path.join(process.env.BERTOLOGY_GOROOT, "lib", "wasm", "wasm_exec.js"));
const bertologyKernels = require("../../public/kernels.js");
const publicDir = path.join(__dirname, "..", "..", "public");

const go = new Go();
go.argv = process.argv.slice(2);
go.env = Object.assign({ TMPDIR: require("os").tmpdir() }, process.env);
go.exit = process.exit;
const kernels = bertologyKernels();
go.importObject.bertology_kernels = kernels.imports;
WebAssembly.instantiate(fs.readFileSync(process.argv[2]), go.importObject).then(async (result) => {
	const load = async file => {
		const p = path.join(publicDir, file);
		return fs.existsSync(p) ? fs.readFileSync(p) : null;
	};
	const only = process.env.BERTOLOGY_KERNELS || "";
	const got = await kernels.attach(result.instance.exports.mem, load, only);
	if (only && got !== only) {
		console.error(`go_js_wasm_exec: BERTOLOGY_KERNELS=${only}, but the kernels that loaded are ${got} (run ./build.sh kernels)`);
		process.exit(1);
	}
	process.on("exit", (code) => { // Node.js exits if no event handler is pending
		if (code === 0 && !go.exited) {
			// deadlock, make Go print error and stack traces
			go._pendingEvent = { id: 0 };
			go._resume();
		}
	});
	return go.run(result.instance);
}).catch((err) => {
	console.error(err);
	process.exit(1);
});
