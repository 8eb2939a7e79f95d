package model

import "bertology/core/kernel"

// layerNorm holds a LayerNorm's gain and shift.
type layerNorm struct {
	gamma, beta []float32 // [D]
}

// newLayerNorm allocates a LayerNorm of the model, its gain and shift blocks of m's parameters.
func (m *Model) newLayerNorm(d int) *layerNorm {
	return &layerNorm{gamma: m.newParam(d, GainParam), beta: m.newParam(d, BiasParam)}
}

// forward normalises each row of x [rows, d] into dst (which may be x), writing each row's mean and
// 1/sqrt(var+eps) to mean and rstd [rows] for the backward pass.
func (ln *layerNorm) forward(k kernel.Kernels, dst, mean, rstd, x []float32, rows, d int, eps float64) {
	k.LayerNorm(dst, mean, rstd, x, ln.gamma, ln.beta, rows, d, eps)
}

// backward is the backward pass of forward over x [rows, d], given the row statistics it returned and
// the output gradient dy [rows, d]. It adds the input gradient to dx unless dx is nil, and the gain and
// shift gradients to g unless g is nil.
func (ln *layerNorm) backward(k kernel.Kernels, dx []float32, g *layerNorm, dy, x, mean, rstd []float32, rows, d int) {
	var dgamma, dbeta []float32
	if g != nil {
		dgamma, dbeta = g.gamma, g.beta
	}
	k.LayerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, ln.gamma, rows, d)
}
