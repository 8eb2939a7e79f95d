package attnstats

import (
	"math"
	"strings"
	"testing"

	"bertology/core/rollout"
)

// Hand-built heads over T tokens, each [T, T] row-major.
func prevHead(T int) []float32 { // query i attends fully to i−1; query 0 to itself
	m := make([]float32, T*T)
	for i := 0; i < T; i++ {
		m[i*T+max(i-1, 0)] = 1
	}
	return m
}

func nextHead(T int) []float32 { // query i attends fully to i+1; the last query to itself
	m := make([]float32, T*T)
	for i := 0; i < T; i++ {
		m[i*T+min(i+1, T-1)] = 1
	}
	return m
}

func uniformHead(T int) []float32 {
	m := make([]float32, T*T)
	for k := range m {
		m[k] = 1 / float32(T)
	}
	return m
}

// example builds two layers of two heads: layer 0 = (previous-token head, uniform head), layer 1 = (uniform
// head, next-token head).
func example(T int) *rollout.Attention {
	cat := func(a, b []float32) []float32 { return append(append([]float32(nil), a...), b...) }
	return &rollout.Attention{Heads: 2, T: T, Layers: [][]float32{
		cat(prevHead(T), uniformHead(T)),
		cat(uniformHead(T), nextHead(T)),
	}}
}

// The data set: "[CLS] hello , [SEP]" (T=4, punctuation at 2, [SEP] at 3) and "[CLS] [SEP]" (T=2, [SEP] at
// 1): 6 queries in all, 4 of which have a previous (and 4 a next) token.
//
// Previous-token head, per query (T=4 rows 0..3 attend to 0,0,1,2; T=2 rows attend to 0,0):
//
//	first:    T=4: 1+1+0+0 = 2, T=2: 1+1 = 2            → 4/6
//	[SEP]:    nobody attends to 3 or to 1 in T=2        → 0
//	punct:    row 3 attends to "," → 1                  → 1/6
//	previous: rows 1..3 of T=4 and row 1 of T=2: all 1  → 4/4 = 1
//	next:     0                                          → 0
//	distance: T=4: 0+1+1+1 = 3, T=2: 0+1 = 1            → 4/6
//	entropy:  one-hot rows                               → 0
//
// Uniform head (1/4 per key for T=4, 1/2 for T=2):
//
//	first:    4·1/4 + 2·1/2 = 2                          → 2/6
//	[SEP]:    likewise 2                                 → 2/6
//	punct:    T=4: 4·1/4 = 1, T=2: 0                     → 1/6
//	previous: T=4: 3·1/4, T=2: 1/2 → 1.25                → 1.25/4
//	next:     the same                                   → 1.25/4
//	distance: T=4 rows: 6/4 + 4/4 + 4/4 + 6/4 = 5; T=2 rows: 1/2 + 1/2 = 1 → 6/6 = 1
//	entropy:  4·ln 4 + 2·ln 2 = 10 ln 2                  → 10 ln 2 / 6
//
// Next-token head (T=4 rows attend to 1,2,3,3; T=2 rows to 1,1):
//
//	first:    0                                          → 0
//	[SEP]:    T=4 rows 2 and 3, T=2 rows 0 and 1 → 4     → 4/6
//	punct:    row 1 attends to "," → 1                   → 1/6
//	previous: 0                                          → 0
//	next:     rows 0..2 of T=4 and row 0 of T=2: all 1   → 4/4 = 1
//	distance: T=4: 1+1+1+0 = 3, T=2: 1+0 = 1            → 4/6
//	entropy:                                             → 0
func TestAccumulator(t *testing.T) {
	acc := New(2, 2, []string{"[SEP]"})
	for _, tokens := range [][]string{{"[CLS]", "hello", ",", "[SEP]"}, {"[CLS]", "[SEP]"}} {
		if err := acc.Add(tokens, example(len(tokens))); err != nil {
			t.Fatal(err)
		}
	}
	r := acc.Result()
	if r.Examples != 2 || r.Tokens != 6 {
		t.Fatalf("%d examples, %d tokens; want 2, 6", r.Examples, r.Tokens)
	}
	prev := [NumStatistics]float64{4.0 / 6, 0, 1.0 / 6, 1, 0, 4.0 / 6, 0}
	uniform := [NumStatistics]float64{2.0 / 6, 2.0 / 6, 1.0 / 6, 1.25 / 4, 1.25 / 4, 1, 10 * math.Ln2 / 6}
	next := [NumStatistics]float64{0, 4.0 / 6, 1.0 / 6, 0, 1, 4.0 / 6, 0}
	for _, head := range []struct {
		layer, head int
		want        [NumStatistics]float64
	}{{0, 0, prev}, {0, 1, uniform}, {1, 0, uniform}, {1, 1, next}} {
		for s := Statistic(0); s < NumStatistics; s++ {
			// float32 weights such as 1/4 are exact; 1/2 and 1 too, so only summation order matters.
			if got := r.At(s, head.layer, head.head); math.Abs(got-head.want[s]) > 1e-12 {
				t.Errorf("layer %d head %d %v = %v, want %v", head.layer, head.head, s, got, head.want[s])
			}
		}
	}

	top := r.Top(ToPrev, 2)
	if len(top) != 2 || top[0] != (HeadScore{0, 0, 1}) || top[1].Score != 1.25/4 {
		t.Errorf("Top(previous, 2) = %v, want layer 0 head 0 first with score 1, then a uniform head", top)
	}
	if top := r.Top(ToNext, 1); len(top) != 1 || top[0] != (HeadScore{1, 1, 1}) {
		t.Errorf("Top(next, 1) = %v, want layer 1 head 1 with score 1", top)
	}
	if n := len(r.Top(Entropy, 10)); n != 4 {
		t.Errorf("Top(entropy, 10) has %d heads, want all 4", n)
	}
}

