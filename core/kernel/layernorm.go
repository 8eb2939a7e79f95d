package kernel

import "math"

// LayerNorm implements Kernels.
//
// Mean and variance are accumulated in float64 in two passes, so rows with a large mean lose nothing.
func (Go) LayerNorm(dst, mean, rstd, x, gamma, beta []float32, rows, cols int, eps float64) {
	gamma, beta = gamma[:cols], beta[:cols]
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		mu := s / float64(cols)
		var ss float64
		for _, v := range row {
			d := float64(v) - mu
			ss += d * d
		}
		rs := 1 / math.Sqrt(ss/float64(cols)+eps)
		out := dst[r*cols : (r+1)*cols]
		for j, v := range row {
			out[j] = float32((float64(v)-mu)*rs*float64(gamma[j]) + float64(beta[j]))
		}
		if mean != nil {
			mean[r] = float32(mu)
		}
		if rstd != nil {
			rstd[r] = float32(rs)
		}
	}
}

// LayerNormBackward implements Kernels. With x̂ = (x - mean)·rstd and dx̂ = dy·gamma:
//
//	dx = rstd · (dx̂ - mean(dx̂) - x̂ · mean(dx̂·x̂)),  dgamma = Σ_rows dy·x̂,  dbeta = Σ_rows dy
//
// The row means are accumulated in float64, as the forward's statistics are.
func (Go) LayerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma []float32, rows, cols int) {
	gamma = gamma[:cols]
	for r := 0; r < rows; r++ {
		xr, dyr := x[r*cols:(r+1)*cols], dy[r*cols:(r+1)*cols]
		mu, rs := float64(mean[r]), float64(rstd[r])
		if dgamma != nil {
			for j, v := range dyr {
				dgamma[j] += float32(float64(v) * (float64(xr[j]) - mu) * rs)
			}
		}
		if dbeta != nil {
			for j, v := range dyr {
				dbeta[j] += v
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
		meanD, meanDX := sumD/float64(cols), sumDX/float64(cols)
		dxr := dx[r*cols : (r+1)*cols]
		for j, v := range dyr {
			dn := float64(v) * float64(gamma[j])
			dxr[j] += float32(rs * (dn - meanD - (float64(xr[j])-mu)*rs*meanDX))
		}
	}
}
