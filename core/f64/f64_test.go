package f64

import (
	"math"
	"slices"
	"testing"
)

func TestSoftmax(t *testing.T) {
	tests := []struct {
		name string
		z    []float32
		want []float64
		lse  float64
	}{
		{"uniform", []float32{2, 2, 2, 2}, []float64{0.25, 0.25, 0.25, 0.25}, 2 + math.Log(4)},
		{"two", []float32{0, float32(math.Log(3))}, []float64{0.25, 0.75}, math.Log(4)},
		// exp(1000) overflows float64; with the maximum subtracted it does not.
		{"large", []float32{1000, 1000}, []float64{0.5, 0.5}, 1000 + math.Log(2)},
		{"one", []float32{-7}, []float64{1}, -7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := make([]float64, len(tc.z))
			lse := Softmax(p, tc.z)
			for i := range p {
				if math.Abs(p[i]-tc.want[i]) > 1e-7 {
					t.Errorf("p[%d] = %g, want %g", i, p[i], tc.want[i])
				}
			}
			if math.Abs(lse-tc.lse) > 1e-6 {
				t.Errorf("Softmax's log-sum-exp %g, want %g", lse, tc.lse)
			}
			if got := LogSumExp(tc.z); got != lse {
				t.Errorf("LogSumExp %g, Softmax's %g", got, lse)
			}
		})
	}
}

func TestTopK(t *testing.T) {
	x := []float64{0.1, 0.4, 0.2, 0.4, 0.05}
	tests := []struct {
		k    int
		want []int
	}{
		{0, []int{}},
		{1, []int{1}},
		{2, []int{1, 3}}, // a tie keeps index order
		{3, []int{1, 3, 2}},
		{9, []int{1, 3, 2, 0, 4}},
	}
	for _, tc := range tests {
		if got := TopK(x, tc.k); !slices.Equal(got, tc.want) {
			t.Errorf("TopK(%v, %d) = %v, want %v", x, tc.k, got, tc.want)
		}
	}
}

func TestConvert(t *testing.T) {
	x := []float32{1.5, -2, 1e-3}
	wide := FromFloat32(x)
	if wide[0] != 1.5 || wide[1] != -2 || wide[2] != float64(float32(1e-3)) {
		t.Errorf("FromFloat32(%v) = %v", x, wide)
	}
	if back := ToFloat32(wide); !slices.Equal(back, x) {
		t.Errorf("ToFloat32(FromFloat32(%v)) = %v", x, back)
	}
}
