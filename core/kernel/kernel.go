// Package kernel holds the hot loops of a transformer forward pass: matrix products, softmax and layer
// normalisation, behind one small interface so that a faster implementation (SIMD, threads) can replace
// the default one without touching the model.
//
// The default, Go, is plain Go tuned for WebAssembly, which has neither SIMD nor threads: there the
// matrix product reaches about 4 GFLOP/s on one core, gonum's about 1. All matrices are dense and
// row-major, with their dimensions passed explicitly, in the style of BLAS and llm.c.
package kernel

// Kernels is the set of hot loops the model calls.
type Kernels interface {
	// MatMul adds a·b to dst: dst[m,n] += a[m,k] · b[k,n].
	MatMul(dst, a, b []float32, m, k, n int)
	// MatMulTransB adds a·bᵀ to dst: dst[m,n] += a[m,k] · b[n,k]ᵀ.
	MatMulTransB(dst, a, b []float32, m, k, n int)
	// MatMulTransA adds aᵀ·b to dst: dst[m,n] += a[k,m]ᵀ · b[k,n]. Backward passes need it for weight
	// gradients, xᵀ·dy.
	MatMulTransA(dst, a, b []float32, m, k, n int)
	// Softmax replaces each row of x [rows, cols] by its softmax.
	Softmax(x []float32, rows, cols int)
	// LayerNorm writes dst[r,:] = (x[r,:] - mean_r) / sqrt(var_r + eps) * gamma + beta for each row of
	// x [rows, cols], with the biased variance. When mean and rstd are not nil they receive each row's mean
	// and 1/sqrt(var+eps) [rows], which a backward pass needs.
	LayerNorm(dst, mean, rstd, x, gamma, beta []float32, rows, cols int, eps float64)
}

// Default is the implementation the model uses.
var Default Kernels = Go{}

// Go is the pure-Go implementation of Kernels: single-threaded, no assembly, the same code natively and
// in WebAssembly.
type Go struct{}