// TestMeasureAddSums measures the examples of TestAccumulator in another accumulator and adds their
// sums: the result is Add's, bit for bit.
func TestMeasureAddSums(t *testing.T) {
	special := []string{"[SEP]"}
	added, summed, measurer := New(2, 2, special), New(2, 2, special), New(2, 2, special)
	for _, tokens := range [][]string{{"[CLS]", "hello", ",", "[SEP]"}, {"[CLS]", "[SEP]"}, {"a", "b", ".", "c", "d"}} {
		if err := added.Add(tokens, example(len(tokens))); err != nil {
			t.Fatal(err)
		}
		sums, err := measurer.Measure(tokens, example(len(tokens)))
		if err != nil {
			t.Fatal(err)
		}
		if sums.Tokens != len(tokens) || len(sums.Values) != int(NumStatistics)*4 {
			t.Fatalf("sums over %d tokens with %d values, want %d and %d", sums.Tokens, len(sums.Values), len(tokens), NumStatistics*4)
		}
		if err := summed.AddSums(sums); err != nil {
			t.Fatal(err)
		}
	}
	if r := measurer.Result(); r.Examples != 0 || r.Tokens != 0 {
		t.Errorf("Measure counted examples: %+v", r)
	}
	want, got := added.Result(), summed.Result()
	if got.Examples != 3 || got.Tokens != want.Tokens {
		t.Fatalf("%d examples of %d tokens, want 3 of %d", got.Examples, got.Tokens, want.Tokens)
	}
	for s := range NumStatistics {
		for k, v := range got.Mean[s] {
			if math.Float64bits(v) != math.Float64bits(want.Mean[s][k]) {
				t.Errorf("%v of head %d: %v, Add gives %v", s, k, v, want.Mean[s][k])
			}
		}
	}

	if _, err := measurer.Measure([]string{"a"}, example(2)); err == nil || err.Error() != "attnstats: the example has 1 tokens for attention over 2" {
		t.Errorf("Measure of a misfit: error %v", err)
	}
	if err := summed.AddSums(&Sums{Values: make([]float64, 7), Tokens: 2}); err == nil ||
		err.Error() != "attnstats: example 3 has 7 sums over 2 tokens, want 7 statistics × 2 layers × 2 heads over at least one" {
		t.Errorf("AddSums of a misfit: error %v", err)
	}
	if err := summed.AddSums(nil); err == nil || err.Error() != "attnstats: example 3 has no sums" {
		t.Errorf("AddSums of nothing: error %v", err)
	}
	if r := summed.Result(); r.Examples != 3 {
		t.Errorf("a rejected sum was counted: %d examples", r.Examples)
	}
}

