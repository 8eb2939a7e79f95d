package lab

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"bertology/wasm/protocol"
)

// TestAnalysesOfPrunedModel prunes the golden BERT to heads 0 and 3 in layer 0, every head in layer 1
// and none in layer 2, and runs every analysis on it: each answers, with the heads by their original
// numbers where it names heads.
func TestAnalysesOfPrunedModel(t *testing.T) {
	l := loadSST2(t)
	call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 4})
	res := call[protocol.PruneResult](t, l, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"0": {1, 2}, "2": {0, 1, 2, 3}}})
	kept := [][]int{{0, 3}, {0, 1, 2, 3}, {}}
	if got := res.Model.KeptHeads; len(got) != 3 || !slices.Equal(got[0], kept[0]) || !slices.Equal(got[1], kept[1]) || len(got[2]) != 0 {
		t.Fatalf("kept heads %v, want %v", got, kept)
	}
	const text = "the quick brown fox"

	// The neuron view's queries: head 3 of layer 0 by its number, its attention forward's second head's.
	fwd := call[protocol.ForwardResult](t, l, protocol.OpForward, &protocol.ForwardRequest{Text: text})
	q := call[protocol.QueriesResult](t, l, protocol.OpQueries, &protocol.QueriesRequest{Text: text, Layer: 0, Head: 3})
	n := len(fwd.Tokens)
	for i, p := range q.Probs.Data {
		if want := fwd.Attentions[0].Data[n*n+i]; math.Abs(float64(p-want)) > 1e-6 {
			t.Fatalf("queries of layer 0 head 3: attention [%d] %v, forward's %v", i, p, want)
		}
	}
	for _, h := range [][2]int{{0, 1}, {2, 0}} {
		_, err := callErr(l, context.Background(), protocol.OpQueries, &protocol.QueriesRequest{Text: text, Layer: h[0], Head: h[1]}, nil)
		if want := fmt.Sprintf("queries: head %d of layer %d was pruned", h[1], h[0]); err == nil || err.Error() != want {
			t.Errorf("queries of a pruned head: error %v, want %q", err, want)
		}
	}

	roll := call[protocol.RolloutResult](t, l, protocol.OpRollout, &protocol.RolloutRequest{Text: text})
	T := len(roll.Tokens)
	if roll.Heads != 4 || len(roll.Kept) != 3 || !slices.Equal(roll.Kept[0], kept[0]) || len(roll.Kept[2]) != 0 || roll.Flow == nil {
		t.Errorf("rollout: %d heads, kept %v, flow %v", roll.Heads, roll.Kept, roll.Flow != nil)
	}
	// Layer 2 has no heads: its combined attention is the identity, and the rollout passes through it.
	for i := range T {
		for j := range T {
			if a := roll.Attention.Data[(2*T+i)*T+j]; a != float32(boolFloat(i == j)) {
				t.Fatalf("layer 2's combined attention [%d,%d] = %v, want the identity's", i, j, a)
			}
			if r1, r2 := roll.Rollout.Data[(T+i)*T+j], roll.Rollout.Data[(2*T+i)*T+j]; r1 != r2 {
				t.Fatalf("rollout [%d,%d] after layer 2 %v, after layer 1 %v", i, j, r2, r1)
			}
		}
	}

	stats := call[protocol.AttnStatsResult](t, l, protocol.OpAttnStats, &protocol.AttnStatsRequest{Top: 12})
	for key, st := range stats.Statistics {
		for lh, v := range st.Data {
			layer, head := lh/4, lh%4
			if slices.Contains(kept[layer], head) == math.IsNaN(float64(v)) {
				t.Errorf("%s of layer %d head %d: %v", key, layer, head, v)
			}
		}
		for _, h := range stats.Top[key] {
			if !slices.Contains(kept[h.Layer], h.Head) {
				t.Errorf("%s: top head layer %d head %d was pruned", key, h.Layer, h.Head)
			}
		}
	}

	hidden := call[protocol.HiddenStatesResult](t, l, protocol.OpHiddenStates, &protocol.HiddenStatesRequest{Text: text})
	if len(hidden.Layers) != 4 {
		t.Errorf("hidden states at %d depths, want 4", len(hidden.Layers))
	}
	probe := call[protocol.ProbeResult](t, l, protocol.OpProbe, &protocol.ProbeRequest{})
	if len(probe.Layers) != 4 {
		t.Errorf("probes at %d depths, want 4", len(probe.Layers))
	}
	fwd = call[protocol.ForwardResult](t, l, protocol.OpForward, &protocol.ForwardRequest{Text: text})
	for layer, a := range fwd.Attentions {
		if a.Shape[0] != len(kept[layer]) {
			t.Errorf("layer %d's attention has %d heads, want %d", layer, a.Shape[0], len(kept[layer]))
		}
	}
}

// TestLensOfPrunedModel reads the residual stream of the golden GPT-2 pruned to one head in layer 0 and
// none in layer 1 through its head: every depth answers.
func TestLensOfPrunedModel(t *testing.T) {
	l := loadModel(t, "gpt2")
	call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "wiki.txt", Bytes: []byte("the quick brown fox\nhello world !\n")})
	call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 2})
	call[protocol.PruneResult](t, l, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"0": {0, 1, 2}, "1": {0, 1, 2, 3}}})
	lens := call[protocol.LensResult](t, l, protocol.OpLens, &protocol.LensRequest{Text: "the quick brown fox"})
	if len(lens.Layers) != 4 || len(lens.Tokens) == 0 {
		t.Errorf("lens at %d depths over %d tokens, want 4 depths", len(lens.Layers), len(lens.Tokens))
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
