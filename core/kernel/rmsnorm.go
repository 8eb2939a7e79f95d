package kernel

import "math"

// RMSNorm implements Kernels.
//
// The mean square is accumulated in float64, and each output rounded once to float32.
func (Go) RMSNorm(dst, rstd, x, gamma []float32, rows, cols int, eps float64) {
	gamma = gamma[:cols]
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		rs := 1 / math.Sqrt(ss/float64(cols)+eps)
		out := dst[r*cols : (r+1)*cols]
		for j, v := range row {
			out[j] = float32(float64(v) * rs * float64(gamma[j]))
		}
		if rstd != nil {
			rstd[r] = float32(rs)
		}
	}
}

// RMSNormBackward implements Kernels. With x̂ = x·rstd and dx̂ = dy·gamma:
//
//	dx = rstd · (dx̂ - x̂ · mean(dx̂·x̂)),  dgamma = Σ_rows dy·x̂
//
// The row means are accumulated in float64, as the forward's statistics are.
func (Go) RMSNormBackward(dx, dgamma, dy, x, rstd, gamma []float32, rows, cols int) {
	gamma = gamma[:cols]
	for r := 0; r < rows; r++ {
		xr, dyr := x[r*cols:(r+1)*cols], dy[r*cols:(r+1)*cols]
		rs := float64(rstd[r])
		if dgamma != nil {
			for j, v := range dyr {
				dgamma[j] += float32(float64(v) * float64(xr[j]) * rs)
			}
		}
		if dx == nil {
			continue
		}
		var sumDX float64 // Σ dx̂·x̂
		for j, v := range dyr {
			sumDX += float64(v) * float64(gamma[j]) * float64(xr[j]) * rs
		}
		meanDX := sumDX / float64(cols)
		dxr := dx[r*cols : (r+1)*cols]
		for j, v := range dyr {
			dn := float64(v) * float64(gamma[j])
			dxr[j] += float32(rs * (dn - float64(xr[j])*rs*meanDX))
		}
	}
}
