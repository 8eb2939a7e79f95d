package analysis

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"bertology/core/attnstats"
	"bertology/core/model"
	"bertology/core/prune"
	"bertology/core/rollout"
)

// TestPrunedModel runs the analyses of attention on the golden BERT (3 layers × 4 heads) pruned to
// heads 0 and 3 in layer 0, all four in layer 1 and none in layer 2. Pruning a head is masking it
// (Michel et al.), so its attention maps are the full model's with those heads masked, at the heads'
// original numbers; rollout and flow of the pruned model are those of the masked model's maps of the
// kept heads, and its attention statistics theirs, with none (NaN) for the pruned heads.
func TestPrunedModel(t *testing.T) {
	ck, full, tok := load(t, "bert")
	pruned := map[int][]int{0: {1, 2}, 2: {0, 1, 2, 3}}
	pck, err := prune.Heads(ck, pruned)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(pck)
	if err != nil {
		t.Fatal(err)
	}
	kept := [][]int{{0, 3}, {0, 1, 2, 3}, {}}
	mask := make([]float32, 12)
	for l, hs := range kept {
		for _, h := range hs {
			mask[l*4+h] = 1
		}
	}
	_, encs := goldenEncodings(t, "bert")
	acc := attnstats.New(3, 4, SpecialTokens(tok))
	for s, enc := range encs {
		got, err := Attention(m, enc)
		if err != nil {
			t.Fatal(err)
		}
		if got.Heads != 4 || len(got.Kept) != 3 || !slices.Equal(got.Kept[0], kept[0]) || !slices.Equal(got.Kept[1], kept[1]) || len(got.Kept[2]) != 0 {
			t.Fatalf("sequence %d: %d heads, kept %v, want 4 and %v", s, got.Heads, got.Kept, kept)
		}
		out, err := full.Forward(Batch(full, encs[s:s+1], 0), model.Options{Attentions: true, HeadMask: mask})
		if err != nil {
			t.Fatal(err)
		}
		masked, err := rollout.Crop(out.Attentions, 0, enc.AttentionMask)
		if err != nil {
			t.Fatal(err)
		}
		// The masked model's maps of the kept heads.
		want := &rollout.Attention{Heads: 4, T: masked.T, Kept: kept, Layers: make([][]float32, 3)}
		TT := masked.T * masked.T
		for l, hs := range kept {
			for _, h := range hs {
				want.Layers[l] = append(want.Layers[l], masked.Layers[l][h*TT:(h+1)*TT]...)
			}
		}
		assertAttention(t, fmt.Sprintf("sequence %d", s), got, want)
		res, err := rollout.Compute(t.Context(), got, rollout.DefaultOptions(), true, nil)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := rollout.Compute(t.Context(), want, rollout.DefaultOptions(), true, nil)
		if err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2][]float32{"rollout": {res.Rollout.Data, ref.Rollout.Data}, "flow": {res.Flow.Data, ref.Flow.Data}} {
			for k := range pair[1] {
				if math.Abs(float64(pair[0][k]-pair[1][k])) > tolerance {
					t.Fatalf("sequence %d: %s entry %d = %v, the masked model's %v", s, name, k, pair[0][k], pair[1][k])
				}
			}
		}
		// Layer 2 has no heads: the rollout passes through it.
		if last := res.Rollout.Data[2*TT:]; !slices.Equal(last, res.Rollout.Data[TT:2*TT]) {
			t.Errorf("sequence %d: rollout after layer 2 differs from after layer 1, through a layer without heads", s)
		}
		if err := acc.Add(TokenStrings(tok, enc.IDs), want); err != nil {
			t.Fatal(err)
		}
	}
	got, err := AttentionStats(t.Context(), ModelRunner{Model: m}, m, tok, encs, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantStats := acc.Result()
	for s := range attnstats.NumStatistics {
		for l := range 3 {
			for h := range 4 {
				g, w := got.At(s, l, h), wantStats.At(s, l, h)
				if slices.Contains(pruned[l], h) != math.IsNaN(g) || !math.IsNaN(w) && math.Abs(g-w) > tolerance {
					t.Errorf("%s of layer %d head %d: %v, want %v", s, l, h, g, w)
				}
			}
		}
	}
}
