package f64

// FromFloat32 returns x widened to float64.
func FromFloat32(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// ToFloat32 returns x rounded to float32, for outputs (JSON, .npy, the page) that hold float32 as the
// model's own outputs do.
func ToFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}
