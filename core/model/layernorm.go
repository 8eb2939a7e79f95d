package model

import "bertology/core/kernel"

// layerNorm holds a normalisation layer's gain and shift: a LayerNorm, or, when it has no shift, Llama's
// RMSNorm (rmsnorm.go), which scales each row by the inverse of its root mean square and subtracts
// nothing. Blocks and heads call forward and backward alike for either.
type layerNorm struct {
	gamma, beta []float32 // [D]; beta is nil for an RMSNorm
}

// newLayerNorm allocates a LayerNorm of the model, its gain and shift blocks of m's parameters.
func (m *Model) newLayerNorm(d int) *layerNorm {
	return &layerNorm{gamma: m.newParam(d, GainParam), beta: m.newParam(d, BiasParam)}
}

// newNorm allocates the normalisation layer of the model's family: Llama's RMSNorm, else a LayerNorm.
func (m *Model) newNorm(d int) *layerNorm {
	if m.rmsNorm() {
		return m.newRMSNorm(d)
	}
	return m.newLayerNorm(d)
}

// forward normalises each row of x [rows, d] into dst (which may be x), writing each row's mean (not
// for an RMSNorm) and 1/sqrt(var+eps) to mean and rstd [rows] for the backward pass.
func (ln *layerNorm) forward(k kernel.Kernels, dst, mean, rstd, x []float32, rows, d int, eps float64) {
	if ln.beta == nil {
		ln.rmsForward(k, dst, rstd, x, rows, d, eps)
		return
	}
	k.LayerNorm(dst, mean, rstd, x, ln.gamma, ln.beta, rows, d, eps)
}

// backward is the backward pass of forward over x [rows, d], given the row statistics it returned and
// the output gradient dy [rows, d]. It adds the input gradient to dx unless dx is nil, and the gain and
// shift gradients to g unless g is nil.
func (ln *layerNorm) backward(k kernel.Kernels, dx []float32, g *layerNorm, dy, x, mean, rstd []float32, rows, d int) {
	if ln.beta == nil {
		ln.rmsBackward(k, dx, g, dy, x, rstd, rows, d)
		return
	}
	var dgamma, dbeta []float32
	if g != nil {
		dgamma, dbeta = g.gamma, g.beta
	}
	k.LayerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, ln.gamma, rows, d)
}
