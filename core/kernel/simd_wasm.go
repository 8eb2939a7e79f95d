//go:build js && wasm && !purego

package kernel

import (
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas"
)

// The SIMD128 kernel module's functions (see ./simdgen), which the host forwards from the import module
// "bertology_kernels" to the kernel instance that shares Go's memory. A host that has no kernel module
// still provides these imports, with version returning 0 (public/kernels.js does both), and Default
// stays Go. Pointers pass as i32 addresses into Go's linear memory; strides are in bytes.

//go:wasmimport bertology_kernels version
func simdVersion() int32

//go:wasmimport bertology_kernels sgemm
func simdSgemm(m, n, k int32, alpha float32, a unsafe.Pointer, rsA, csA int32, b unsafe.Pointer, rsB, csB int32, beta float32, c unsafe.Pointer, ldc int32, scratch unsafe.Pointer)

//go:wasmimport bertology_kernels softmax
func simdSoftmax(x unsafe.Pointer, rows, cols int32)

//go:wasmimport bertology_kernels layernorm
func simdLayerNorm(dst, mean, rstd, x, gamma, beta unsafe.Pointer, rows, cols int32, eps float64)

//go:wasmimport bertology_kernels gelu
func simdGELU(dst, x unsafe.Pointer, n, tanh int32)

// SIMD is the implementation of Kernels that runs in the SIMD128 kernel module: the matrix product,
// softmax, LayerNorm and GELU. The backward passes of the elementwise kernels, a few percent of a
// gradient pass, are Go's.
type SIMD struct {
	Go
	relaxed bool // the module was built with relaxed SIMD's fused multiply-add
}

func init() {
	switch simdVersion() {
	case 1:
		Default = SIMD{}
	case 2:
		Default = SIMD{relaxed: true}
	}
}

// Name implements Kernels.
func (s SIMD) Name() string {
	if s.relaxed {
		return "relaxed-simd"
	}
	return "simd128"
}

// panels holds the scratch space in which sgemm copies a panel of a transposed or ragged B, 8 floats
// per row of k.
var panels sync.Pool

// Sgemm implements Kernels.
func (SIMD) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleRows(c, ldc, m, n, beta)
		return
	}
	rsA, csA := 4*lda, 4
	if tA != blas.NoTrans {
		rsA, csA = 4, 4*lda
	}
	rsB, csB := 4*ldb, 4
	if tB != blas.NoTrans {
		rsB, csB = 4, 4*ldb
	}
	var scratch *[]float32
	if p, ok := panels.Get().(*[]float32); ok && cap(*p) >= 8*k {
		scratch = p
	} else {
		s := make([]float32, 8*k)
		scratch = &s
	}
	simdSgemm(int32(m), int32(n), int32(k), alpha, unsafe.Pointer(&a[0]), int32(rsA), int32(csA),
		unsafe.Pointer(&b[0]), int32(rsB), int32(csB), beta, unsafe.Pointer(&c[0]), int32(4*ldc), unsafe.Pointer(&(*scratch)[:1][0]))
	panels.Put(scratch)
}

// Softmax implements Kernels. Exponentials and sums are in float32 (Go's kernel takes them in float64):
// the probabilities differ by a few float32 ulps.
func (SIMD) Softmax(x []float32, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_ = x[rows*cols-1]
	simdSoftmax(unsafe.Pointer(&x[0]), int32(rows), int32(cols))
}

// LayerNorm implements Kernels, in float64 as Go's.
func (SIMD) LayerNorm(dst, mean, rstd, x, gamma, beta []float32, rows, cols int, eps float64) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_, _, _, _ = x[rows*cols-1], dst[rows*cols-1], gamma[cols-1], beta[cols-1]
	var pm, pr unsafe.Pointer
	if mean != nil {
		_ = mean[rows-1]
		pm = unsafe.Pointer(&mean[0])
	}
	if rstd != nil {
		_ = rstd[rows-1]
		pr = unsafe.Pointer(&rstd[0])
	}
	simdLayerNorm(unsafe.Pointer(&dst[0]), pm, pr, unsafe.Pointer(&x[0]), unsafe.Pointer(&gamma[0]), unsafe.Pointer(&beta[0]), int32(rows), int32(cols), eps)
}

// GELU implements Kernels, in float32 with a polynomial erf (absolute error 1.5e-7).
func (SIMD) GELU(dst, x []float32, tanh bool) {
	if len(x) == 0 {
		return
	}
	_ = dst[len(x)-1]
	var t int32
	if tanh {
		t = 1
	}
	simdGELU(unsafe.Pointer(&dst[0]), unsafe.Pointer(&x[0]), int32(len(x)), t)
}
