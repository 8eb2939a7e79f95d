package bertology

import (
	"bytes"
	"context"
	"math"
	"os"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

// TestPredictions reads each example's class, confidence and correctness off logits by hand: softmax
// of the row, its largest entry, against the label.
func TestPredictions(t *testing.T) {
	sst2, err := glue.LookupTask("sst-2")
	if err != nil {
		t.Fatal(err)
	}
	stsb, err := glue.LookupTask("sts-b")
	if err != nil {
		t.Fatal(err)
	}
	two := []*model.Batch{{Size: 2, Labels: []int{1, 0}}, {Size: 1, Labels: []int{1}}}
	// softmax([0, ln 3]) = [1/4, 3/4]; softmax([ln 4, 0]) = [4/5, 1/5]; softmax([2, 0]) = [e²/(e²+1), …].
	logits := []float32{0, float32(math.Log(3)), float32(math.Log(4)), 0, 2, 0}
	got, err := Predictions(sst2, logits, two)
	if err != nil {
		t.Fatal(err)
	}
	e2 := math.Exp(2)
	want := []Prediction{
		{Label: 1, Predicted: 1, Confidence: 0.75, Correct: true},
		{Label: 0, Predicted: 0, Confidence: 0.8, Correct: true},
		{Label: 1, Predicted: 0, Confidence: e2 / (e2 + 1), Correct: false},
	}
	if len(got) != len(want) {
		t.Fatalf("%d predictions, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Label != w.Label || g.Predicted != w.Predicted || g.Correct != w.Correct || math.Abs(g.Confidence-w.Confidence) > 1e-6 ||
			g.Score != 0 || g.Target != 0 || g.Error != 0 {
			t.Errorf("example %d: %+v, want %+v", i, g, w)
		}
	}
	if c := Confusion(got, 2); c[0][0] != 1 || c[0][1] != 0 || c[1][0] != 1 || c[1][1] != 1 {
		t.Errorf("confusion %v, want [[1 0] [1 1]]", c)
	}

	reg := []*model.Batch{{Size: 2, Targets: []float32{4.5, 1}}}
	got, err = Predictions(stsb, []float32{4, 1.25}, reg)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Score != 4 || got[0].Target != 4.5 || got[0].Error != -0.5 || got[1].Error != 0.25 || got[0].Predicted != -1 {
		t.Errorf("regression %+v", got)
	}

	for _, tc := range []struct {
		name    string
		task    *glue.Task
		logits  []float32
		batches []*model.Batch
	}{
		{"too few logits", sst2, logits[:5], two},
		{"no labels", sst2, nil, []*model.Batch{{Size: 1}}},
		{"too few scores", stsb, []float32{1}, reg},
	} {
		if _, err := Predictions(tc.task, tc.logits, tc.batches); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestPredictionsAgreeWithEvaluate runs the golden BERT over the run_bertology golden SST-2 file: the
// share of correct predictions is the evaluation's accuracy, and the confusion matrix counts every
// example once.
func TestPredictionsAgreeWithEvaluate(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles("bert", ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	task, _ := glue.LookupTask("sst-2")
	examples, err := glue.ReadTSV(bytes.NewReader(raw), task, "dev")
	if err != nil {
		t.Fatal(err)
	}
	batches, err := dataset.ForModel(m, tok, dataset.Data{Task: task, Examples: examples}, 16, 5)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := Evaluate(context.Background(), ModelRunner{Model: m, Workers: 2}, batches, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := TaskMetrics(task, imp.Logits, batches)
	if err != nil {
		t.Fatal(err)
	}
	preds, err := Predictions(task, imp.Logits, batches)
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != len(examples) {
		t.Fatalf("%d predictions for %d examples", len(preds), len(examples))
	}
	correct, total := 0, 0
	for i, p := range preds {
		if p.Label != examples[i].Label {
			t.Errorf("example %d: label %d, the file says %d", i, p.Label, examples[i].Label)
		}
		if p.Correct {
			correct++
		}
		if p.Confidence < 0.5 || p.Confidence > 1 {
			t.Errorf("example %d: confidence %v of the larger of two classes", i, p.Confidence)
		}
	}
	for _, row := range Confusion(preds, 2) {
		for _, n := range row {
			total += n
		}
	}
	if acc := float64(correct) / float64(len(preds)); acc != metrics["acc"] || total != len(preds) {
		t.Errorf("accuracy from the predictions %v, the evaluation's %v; confusion counts %d of %d", acc, metrics["acc"], total, len(preds))
	}
}
