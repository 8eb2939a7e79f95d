package rollout

import (
	"fmt"
	"testing"
)

// softmaxAttention returns BERT-base-sized attention (12 layers, 12 heads) for T tokens with deterministic,
// uneven rows, so that max flow needs many augmenting paths as on real maps.
func softmaxAttention(T int) *Attention {
	const L, H = 12, 12
	a := &Attention{Heads: H, T: T}
	seed := uint32(1)
	for l := 0; l < L; l++ {
		w := make([]float32, H*T*T)
		for r := 0; r < H*T; r++ {
			row := w[r*T : (r+1)*T]
			var sum float32
			for j := range row {
				seed ^= seed << 13
				seed ^= seed >> 17
				seed ^= seed << 5
				row[j] = float32(seed%1000+1) / 1000
				row[j] *= row[j] * row[j] // skew the weights
				sum += row[j]
			}
			for j := range row {
				row[j] /= sum
			}
		}
		a.Layers = append(a.Layers, w)
	}
	return a
}

func BenchmarkRollout(b *testing.B) {
	for _, T := range []int{16, 64} {
		a := softmaxAttention(T)
		b.Run(fmt.Sprintf("T=%d", T), func(b *testing.B) {
			for b.Loop() {
				if _, err := Rollout(a, DefaultOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFlow(b *testing.B) {
	for _, T := range []int{8, 16, 32} {
		a := softmaxAttention(T)
		b.Run(fmt.Sprintf("T=%d", T), func(b *testing.B) {
			for b.Loop() {
				if _, err := Flow(a, DefaultOptions(), len(a.Layers)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
