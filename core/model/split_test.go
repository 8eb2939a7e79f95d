package model

import "testing"

func TestBatchSplit(t *testing.T) {
	b := &Batch{Size: 3, SeqLen: 2, InputIDs: []int{1, 2, 3, 4, 5, 6}, AttentionMask: []int{1, 1, 1, 0, 1, 1},
		Labels: []int{7, 8, 9}}
	parts := b.Split(2)
	if len(parts) != 2 || parts[0].Size != 2 || parts[1].Size != 1 {
		t.Fatalf("split into %d parts", len(parts))
	}
	if parts[1].InputIDs[0] != 5 || parts[1].Labels[0] != 9 || parts[0].AttentionMask[3] != 0 || parts[1].TokenTypeIDs != nil {
		t.Fatalf("second part %+v, first %+v", parts[1], parts[0])
	}
	lm := &Batch{Size: 2, SeqLen: 2, InputIDs: []int{1, 2, 3, 4}, Labels: []int{1, 2, 3, 4}}
	if p := lm.Split(1); p[1].Labels[0] != 3 || len(p[1].Labels) != 2 {
		t.Fatalf("per-token labels split as %v", p[1].Labels)
	}
}
