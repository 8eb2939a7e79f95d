//go:build amd64 && !purego

package kernel

import (
	"math"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestAVX2GELUTailAndNaN checks what the conformance suite does not: a NaN input gives NaN, and the
// floats past the last whole vector, which go through the vector code from a copy, give the same bits
// as they do inside a vector.
func TestAVX2GELUTailAndNaN(t *testing.T) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		t.Skip("no AVX2 and FMA on this processor")
	}
	nan := float32(math.NaN())
	// One vector and a tail of 5, a NaN in each; padded to two whole vectors, the tail lies in a vector.
	x := []float32{-3.5, nan, -0.75, 0, 0.3, 1.25, 2, 7, -1.5, 0.01, nan, -9.5, 4, 0, 0, 0}
	dy := []float32{1, 2, -0.5, 3, 1, -1, 0.25, 1, 2, -2, 1, 1, -3, 1, 1, 1}
	const n = 13
	for _, tanh := range []bool{false, true} {
		for _, tc := range []struct {
			name string
			run  func(n int) []float32 // the kernel on x[:n] (and dy[:n])
		}{
			{"GELU", func(n int) []float32 {
				y := make([]float32, n)
				AVX2{}.GELU(y, x[:n], tanh)
				return y
			}},
			{"GELUBackward", func(n int) []float32 {
				g := append([]float32(nil), dy[:n]...)
				AVX2{}.GELUBackward(g, x[:n], tanh)
				return g
			}},
		} {
			got, inVectors := tc.run(n), tc.run(len(x))
			for i, v := range got {
				if math.IsNaN(float64(x[i])) != math.IsNaN(float64(v)) {
					t.Errorf("tanh=%v: %s at x[%d] = %v gives %v", tanh, tc.name, i, x[i], v)
				}
				if math.Float32bits(v) != math.Float32bits(inVectors[i]) {
					t.Errorf("tanh=%v: %s at x[%d] = %v gives %v in a call of %d floats, %v in one of %d", tanh, tc.name, i, x[i], v, n, inVectors[i], len(x))
				}
			}
		}
	}
}

// TestAVX2SoftmaxNaN checks that a NaN in a row, inside a vector or in the tail past the last one,
// makes the whole row NaN, as Go's kernel does, and leaves the other rows as they are alone.
func TestAVX2SoftmaxNaN(t *testing.T) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		t.Skip("no AVX2 and FMA on this processor")
	}
	const cols = 13 // one vector and a tail of 5
	nan := float32(math.NaN())
	row := func(nanAt int) []float32 {
		r := make([]float32, cols)
		for j := range r {
			r[j] = float32(j%5) - 1.5
		}
		if nanAt >= 0 {
			r[nanAt] = nan
		}
		return r
	}
	p := row(-1)
	Go{}.Softmax(p, 1, cols)
	for _, tc := range []struct {
		name string
		run  func(x []float32, rows int)
	}{
		{"Softmax", func(x []float32, rows int) { AVX2{}.Softmax(x, rows, cols) }},
		{"SoftmaxBackward", func(dp []float32, rows int) {
			var ps []float32
			for range rows {
				ps = append(ps, p...)
			}
			AVX2{}.SoftmaxBackward(dp, ps, rows, cols)
		}},
	} {
		alone := row(-1)
		tc.run(alone, 1)
		x := append(append(append(row(2), row(-1)...), row(11)...), row(-1)...)
		tc.run(x, 4)
		for r, wantNaN := range []bool{true, false, true, false} {
			for j, v := range x[r*cols : (r+1)*cols] {
				if wantNaN && !math.IsNaN(float64(v)) || !wantNaN && math.Float32bits(v) != math.Float32bits(alone[j]) {
					t.Errorf("%s: row %d [%d] = %v, want NaN: %v (%v alone)", tc.name, r, j, v, wantNaN, alone[j])
				}
			}
		}
	}
}
