package attnstats

import (
	"math"
	"slices"
	"testing"
)

// TestSummarize summarises the accumulator of TestAccumulator: every statistic under its key, as
// [layers, heads] float32 values, and its top heads.
func TestSummarize(t *testing.T) {
	acc := New(2, 2, []string{"[SEP]"})
	for _, tokens := range [][]string{{"[CLS]", "hello", ",", "[SEP]"}, {"[CLS]", "[SEP]"}} {
		if err := acc.Add(tokens, example(len(tokens))); err != nil {
			t.Fatal(err)
		}
	}
	r := acc.Result()
	sum := r.Summarize(1)
	if sum.Examples != 2 || sum.Tokens != 6 || sum.Layers != 2 || sum.Heads != 2 || len(sum.Statistics) != int(NumStatistics) || len(sum.Top) != int(NumStatistics) {
		t.Fatalf("%d examples, %d tokens, %d × %d heads, %d statistics, %d top lists", sum.Examples, sum.Tokens, sum.Layers, sum.Heads, len(sum.Statistics), len(sum.Top))
	}
	for s := range NumStatistics {
		values := sum.Statistics[s.Key()]
		if values == nil || !slices.Equal(values.Shape, []int{2, 2}) {
			t.Fatalf("%s: values %v, want [2 2]", s.Key(), values)
		}
		for k, v := range values.Data {
			if want := float32(r.Mean[s][k]); v != want {
				t.Errorf("%s[%d] = %v, want %v", s.Key(), k, v, want)
			}
		}
		if top := sum.Top[s.Key()]; !slices.Equal(top, r.Top(s, 1)) {
			t.Errorf("%s: top %v, want %v", s.Key(), top, r.Top(s, 1))
		}
	}
	if top := sum.Top[ToNext.Key()]; len(top) != 1 || top[0] != (HeadScore{1, 1, 1}) {
		t.Errorf("top of to_next: %v, want layer 1 head 1 with 1", top)
	}

	// Without examples the values are NaN and the lists empty, not null.
	empty := New(1, 1, nil).Result().Summarize(3)
	if v := empty.Statistics[Entropy.Key()].Data[0]; !math.IsNaN(float64(v)) || empty.Top[Entropy.Key()] == nil || len(empty.Top[Entropy.Key()]) != 0 {
		t.Errorf("empty: entropy %v, top %#v", v, empty.Top[Entropy.Key()])
	}
}

func TestStatisticKey(t *testing.T) {
	want := []string{"to_first", "to_special", "to_punct", "to_prev", "to_next", "distance", "entropy"}
	for s := range NumStatistics {
		if s.Key() != want[s] {
			t.Errorf("statistic %d (%v): key %q, want %q", s, s, s.Key(), want[s])
		}
	}
}
