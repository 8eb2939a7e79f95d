// Package kernel holds the hot loops of a transformer's forward and backward passes: the matrix product
// (a BLAS-style Sgemm with transposes and strides), softmax, layer normalisation (LayerNorm and RMSNorm) and GELU, each with its
// backward beside it, behind one interface so that a faster implementation replaces the default one
// without touching the model.
//
// Three implementations exist. Go is plain Go, the same code natively and in WebAssembly, where Go emits
// neither SIMD nor threads and the product reaches 1-5 GFLOP/s (about 9 natively). SIMD (js/wasm only,
// see simd_wasm.go) calls a WebAssembly SIMD128 module that build.sh assembles from the WAT that
// ./simdgen writes; it shares Go's linear memory and reaches 15-30 GFLOP/s. AVX2 (amd64 only, see
// avx2_amd64.go) runs the product in an assembly micro-kernel with fused multiply-adds, and GELU and
// softmax in assembly with the SIMD module's float32 polynomials. Default is SIMD when the host loaded
// that module, AVX2 on a processor with AVX2 and FMA, else Go; the build tag purego keeps it Go. The
// package kerneltest holds the conformance suite all must pass.
//
// All matrices are dense and row-major, with their dimensions and leading dimensions passed explicitly,
// in the style of BLAS (gonum's blas.Float32Level3) and llm.c.
package kernel

import "gonum.org/v1/gonum/blas"

// Kernels is the set of hot loops the model calls.
type Kernels interface {
	// Name says which implementation this is ("go", "simd128", "relaxed-simd", "avx2"), for benchmarks
	// and reports.
	Name() string

	// Sgemm computes c = alpha·op(a)·op(b) + beta·c for row-major c [m, n], op(a) [m, k] and op(b) [k, n],
	// as gonum's blas.Float32Level3.Sgemm: op(x) is x or xᵀ as tA and tB say, and lda, ldb, ldc are the
	// row strides of a, b and c as stored. With beta = 0, c is overwritten and never read.
	Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

	// Softmax replaces each row of x [rows, cols] by its softmax.
	Softmax(x []float32, rows, cols int)
	// SoftmaxBackward turns dp, the gradient of the softmax p of each row [rows, cols], into the
	// gradient with respect to the softmax's input, in place: dx = p ⊙ (dp - Σ p ⊙ dp).
	SoftmaxBackward(dp, p []float32, rows, cols int)

	// LayerNorm writes dst[r,:] = (x[r,:] - mean_r) / sqrt(var_r + eps) * gamma + beta for each row of
	// x [rows, cols], with the biased variance. When mean and rstd are not nil they receive each row's
	// mean and 1/sqrt(var+eps) [rows], which LayerNormBackward needs. dst may be x.
	LayerNorm(dst, mean, rstd, x, gamma, beta []float32, rows, cols int, eps float64)
	// LayerNormBackward is the backward pass of LayerNorm over x [rows, cols], given the row
	// statistics it returned and the output gradient dy. It adds the input gradient to dx unless dx is
	// nil, and the gain and shift gradients to dgamma and dbeta unless they are nil.
	LayerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma []float32, rows, cols int)

	// RMSNorm writes dst[r,:] = x[r,:] / sqrt(mean(x[r,:]²) + eps) * gamma for each row of x [rows, cols]
	// (Llama's RMSNorm: no mean subtracted, no shift). When rstd is not nil it receives each row's
	// 1/sqrt(mean(x²)+eps) [rows], which RMSNormBackward needs. dst may be x.
	RMSNorm(dst, rstd, x, gamma []float32, rows, cols int, eps float64)
	// RMSNormBackward is the backward pass of RMSNorm over x [rows, cols], given the row statistics it
	// returned and the output gradient dy. It adds the input gradient to dx unless dx is nil, and the
	// gain gradient to dgamma unless it is nil.
	RMSNormBackward(dx, dgamma, dy, x, rstd, gamma []float32, rows, cols int)

	// GELU writes gelu(x) to dst, which may be x: the exact x·Φ(x) (torch's gelu), or with tanh set
	// the tanh approximation (gelu_new).
	GELU(dst, x []float32, tanh bool)
	// GELUBackward multiplies the output gradient dy in place by GELU's derivative at x.
	GELUBackward(dy, x []float32, tanh bool)
}

// Default is the implementation the model uses unless it is given another.
var Default Kernels = Go{}

// Implementations lists every implementation this build can run, Go first: the conformance tests and
// the benchmarks run each of them.
func Implementations() []Kernels {
	if Default.Name() == (Go{}).Name() {
		return []Kernels{Go{}}
	}
	return []Kernels{Go{}, Default}
}

// Go is the pure-Go implementation of Kernels: single-threaded, no assembly, the same code natively and
// in WebAssembly.
type Go struct{}

// Name implements Kernels.
func (Go) Name() string { return "go" }

// Packer is implemented by kernels that multiply faster by a right-hand operand laid out for them once:
// the model packs each weight it multiplies by when it is built and after every update, and passes
// the packing instead of the weight.
type Packer interface {
	// Pack lays out op(b) [k, n] (b stored with row stride ldb) for SgemmPacked. It packs into dst's
	// memory and returns dst when dst (which may be nil) is a packing these kernels made of a [k, n]
	// matrix, so that repacking a weight after every training step allocates nothing; otherwise it
	// returns a new packing.
	Pack(dst *Packed, tB blas.Transpose, k, n int, b []float32, ldb int) *Packed
	// SgemmPacked computes c = alpha·op(a)·B + beta·c as Sgemm does, for the B [k, n] that bp packs.
	SgemmPacked(tA blas.Transpose, m int, alpha float32, a []float32, lda int, bp *Packed, beta float32, c []float32, ldc int)
}

// Packed is a matrix laid out by a Packer. It belongs to the kernels that packed it.
type Packed struct {
	By     string      // the Name of the kernels that packed it
	K, N   int         // the dimensions of the matrix it holds
	blocks [][]float32 // the packer's own layout
}

// reusable reports whether p, which may be nil, is a packing that kernels by made of a [k, n] matrix,
// whose memory packing another such matrix may reuse.
func (p *Packed) reusable(by string, k, n int) bool {
	return p != nil && p.By == by && p.K == k && p.N == n
}
