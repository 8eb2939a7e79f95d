//go:build amd64 && !purego

package kernel

// Softmax implements Kernels, in float32 (Go's kernel exponentiates and sums in float64): the maximum
// subtracted first as torch does, the exponentials the SIMD128 module's, their sum taken eight lanes at
// a time; the probabilities differ from Go's by a few float32 ulps.
func (AVX2) Softmax(x []float32, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_ = x[rows*cols-1]
	softmaxAVX2(&x[0], rows, cols)
}

// SoftmaxBackward implements Kernels, in float64 as Go's.
func (AVX2) SoftmaxBackward(dp, p []float32, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_, _ = dp[rows*cols-1], p[rows*cols-1]
	softmaxBackwardAVX2(&dp[0], &p[0], rows, cols)
}

// GELU implements Kernels, in float32 with the SIMD128 module's polynomials (elementwise_amd64.s): erf
// to an absolute error of 1.5e-7, e^x to a relative one of about 1e-7.
func (AVX2) GELU(dst, x []float32, tanh bool) {
	dst = dst[:len(x)]
	n := len(x) / 8 * 8
	if n > 0 {
		geluAVX2(&dst[0], &x[0], n/8, tanh)
	}
	if n < len(x) {
		// The last few floats go through the same vector code, so that each float's result is the
		// same wherever it lies.
		var tail [8]float32
		copy(tail[:], x[n:])
		geluAVX2(&tail[0], &tail[0], 1, tanh)
		copy(dst[n:], tail[:])
	}
}

// GELUBackward implements Kernels, with GELU's polynomials.
func (AVX2) GELUBackward(dy, x []float32, tanh bool) {
	dy = dy[:len(x)]
	n := len(x) / 8 * 8
	if n > 0 {
		geluBackwardAVX2(&dy[0], &x[0], n/8, tanh)
	}
	if n < len(x) {
		var tailDy, tailX [8]float32
		copy(tailDy[:], dy[n:])
		copy(tailX[:], x[n:])
		geluBackwardAVX2(&tailDy[0], &tailX[0], 1, tanh)
		copy(dy[n:], tailDy[:])
	}
}

// geluAVX2 writes gelu(x) to dst for 8·n8 floats, the exact GELU or with tanh set its tanh
// approximation. dst may be x.
//
//go:noescape
func geluAVX2(dst, x *float32, n8 int, tanh bool)

// geluBackwardAVX2 multiplies dy in place by GELU's derivative at x, for 8·n8 floats.
//
//go:noescape
func geluBackwardAVX2(dy, x *float32, n8 int, tanh bool)

// softmaxAVX2 replaces each row of x [rows, cols] by its softmax, for rows, cols > 0.
//
//go:noescape
func softmaxAVX2(x *float32, rows, cols int)

// softmaxBackwardAVX2 turns each row of dp [rows, cols] into p ⊙ (dp - Σ p ⊙ dp), for rows, cols > 0.
//
//go:noescape
func softmaxBackwardAVX2(dp, p *float32, rows, cols int)
