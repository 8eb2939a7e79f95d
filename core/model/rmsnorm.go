package model

import (
	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// newRMSNorm allocates an RMSNorm of the model (Llama's LlamaRMSNorm), its gain a block of m's
// parameters: a layerNorm without a shift.
func (m *Model) newRMSNorm(d int) *layerNorm {
	return &layerNorm{gamma: m.newParam(d, GainParam)}
}

// rmsNorm reports whether the model normalises with RMSNorm (Llama) rather than LayerNorm.
func (m *Model) rmsNorm() bool { return m.cfg.ModelType == checkpoint.Llama }

// rmsForward writes gamma · x / sqrt(mean(x²) + eps) for each row of x [rows, d] to dst (which may be
// x), and each row's 1/sqrt(mean(x²) + eps) to rstd [rows], as LlamaRMSNorm computes it in float32.
func (ln *layerNorm) rmsForward(k kernel.Kernels, dst, rstd, x []float32, rows, d int, eps float64) {
	k.RMSNorm(dst, rstd, x, ln.gamma, rows, d, eps)
}

// rmsBackward is the backward pass of rmsForward over x [rows, d], given the row statistics it returned
// and the output gradient dy [rows, d]. It adds the input gradient to dx unless dx is nil, and the gain's
// gradient to g unless g is nil.
func (ln *layerNorm) rmsBackward(k kernel.Kernels, dx []float32, g *layerNorm, dy, x, rstd []float32, rows, d int) {
	var dgamma []float32
	if g != nil {
		dgamma = g.gamma
	}
	k.RMSNormBackward(dx, dgamma, dy, x, rstd, ln.gamma, rows, d)
}
