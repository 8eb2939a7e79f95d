package lab

import (
	"testing"

	"bertology/wasm/protocol"
)

// TestSession follows the lab's state through the workflow's steps: each step that changes it shows
// in the next session answer.
func TestSession(t *testing.T) {
	l := New()
	session := func() *protocol.Session { return call[protocol.Session](t, l, protocol.OpSession, nil) }
	if s := session(); s.Model != nil || s.Dataset != nil || s.Restorable || s.Importance {
		t.Fatalf("a new lab's session %+v", s)
	}

	bert := readModel(t, "bert")
	loadModel := func() {
		call[protocol.ModelInfo](t, l, protocol.OpLoadModel, &protocol.LoadModelRequest{Files: bert})
	}
	type want struct {
		params      int // 0: the golden BERT's
		pruned      map[string][]int
		restorable  bool
		importance  bool
		withDataset bool
	}
	steps := []struct {
		name string
		run  func()
		want want
	}{
		{"load a model", loadModel, want{pruned: map[string][]int{}}},
		{"load a data set", func() {
			call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: sst2(t)})
		}, want{pruned: map[string][]int{}, withDataset: true}},
		{"compute importance", func() {
			call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{})
		}, want{pruned: map[string][]int{}, importance: true, withDataset: true}},
		{"prune", func() {
			call[protocol.PruneResult](t, l, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"0": {1}, "2": {3, 0}}})
		}, want{params: -1, pruned: map[string][]int{"0": {1}, "2": {0, 3}}, restorable: true, importance: true, withDataset: true}},
		{"prune again", func() {
			call[protocol.PruneResult](t, l, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"0": {2}}})
		}, want{params: -1, pruned: map[string][]int{"0": {1, 2}, "2": {0, 3}}, restorable: true, importance: true, withDataset: true}},
		{"restore", func() {
			call[protocol.ModelInfo](t, l, protocol.OpRestoreModel, nil)
		}, want{pruned: map[string][]int{}, importance: true, withDataset: true}},
		{"load a model again", loadModel, want{pruned: map[string][]int{}, withDataset: true}},
	}
	original := 0
	for _, step := range steps {
		step.run()
		s := session()
		info := call[protocol.ModelInfo](t, l, protocol.OpModelInfo, nil)
		if original == 0 {
			original = info.Params
		}
		switch {
		case s.Model == nil || s.Model.Params != info.Params:
			t.Errorf("%s: session's model %+v, the lab's %+v", step.name, s.Model, info)
		case step.want.params == 0 && info.Params != original, step.want.params < 0 && info.Params >= original:
			t.Errorf("%s: %d params, the model before pruning has %d", step.name, info.Params, original)
		}
		if !equalHeads(s.PrunedHeads, step.want.pruned) || s.Restorable != step.want.restorable || s.Importance != step.want.importance {
			t.Errorf("%s: pruned %v, restorable %v, importance %v; want %+v", step.name, s.PrunedHeads, s.Restorable, s.Importance, step.want)
		}
		if (s.Dataset != nil) != step.want.withDataset || s.Dataset != nil && s.Dataset.Count != 12 {
			t.Errorf("%s: data set %+v", step.name, s.Dataset)
		}
	}
}

// TestSessionOfAPrunedCheckpoint: a checkpoint that comes pruned shows its pruned_heads, but there is
// no model before it to restore.
func TestSessionOfAPrunedCheckpoint(t *testing.T) {
	l := loadSST2(t)
	call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{})
	call[protocol.PruneResult](t, l, protocol.OpPrune, &protocol.PruneRequest{Heads: map[string][]int{"1": {2}}})
	exported := call[protocol.ExportedFiles](t, l, protocol.OpExportModel, &protocol.ExportModelRequest{})
	other := New()
	call[protocol.ModelInfo](t, other, protocol.OpLoadModel, &protocol.LoadModelRequest{Files: exported.Files})
	s := call[protocol.Session](t, other, protocol.OpSession, nil)
	if !equalHeads(s.PrunedHeads, map[string][]int{"1": {2}}) || s.Restorable || s.Importance || s.Dataset != nil {
		t.Errorf("session %+v", s)
	}
}