func TestAccumulatorEmpty(t *testing.T) {
	r := New(1, 1, nil).Result()
	if !math.IsNaN(r.At(ToFirst, 0, 0)) || len(r.Top(ToFirst, 3)) != 0 {
		t.Fatalf("empty result: %v, top %v; want NaN and no heads", r.At(ToFirst, 0, 0), r.Top(ToFirst, 3))
	}
}

func TestAddErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tokens []string
		att    *rollout.Attention
		want   string
	}{
		{"token count", []string{"a", "b", "c"}, example(2), "example 0 has 3 tokens for attention over 2"},
		{"heads", []string{"a", "b"}, &rollout.Attention{Heads: 1, T: 2, Layers: [][]float32{prevHead(2), prevHead(2)}}, "1 heads, want 2 of 2"},
		{"negative weight", []string{"a", "b"}, &rollout.Attention{Heads: 2, T: 2, Layers: [][]float32{{1, 0, 0, 1, -1, 0, 0, 1}, prevHead(2)}}, "layer 0 head 1 weight [0,0] is -1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			acc := New(2, 2, nil)
			err := acc.Add(tt.tokens, tt.att)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if r := acc.Result(); r.Examples != 0 || r.Tokens != 0 {
				t.Fatalf("a rejected example was counted: %+v", r)
			}
		})
	}
}

func TestIsPunctuation(t *testing.T) {
	for tok, want := range map[string]bool{
		",": true, "...": true, "##.": true, "$": true, "(": true, " ;": true, "—": true,
		"[SEP]": false, "'s": false, "Ġ,": false, "": false, " ": false, "a.": false, "3": false,
	} {
		if got := IsPunctuation(tok); got != want {
			t.Errorf("IsPunctuation(%q) = %v, want %v", tok, got, want)
		}
	}
}

// TestPrunedHeads measures a model of 2 layers × 2 heads pruned to head 1 of layer 0: its statistics
// sit at their original place, by hand, and the pruned heads have none (NaN), which Top leaves out.
func TestPrunedHeads(t *testing.T) {
	att := &rollout.Attention{Heads: 2, T: 2, Kept: [][]int{{1}, {}},
		Layers: [][]float32{{0.25, 0.75, 0.5, 0.5}, {}}}
	acc := New(2, 2, []string{"[CLS]"})
	if err := acc.Add([]string{"[CLS]", "."}, att); err != nil {
		t.Fatal(err)
	}
	r := acc.Result()
	entropy := (-(0.25*math.Log(0.25) + 0.75*math.Log(0.75)) + math.Log(2)) / 2
	want := map[Statistic]float64{ToFirst: 0.375, ToSpecial: 0.375, ToPunct: 0.625, ToPrev: 0.5, ToNext: 0.75, Distance: 0.625, Entropy: entropy}
	for s, w := range want {
		if got := r.At(s, 0, 1); math.Abs(got-w) > 1e-12 {
			t.Errorf("%s of layer 0 head 1 = %v, want %v", s, got, w)
		}
		for _, lh := range [][2]int{{0, 0}, {1, 0}, {1, 1}} {
			if got := r.At(s, lh[0], lh[1]); !math.IsNaN(got) {
				t.Errorf("%s of pruned layer %d head %d = %v, want NaN", s, lh[0], lh[1], got)
			}
		}
		if top := r.Top(s, 4); len(top) != 1 || top[0] != (HeadScore{Layer: 0, Head: 1, Score: r.At(s, 0, 1)}) {
			t.Errorf("top heads of %s: %v, want layer 0 head 1 alone", s, top)
		}
	}
}
