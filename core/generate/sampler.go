package generate

import (
	"math"
	"slices"
)

// Sampler picks the next token from a model's logits as llama2.c's run.c does: the arg max when the
// temperature is 0; otherwise the softmax of logits/temperature, sampled whole (TopP <= 0 or >= 1) or
// from its nucleus (the smallest set of most likely tokens whose probabilities add up to more than
// TopP), with run.c's xorshift generator. The same seed, temperature and top-p give run.c's tokens for
// the same logits.
type Sampler struct {
	Temperature float32
	TopP        float32
	rng         RNG
	probs       []float32
	nucleus     []probIndex
}

// NewSampler returns a sampler with run.c's generator seeded with seed (run.c's -s; it must not be 0,
// which run.c replaces by the time of day).
func NewSampler(temperature, topP float32, seed uint64) *Sampler {
	return &Sampler{Temperature: temperature, TopP: topP, rng: RNG(seed)}
}

// Sample returns the next token and its probability under the distribution it was drawn from (the
// softmax of logits/temperature; for greedy decoding, of the logits themselves). logits is left as it is.
func (s *Sampler) Sample(logits []float32) (int, float32) {
	t := s.Temperature
	greedy := t == 0
	if greedy {
		t = 1
	}
	s.probs = append(s.probs[:0], logits...)
	for i := range s.probs {
		s.probs[i] /= t
	}
	softmax(s.probs)
	var id int
	switch {
	case greedy:
		id = argmax(logits)
	case s.TopP <= 0 || s.TopP >= 1:
		id = sampleMult(s.probs, s.rng.Float32())
	default:
		id = s.sampleTopP(s.probs, s.rng.Float32())
	}
	return id, s.probs[id]
}

// softmax replaces x by its softmax in float32, the maximum subtracted first, as run.c computes it
// (its expf is float32; exp here is float64 rounded to float32, which can differ by an ulp).
func softmax(x []float32) {
	m := slices.Max(x)
	var sum float32
	for i, v := range x {
		x[i] = float32(math.Exp(float64(v - m)))
		sum += x[i]
	}
	for i := range x {
		x[i] /= sum
	}
}

// argmax is run.c's sample_argmax: the first index of the largest value.
func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// sampleMult is run.c's sample_mult: the first index where the running sum of probs exceeds coin (in
// [0, 1)), the last index when rounding leaves the sum short of it.
func sampleMult(probs []float32, coin float32) int {
	var cdf float32
	for i, p := range probs {
		cdf += p
		if coin < cdf {
			return i
		}
	}
	return len(probs) - 1
}

type probIndex struct {
	prob  float32
	index int
}

// sampleTopP is run.c's sample_topp. Tokens with probability below (1-topP)/(n-1) cannot be in the
// nucleus and are dropped before sorting; the rest are sorted by falling probability and cut after the
// first whose running sum exceeds topP; coin scaled by that sum picks one of them.
func (s *Sampler) sampleTopP(probs []float32, coin float32) int {
	cutoff := topPCutoff(s.TopP, len(probs))
	s.nucleus = s.nucleus[:0]
	for i, p := range probs {
		if p >= cutoff {
			s.nucleus = append(s.nucleus, probIndex{p, i})
		}
	}
	// equal probabilities keep the lower index first; run.c's qsort, not stable, may order them
	// otherwise (only exact float32 ties can differ)
	slices.SortStableFunc(s.nucleus, func(a, b probIndex) int {
		switch {
		case a.prob > b.prob:
			return -1
		case a.prob < b.prob:
			return 1
		}
		return 0
	})
	last := len(s.nucleus) - 1
	var cum float32
	for i, c := range s.nucleus {
		cum += c.prob
		if cum > s.TopP {
			last = i
			break
		}
	}
	r := coin * cum
	var cdf float32
	for _, c := range s.nucleus[:last+1] {
		cdf += c.prob
		if r < cdf {
			return c.index
		}
	}
	return s.nucleus[last].index
}

// topPCutoff is the probability below which a token of a vocabulary of n cannot be in a top-p nucleus:
// if every one of the other n-1 tokens had less than (1-topP)/(n-1), together they would have less
// than 1-topP, and the nucleus is reached without them.
func topPCutoff(topP float32, n int) float32 {
	return (1 - topP) / float32(n-1)
}

// RNG is run.c's random number generator, xorshift* on 64 bits of state (its rng_state).
type RNG uint64

// Uint32 is run.c's random_u32.
func (r *RNG) Uint32() uint32 {
	*r ^= *r >> 12
	*r ^= *r << 25
	*r ^= *r >> 27
	return uint32((uint64(*r) * 0x2545F4914F6CDD1D) >> 32)
}

// Float32 is run.c's random_f32, in [0, 1): the top 24 bits of Uint32 over 2^24.
func (r *RNG) Float32() float32 {
	return float32(r.Uint32()>>8) / 16777216
}
