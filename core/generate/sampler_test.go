package generate

import (
	"math"
	"testing"
)

// TestRNG checks run.c's random_u32 and random_f32 for seed 42 against values computed by hand from the
// xorshift* definition (state ^= state>>12; state ^= state<<25; state ^= state>>27; output the high 32
// bits of state*0x2545F4914F6CDD1D), with Python's arbitrary-precision integers.
func TestRNG(t *testing.T) {
	want := []uint32{1456360119, 3359763283, 3393612768, 4054632243, 3283045847, 3589475362, 877116966, 1888976411}
	r := RNG(42)
	for i, w := range want {
		if got := r.Uint32(); got != w {
			t.Errorf("random_u32 #%d: %d, want %d", i, got, w)
		}
	}
	r = RNG(42)
	for i, w := range want {
		if got, wf := r.Float32(), float32(w>>8)/16777216; got != wf || got < 0 || got >= 1 {
			t.Errorf("random_f32 #%d: %v, want %v", i, got, wf)
		}
	}
}

func TestArgmaxAndMult(t *testing.T) {
	if got := argmax([]float32{1, 3, 3, 2}); got != 1 {
		t.Errorf("argmax: %d, want 1 (the first of the ties)", got)
	}
	probs := []float32{0.1, 0.2, 0.3, 0.4}
	for _, c := range []struct {
		coin float32
		want int
	}{{0, 0}, {0.05, 0}, {0.1, 1}, {0.29, 1}, {0.31, 2}, {0.59, 2}, {0.61, 3}, {0.9999, 3}} {
		if got := sampleMult(probs, c.coin); got != c.want {
			t.Errorf("sample_mult(%v): %d, want %d", c.coin, got, c.want)
		}
	}
	if got := sampleMult([]float32{0.25, 0.25, 0.25, 0.2}, 0.99); got != 3 {
		t.Errorf("sample_mult past a sum short of 1: %d, want the last index", got)
	}
}

// TestTopP checks the cutoff (1-p)/(n-1) and the nucleus: with p = 0.5 over probabilities 0.4, 0.3,
// 0.2, 0.1 (given unsorted) the nucleus is {0.4, 0.3} (running sum 0.7 > 0.5) and coin·0.7 picks in it.
func TestTopP(t *testing.T) {
	if got, want := topPCutoff(0.9, 512), 0.1/511; math.Abs(float64(got)-want) > 1e-10 {
		t.Errorf("cutoff(0.9, 512) = %v, want %v", got, want)
	}
	s := NewSampler(1, 0.5, 1)
	probs := []float32{0.1, 0.3, 0.2, 0.4}
	for _, c := range []struct {
		coin float32
		want int
	}{{0, 3}, {0.5, 3}, {0.57, 3}, {0.58, 1}, {0.99, 1}} {
		if got := s.sampleTopP(probs, c.coin); got != c.want {
			t.Errorf("sample_topp(coin %v): %d, want %d", c.coin, got, c.want)
		}
	}
	// tokens under the cutoff are never sampled: p = 0.9 over 4 tokens cuts below 0.1/3
	s = NewSampler(1, 0.9, 1)
	tiny := []float32{0.5, 0.48, 0.01, 0.01}
	for coin := float32(0); coin < 1; coin += 0.01 {
		if got := s.sampleTopP(tiny, coin); got > 1 {
			t.Fatalf("coin %v: sampled %d, below the cutoff", coin, got)
		}
	}
}

// TestSampleGreedy: temperature 0 takes the arg max, with its softmax probability.
func TestSampleGreedy(t *testing.T) {
	s := NewSampler(0, 0, 1)
	id, p := s.Sample([]float32{0, float32(math.Log(3)), 0})
	if id != 1 || math.Abs(float64(p)-0.6) > 1e-6 {
		t.Errorf("greedy: %d with %v, want 1 with 0.6", id, p)
	}
}
