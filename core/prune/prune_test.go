package prune

import (
	"fmt"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
)

var archs = []string{"bert", "bert-mlm", "distilbert", "gpt2", "openai-gpt"}

// TestHeadsMatchesTransformers prunes {0: [1], 2: [0, 3]} and compares every weight with the pruned model
// that transformers saved.
func TestHeadsMatchesTransformers(t *testing.T) {
	for _, arch := range archs {
		t.Run(arch, func(t *testing.T) {
			ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := checkpoint.LoadDir(golden.Path(t, arch, "pruned_model"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Heads(ck, map[int][]int{0: {1}, 2: {0, 3}})
			if err != nil {
				t.Fatal(err)
			}
			assertSameWeights(t, got, want)
			if fmt.Sprint(got.Config.PrunedHeads) != fmt.Sprint(want.Config.PrunedHeads) {
				t.Errorf("pruned_heads %v, want %v", got.Config.PrunedHeads, want.Config.PrunedHeads)
			}
			if len(ck.Config.PrunedHeads) != 0 || ck.Weights["transformer.h.0.attn.c_attn.weight"] != nil && ck.Weights["transformer.h.0.attn.c_attn.weight"].Shape[1] != 96 {
				t.Errorf("the input checkpoint was modified")
			}
		})
	}
}

// TestHeadsInSteps prunes in two calls, the second naming an already pruned head, and expects the same
// result as one call.
func TestHeadsInSteps(t *testing.T) {
	for _, arch := range archs {
		t.Run(arch, func(t *testing.T) {
			ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := checkpoint.LoadDir(golden.Path(t, arch, "pruned_model"))
			if err != nil {
				t.Fatal(err)
			}
			step, err := Heads(ck, map[int][]int{2: {3}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := Heads(step, map[int][]int{0: {1}, 2: {0, 3}})
			if err != nil {
				t.Fatal(err)
			}
			assertSameWeights(t, got, want)
		})
	}
}

func TestHeadsErrors(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	for _, heads := range []map[int][]int{{3: {0}}, {0: {4}}, {-1: {0}}} {
		if _, err := Heads(ck, heads); err == nil {
			t.Errorf("Heads(%v): no error", heads)
		}
	}
}

func assertSameWeights(t *testing.T, got, want *checkpoint.Checkpoint) {
	t.Helper()
	for name, w := range want.Weights {
		g, ok := got.Weights[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if !g.SameShape(w) {
			t.Errorf("%s: shape %v, want %v", name, g.Shape, w.Shape)
			continue
		}
		for i := range w.Data {
			if g.Data[i] != w.Data[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, g.Data[i], w.Data[i])
				break
			}
		}
	}
}
