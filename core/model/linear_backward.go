package model

import "bertology/core/kernel"

// backward is the backward pass of forward, y = x·w + b, for x [rows, in] and the output gradient dy
// [rows, out]. It adds the input gradient dy·wᵀ to dx unless dx is nil, and the parameter gradients
// xᵀ·dy and Σ_rows dy to g unless g is nil.
func (l *linear) backward(k kernel.Kernels, dx []float32, g *linear, dy, x []float32, rows int) {
	if dx != nil {
		k.MatMulTransB(dx, dy, l.w, rows, l.out, l.in)
	}
	if g == nil {
		return
	}
	k.MatMulTransA(g.w, x, dy, l.in, rows, l.out)
	if g.b != nil {
		for r := 0; r < rows; r++ {
			addInPlace(g.b, dy[r*l.out:(r+1)*l.out])
		}
	}
}

// backward is the backward pass of kernel.LayerNorm over x [rows, d], given the row statistics it
// returned and the output gradient dy [rows, d]. It adds the input gradient to dx unless dx is nil, and
// the gain and shift gradients to g unless g is nil. With x̂ = (x - mean)·rstd and dx̂ = dy·gamma:
//
//	dx = rstd · (dx̂ - mean(dx̂) - x̂ · mean(dx̂·x̂))
//
// The row means are accumulated in float64, as the forward's statistics are.
func (ln *layerNorm) backward(dx []float32, g *layerNorm, dy, x, mean, rstd []float32, rows, d int) {
	gamma := ln.gamma[:d]
	for r := 0; r < rows; r++ {
		xr, dyr := x[r*d:(r+1)*d], dy[r*d:(r+1)*d]
		mu, rs := float64(mean[r]), float64(rstd[r])
		if g != nil {
			for j, v := range dyr {
				g.gamma[j] += float32(float64(v) * (float64(xr[j]) - mu) * rs)
				g.beta[j] += v
			}
		}
		if dx == nil {
			continue
		}
		var sumD, sumDX float64 // Σ dx̂ and Σ dx̂·x̂
		for j, v := range dyr {
			dn := float64(v) * float64(gamma[j])
			sumD += dn
			sumDX += dn * (float64(xr[j]) - mu) * rs
		}
		meanD, meanDX := sumD/float64(d), sumDX/float64(d)
		dxr := dx[r*d : (r+1)*d]
		for j, v := range dyr {
			dn := float64(v) * float64(gamma[j])
			dxr[j] += float32(rs * (dn - meanD - (float64(xr[j])-mu)*rs*meanDX))
		}
	}
}
