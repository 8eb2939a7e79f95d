package bertology

import (
	"fmt"
	"math"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
)

// TestPruneAndCompareLlama prunes the heads the golden Llama's mask switches off, among them the whole
// group of layer 1's second key and value head: the pruned model evaluates as the masked one does (Hugging
// Face's masked loss), with the query, key, value and output weights of those heads gone.
func TestPruneAndCompareLlama(t *testing.T) {
	var g goldenFile
	golden.Decode(t, golden.Path(t, "llama", "golden_float32.json"), &g)
	ck, err := checkpoint.LoadDir(golden.Path(t, "llama", "model"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	in := g.Inputs
	batches := goldenBatches(in.InputIDs, in.AttentionMask, nil, in.Labels, 3)
	p, err := PruneAndCompare(t.Context(), ck, m, batches, g.Masked.HeadMask.F32(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(p.Heads), "map[0:[1] 1:[2 3] 2:[0]]"; got != want {
		t.Errorf("pruned heads %s, want %s", got, want)
	}
	// 4 query heads of 8 rows of q_proj and 8 columns of o_proj (32 wide), and layer 1's second key
	// and value head: 8 rows each of k_proj and v_proj
	if got, want := p.ParamsBefore-p.ParamsAfter, 4*2*8*32+2*8*32; got != want {
		t.Errorf("pruning removed %d parameters (%d → %d), want %d", got, p.ParamsBefore, p.ParamsAfter, want)
	}
	if d := math.Abs(p.Masked.Loss - g.Masked.Loss); d > 1e-5 {
		t.Errorf("masked loss %v, Hugging Face's %v", p.Masked.Loss, g.Masked.Loss)
	}
	if d := math.Abs(p.Pruned.Loss - p.Masked.Loss); d > 1e-5 {
		t.Errorf("pruned loss %v, masked %v", p.Pruned.Loss, p.Masked.Loss)
	}
	if p.TimeMasked <= 0 || p.TimePruned <= 0 {
		t.Errorf("times %v and %v, want both measured", p.TimeMasked, p.TimePruned)
	}
	if heads := p.Model.Heads(1); fmt.Sprint(heads) != "[0 1]" {
		t.Errorf("the pruned model's layer 1 keeps heads %v, want [0 1]", heads)
	}
}
