package kernel_test

import (
	"os"
	"testing"

	"bertology/core/kernel"
	"bertology/core/kernel/kerneltest"
)

// TestConformance runs the conformance suite on every implementation this build has: Go everywhere,
// the SIMD module too under js/wasm when the host loaded it, and AVX2 on amd64 when the processor has it.
func TestConformance(t *testing.T) {
	for _, k := range kernel.Implementations() {
		t.Run(k.Name(), func(t *testing.T) { kerneltest.Run(t, k) })
	}
}

// TestKernelsInUse checks what Implementations promises (Go first, the Default last) and, when
// BERTOLOGY_KERNELS names the kernels the host attached (build.sh's js/wasm runs through
// wasm/node/go_js_wasm_exec), that they are the ones Go runs.
func TestKernelsInUse(t *testing.T) {
	impls := kernel.Implementations()
	if impls[0].Name() != "go" || impls[len(impls)-1] != kernel.Default {
		t.Fatalf("implementations %v, default %s: want go first and the default last", impls, kernel.Default.Name())
	}
	if want := os.Getenv("BERTOLOGY_KERNELS"); want != "" && kernel.Default.Name() != want {
		t.Fatalf("the host attached %s, but Go runs %s", want, kernel.Default.Name())
	}
}
