package kernel

import "math"

// LayerNorm normalises each row of x [rows, cols] to zero mean and unit (biased) variance, then scales
// by gamma and shifts by beta: dst[r,:] = (x[r,:] - mean_r) / sqrt(var_r + eps) * gamma + beta. mean and
// rstd, when not nil, receive each row's mean and 1/sqrt(var_r + eps).
//
// Mean and variance are accumulated in float64 in two passes, so rows with a large mean lose nothing.
// dst may be x.
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
