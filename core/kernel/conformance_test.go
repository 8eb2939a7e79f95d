package kernel_test

import (
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
