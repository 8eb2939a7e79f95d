package prune

import (
	"fmt"
	"slices"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
)

// TestLlamaKeyValueHeads prunes query heads of the golden Llama (4 query heads sharing 2 key and value
// heads, head size 8): a key and value head goes with the last query head of its group, in one call or
// in two, and every weight kept is the original's row or column.
func TestLlamaKeyValueHeads(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "llama", "model"))
	if err != nil {
		t.Fatal(err)
	}
	const p = "model.layers.1.self_attn."
	rows := func(name string, idx ...int) []float32 { // rows of the original's weight, 32 wide, by head
		var out []float32
		for _, h := range idx {
			out = append(out, ck.Weights[p+name].Data[h*8*32:(h+1)*8*32]...)
		}
		return out
	}
	one, err := Heads(ck, map[int][]int{1: {2}})
	if err != nil {
		t.Fatal(err)
	}
	both, err := Heads(one, map[int][]int{1: {3, 2}})
	if err != nil {
		t.Fatal(err)
	}
	direct, err := Heads(ck, map[int][]int{1: {2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	assertSameWeights(t, both, direct)
	for _, tc := range []struct {
		name   string
		ck     *checkpoint.Checkpoint
		q, kv  []int // the query and key/value heads kept
		pruned string
	}{
		{"head 2", one, []int{0, 1, 3}, []int{0, 1}, "map[1:[2]]"},
		{"heads 2 and 3", both, []int{0, 1}, []int{0}, "map[1:[2 3]]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.ck.Weights
			if !slices.Equal(w[p+"q_proj.weight"].Data, rows("q_proj.weight", tc.q...)) {
				t.Errorf("q_proj keeps other rows than those of heads %v", tc.q)
			}
			for _, name := range []string{"k_proj.weight", "v_proj.weight"} {
				if !slices.Equal(w[p+name].Data, rows(name, tc.kv...)) {
					t.Errorf("%s has shape %v, want the rows of key and value heads %v", name, w[p+name].Shape, tc.kv)
				}
			}
			if got, want := w[p+"o_proj.weight"].Shape, []int{32, 8 * len(tc.q)}; !slices.Equal(got, want) {
				t.Errorf("o_proj has shape %v, want %v", got, want)
			}
			if got := fmt.Sprint(tc.ck.Config.PrunedHeads); got != tc.pruned {
				t.Errorf("pruned_heads %s, want %s", got, tc.pruned)
			}
		})
	}
	if got := ck.Weights[p+"k_proj.weight"].Shape; !slices.Equal(got, []int{16, 32}) {
		t.Errorf("the input checkpoint was modified: k_proj %v", got)
	}
}
