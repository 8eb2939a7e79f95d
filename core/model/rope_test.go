package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"bertology/core/checkpoint"
)

// TestRotary checks the rotary embeddings against the rotate-half rotation written out in float64 (angle
// p / base^(2i/d) for the pair of channels i and i + d/2 at position p), for two bases, and that the
// backward pass is the forward's transpose: <R x, y> = <x, Rᵀ y>.
func TestRotary(t *testing.T) {
	for _, base := range []float64{10000, 500000} {
		cfg := &checkpoint.Config{ModelType: checkpoint.Llama, HiddenSize: 24, NumHeads: 2, MaxPositions: 40, RopeTheta: base}
		r := newRotary(cfg)
		const rows, seqLen, ld, cols = 80, 40, 30, 24 // two sequences; two heads of 12 rotated, 6 more columns left alone
		rnd := rand.New(rand.NewPCG(1, 2))
		x := randomDirection(rnd, rows*ld, 1)
		got := append([]float32(nil), x...)
		r.forward(got, rows, seqLen, ld, cols)
		for row := 0; row < rows; row++ {
			p := float64(row % seqLen)
			for c := 0; c < ld; c++ {
				want := float64(x[row*ld+c])
				if c < cols {
					h, i := c/12*12, c%12
					lo, hi := float64(x[row*ld+h+i%6]), float64(x[row*ld+h+6+i%6])
					angle := p / math.Pow(base, float64(2*(i%6))/12)
					if i < 6 {
						want = lo*math.Cos(angle) - hi*math.Sin(angle)
					} else {
						want = hi*math.Cos(angle) + lo*math.Sin(angle)
					}
				}
				// float32 angles of up to 39 radians are off by up to 2e-6
				if d := math.Abs(float64(got[row*ld+c]) - want); d > 1e-5 {
					t.Fatalf("base %g, row %d column %d: %v, want %v", base, row, c, got[row*ld+c], want)
				}
			}
		}
		y := randomDirection(rnd, rows*ld, 1)
		back := append([]float32(nil), y...)
		r.backward(back, rows, seqLen, ld, cols)
		if a, b := dot(got, y), dot(x, back); math.Abs(a-b) > 1e-4 {
			t.Errorf("base %g: <R x, y> = %v, <x, Rᵀ y> = %v", base, a, b)
		}
	}
}
