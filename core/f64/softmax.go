package f64

import "math"

// LogSumExp returns log Σ_i exp(z_i), computed as max + log Σ_i exp(z_i − max).
func LogSumExp[F float32 | float64](z []F) float64 {
	hi := maxOf(z)
	var sum float64
	for _, v := range z {
		sum += math.Exp(float64(v) - hi)
	}
	return hi + math.Log(sum)
}

// Softmax writes exp(z_i) / Σ_j exp(z_j) to p (len(z)) and returns log Σ_j exp(z_j), so that a caller
// taking a cross-entropy has both.
func Softmax[F float32 | float64](p []float64, z []F) (logSumExp float64) {
	hi := maxOf(z)
	var sum float64
	for i, v := range z {
		p[i] = math.Exp(float64(v) - hi)
		sum += p[i]
	}
	for i := range p[:len(z)] {
		p[i] /= sum
	}
	return hi + math.Log(sum)
}

func maxOf[F float32 | float64](z []F) float64 {
	hi := math.Inf(-1)
	for _, v := range z {
		hi = max(hi, float64(v))
	}
	return hi
}
