package model

import (
	"math"
	"slices"
	"testing"
)

// TestQueriesKeysGiveAttentions checks the kept queries and keys against the goldens' attention
// probabilities: softmax(q·k / ScoreScale(l)) over the keys the padding (and a causal model's order)
// leaves, computed here from Output.Queries and Output.Keys, is Hugging Face's attention, for every
// architecture (a Llama's q and k after its rotary embeddings, its query heads sharing key heads).
func TestQueriesKeysGiveAttentions(t *testing.T) {
	for _, arch := range append(slices.Clone(goldenArchs), "llama") {
		t.Run(arch, func(t *testing.T) {
			g := loadGolden(t, arch)
			m := loadModel(t, arch, "model")
			b := goldenBatch(g.Inputs)
			out, err := m.Forward(b, Options{QueriesKeys: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Queries) != len(g.Forward.Attentions) || len(out.Keys) != len(out.Queries) {
				t.Fatalf("%d layers of queries, %d of keys, golden has %d attentions", len(out.Queries), len(out.Keys), len(g.Forward.Attentions))
			}
			worst := 0.0
			for l, want := range g.Forward.Attentions {
				q, k := out.Queries[l], out.Keys[l]
				nh, hd, tt := q.Shape[1], q.Shape[3], b.SeqLen
				if nh*b.Size*tt*tt != len(want.Data) {
					t.Fatalf("layer %d: %v queries for a golden attention of shape %v", l, q.Shape, want.Shape)
				}
				scale := float64(m.ScoreScale(l))
				for bi := 0; bi < b.Size; bi++ {
					for h := 0; h < nh; h++ {
						base := (bi*nh + h) * tt
						for i := 0; i < tt; i++ {
							probs := softmaxScores(q.Data, k.Data, base, i, tt, hd, scale, b.AttentionMask[bi*tt:(bi+1)*tt], m.Causal())
							for j, p := range probs {
								worst = max(worst, math.Abs(p-want.Data[(base+i)*tt+j]))
							}
						}
					}
				}
			}
			t.Logf("max |softmax(q·k/scale) - golden attention| = %.2g", worst)
			if worst > tolerance {
				t.Errorf("max |diff| %.2g > %g", worst, tolerance)
			}
		})
	}
}

// softmaxScores is query i's attention over the keys of one head, in float64, from queries and keys
// [.., T, hd] whose head starts at row base: the keys that mask pads, and a causal model's later keys,
// get 0.
func softmaxScores(q, k []float32, base, i, t, hd int, scale float64, mask []int, causal bool) []float64 {
	scores := make([]float64, t)
	top := math.Inf(-1)
	for j := range scores {
		scores[j] = math.Inf(-1)
		if mask[j] == 0 || causal && j > i {
			continue
		}
		var s float64
		for d := 0; d < hd; d++ {
			s += float64(q[(base+i)*hd+d]) * float64(k[(base+j)*hd+d])
		}
		scores[j] = s / scale
		top = max(top, scores[j])
	}
	var sum float64
	for j, s := range scores {
		scores[j] = math.Exp(s - top)
		sum += scores[j]
	}
	for j := range scores {
		scores[j] /= sum
	}
	return scores
}
