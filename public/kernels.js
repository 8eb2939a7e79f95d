// kernels.js connects a bertology Go program (bertology.wasm, or a js/wasm test binary under Node) to the
// SIMD128 kernel module that build.sh assembles (kernels-relaxed.wasm with relaxed SIMD's fused
// multiply-add, kernels-simd.wasm without). The Go program imports its kernels from the module
// "bertology_kernels" (core/kernel/simd_wasm.go); these imports forward to the kernel instance, which is
// made after the Go instance so that it can share Go's memory, and before go.run, when Go asks for the
// version. Where no build validates or loads, version() answers 0 and Go runs its own kernels.
//
//	const kernels = bertologyKernels();
//	go.importObject.bertology_kernels = kernels.imports;
//	const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
//	await kernels.attach(instance.exports.mem, name => fetch(name).then(r => r.ok ? r.arrayBuffer() : null));
//	go.run(instance);
"use strict";

(function (root) {
	// The builds, fastest first.
	const builds = [
		{ name: "relaxed-simd", file: "kernels-relaxed.wasm" },
		{ name: "simd128", file: "kernels-simd.wasm" },
	];

	function bertologyKernels() {
		let ex = null;
		const imports = {
			version: () => (ex ? ex.version() : 0),
			pack: (dst, b, rsB, csB, k, n) => ex.pack(dst, b, rsB, csB, k, n),
			gemmPacked: (m, n, k, alpha, a, rsA, csA, ap, bp, beta, c, ldc) =>
				ex.gemmPacked(m, n, k, alpha, a, rsA, csA, ap, bp, beta, c, ldc),
			softmax: (x, rows, cols) => ex.softmax(x, rows, cols),
			layernorm: (dst, mean, rstd, x, gamma, beta, rows, cols, eps) =>
				ex.layernorm(dst, mean, rstd, x, gamma, beta, rows, cols, eps),
			gelu: (dst, x, n, tanh) => ex.gelu(dst, x, n, tanh),
			geluBackward: (dy, x, n, tanh) => ex.geluBackward(dy, x, n, tanh),
		};
		return {
			imports,
			// attach instantiates the fastest build that this engine validates, on memory. load(file)
			// resolves to the file's bytes, or null when it is missing. only names one build to use
			// ("relaxed-simd", "simd128") or "go" for none. It resolves to the name of the kernels Go will run.
			async attach(memory, load, only = "") {
				for (const b of builds) {
					if (only && only !== b.name) {
						continue;
					}
					let bytes;
					try {
						bytes = await load(b.file);
					} catch (err) {
						bytes = null;
					}
					if (!bytes || !WebAssembly.validate(bytes)) {
						continue;
					}
					const { instance } = await WebAssembly.instantiate(bytes, { go: { mem: memory } });
					ex = instance.exports;
					return b.name;
				}
				return "go";
			},
		};
	}

	root.bertologyKernels = bertologyKernels;
	if (typeof module !== "undefined") {
		module.exports = bertologyKernels;
	}
})(globalThis);
