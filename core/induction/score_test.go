package induction

import (
	"math"
	"testing"
)

// planted returns the attention [T, T] of a head that sends all of each row i's attention to key
// target(i), or to i itself where target gives a key outside 0 … i.
func planted(T int, target func(i int) int) []float32 {
	a := make([]float32, T*T)
	for i := range T {
		j := target(i)
		if j < 0 || j > i {
			j = i
		}
		a[i*T+j] = 1
	}
	return a
}

// TestPlantedScores checks the attention scores on hand-built patterns, with and without BOS: a
// previous-token head, an induction head, a head on the first token and a uniform head, whose scores
// are known exactly.
func TestPlantedScores(t *testing.T) {
	for _, bos := range []int{NoBOS, 9} {
		lay := newLayout(bos, 5)
		T := lay.T
		uniform := make([]float32, T*T)
		for i := range T {
			for j := 0; j <= i; j++ {
				uniform[i*T+j] = 1 / float32(i+1)
			}
		}
		// The uniform head's expected scores: the mean of 1/(i+1) over the positions each score covers.
		var prefixUniform, prevUniform float64
		for i := lay.second(); i < T; i++ {
			prefixUniform += 1 / float64(i+1) / float64(lay.R)
		}
		for i := lay.start + 1; i < T; i++ {
			prevUniform += 1 / float64(i+1) / float64(T-lay.start-1)
		}
		// Without BOS, the head on the first token attends from position 1 to its previous token.
		var firstPrev float64
		if bos == NoBOS {
			firstPrev = 1 / float64(T-1)
		}
		for _, tc := range []struct {
			name         string
			a            []float32
			prefix, prev float64
		}{
			{"previous token", planted(T, func(i int) int { return i - 1 }), 0, 1},
			{"induction", planted(T, func(i int) int { return i - lay.R + 1 }), 1, 0},
			{"first token", planted(T, func(int) int { return 0 }), 0, firstPrev},
			{"uniform", uniform, prefixUniform, prevUniform},
		} {
			sum, n := prefixMatching(tc.a, lay)
			if n != lay.R || math.Abs(sum/float64(n)-tc.prefix) > 1e-7 {
				t.Errorf("BOS %d, %s: prefix matching %g over %d positions, want %g over %d", bos, tc.name, sum/float64(n), n, tc.prefix, lay.R)
			}
			sum, n = previousToken(tc.a, lay)
			if n != T-lay.start-1 || math.Abs(sum/float64(n)-tc.prev) > 1e-7 {
				t.Errorf("BOS %d, %s: previous token %g over %d positions, want %g over %d", bos, tc.name, sum/float64(n), n, tc.prev, T-lay.start-1)
			}
		}
	}
}

// TestPlantedCopying checks the copying score on planted direct logits: a head that attends to the
// induction target and whose logits rank the attended token first, last or in the middle, and one
// that attends only to BOS (left out).
func TestPlantedCopying(t *testing.T) {
	const V, R, bos = 7, 3, 6
	lay := newLayout(bos, R)
	ids := []int{bos, 2, 0, 4, 2, 0, 4}
	induction := planted(lay.T, func(i int) int { return i - R + 1 })
	// logits gives the token the head attends to the logit 0 and below of the other tokens logits
	// under it, the rest logits over it.
	logits := func(below int) []float32 {
		out := make([]float32, R*V)
		for r := range R {
			i := lay.second() + r
			target := ids[i-R+1]
			k := 0
			for v := range V {
				if v == target {
					continue
				}
				out[r*V+v] = float32(100 + k)
				if k < below {
					out[r*V+v] = float32(-100 + k)
				}
				k++
			}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		a     []float32
		below int
		want  float64
		n     int
	}{
		{"copies", induction, V - 1, 1, R},
		{"suppresses", induction, 0, -1, R},
		// Three of the six other tokens below, three above: (3 − 3)/6.
		{"middle", induction, 3, 0, R},
		{"attends to BOS only", planted(lay.T, func(int) int { return 0 }), V - 1, math.NaN(), 0},
	} {
		sum, n := copying(tc.a, logits(tc.below), ids, lay)
		got := sum / float64(n)
		if n != tc.n || (n > 0 && math.Abs(got-tc.want) > 1e-12) {
			t.Errorf("%s: copying %g over %d positions, want %g over %d", tc.name, got, n, tc.want, tc.n)
		}
	}
}

// TestRankScore checks the rank score against counting, ties included.
func TestRankScore(t *testing.T) {
	sorted := []float32{-1, 0, 0, 0, 2, 5}
	for _, tc := range []struct {
		x    float32
		want float64
	}{{5, 1}, {-1, -1}, {0, (1 - 2) / 5.0}, {2, (4 - 1) / 5.0}} {
		if got := rankScore(sorted, tc.x); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("rank score of %g in %v: %g, want %g", tc.x, sorted, got, tc.want)
		}
	}
}

// TestSequence checks the layout of a repeated sequence, that its tokens are distinct and never
// special, that a seed gives the same sequence and another seed another, and that a vocabulary too
// small is an error.
func TestSequence(t *testing.T) {
	special := []int{0, 3}
	a, err := Sequence(5, 6, 12, 11, special)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 13 || a[0] != 11 {
		t.Fatalf("sequence %v: want BOS 11 then 12 tokens", a)
	}
	seen := map[int]bool{}
	for k := 1; k <= 6; k++ {
		id := a[k]
		if id == 0 || id == 3 || id == 11 || id < 0 || id >= 12 || seen[id] {
			t.Errorf("token %d at %d: special, outside the vocabulary or repeated in %v", id, k, a)
		}
		seen[id] = true
		if a[k+6] != id {
			t.Errorf("position %d holds %d, want the repeat of %d", k+6, a[k+6], id)
		}
	}
	again, _ := Sequence(5, 6, 12, 11, special)
	other, _ := Sequence(6, 6, 12, 11, special)
	if !equal(a, again) || equal(a, other) {
		t.Errorf("seed 5 gave %v then %v; seed 6 gave %v", a, again, other)
	}
	none, err := Sequence(5, 4, 12, NoBOS, nil)
	if err != nil || len(none) != 8 {
		t.Errorf("without BOS: %v, %v; want 8 tokens", none, err)
	}
	if _, err := Sequence(1, 10, 12, 11, special); err == nil {
		t.Error("10 distinct tokens from 9 allowed: no error")
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
