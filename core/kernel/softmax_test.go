package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, cols := range []int{1, 2, 5, 13, 64} {
		rows := 3
		x := randomSlice(r, rows*cols)
		for i := range x {
			x[i] *= 10
		}
		want := make([]float32, len(x))
		for i := 0; i < rows; i++ {
			row := x[i*cols : (i+1)*cols]
			mx := math.Inf(-1)
			for _, v := range row {
				mx = math.Max(mx, float64(v))
			}
			var sum float64
			for _, v := range row {
				sum += math.Exp(float64(v) - mx)
			}
			for j, v := range row {
				want[i*cols+j] = float32(math.Exp(float64(v)-mx) / sum)
			}
		}
		Go{}.Softmax(x, rows, cols)
		assertNear(t, x, want, 1e-7)
	}
}

// TestSoftmaxMaskedRows checks the rows a padding mask produces, against what PyTorch computes: scores
// pushed to float32's lowest value still give a uniform distribution when every key is masked, while
// -Inf everywhere (float32 lowest added twice, as GPT-2's causal plus padding masks can do) gives NaN.
func TestSoftmaxMaskedRows(t *testing.T) {
	lowest := float32(-math.MaxFloat32)
	x := []float32{
		lowest, lowest, lowest, lowest,
		2, lowest, lowest + lowest, 1,
		float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1)), float32(math.Inf(-1)),
	}
	Go{}.Softmax(x, 3, 4)
	e := 1 / (1 + math.Exp(-1))
	assertNear(t, x[:8], []float32{0.25, 0.25, 0.25, 0.25, float32(e), 0, 0, float32(1 - e)}, 1e-7)
	for j, v := range x[8:] {
		if !math.IsNaN(float64(v)) {
			t.Errorf("row of -Inf, column %d: got %v, want NaN as PyTorch", j, v)
		}
	}
}
