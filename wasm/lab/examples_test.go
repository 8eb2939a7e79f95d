package lab

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/tensor"
	"bertology/wasm/protocol"
)

// TestExamples evaluates the golden BERT on the golden SST-2 file example by example: the share of
// correct rows is the evaluation's accuracy, the same as importance's evaluation of the same batches,
// and the confusion matrix counts each row once, where its label and prediction say.
func TestExamples(t *testing.T) {
	l := loadSST2(t)
	var reports []protocol.Progress
	res, err := callErr(l, context.Background(), protocol.OpExamples, &protocol.ExamplesRequest{MaxSeqLength: 16, BatchSize: 5},
		func(p protocol.Progress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	ex := res.(*protocol.ExamplesResult)
	checkExamples(t, ex, 12)
	if ex.Rows[0].TextA != "the quick brown fox" || ex.Rows[0].Label != 1 {
		t.Errorf("row 0 %+v", ex.Rows[0])
	}
	if last := reports[len(reports)-1]; last.Phase != "evaluate" || last.Done != last.Total || last.Total != 3 {
		t.Errorf("last progress %+v, want evaluate 3 of 3", last)
	}
	imp := call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 5})
	if got, want := *ex.Evaluation.Metrics["acc"], *imp.Evaluation.Metrics["acc"]; got != want {
		t.Errorf("accuracy %v, importance's evaluation %v", got, want)
	}
	// Every head masked in layer 0 changes the predictions, and the rows follow.
	mask := []float32{0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1}
	masked := call[protocol.ExamplesResult](t, l, protocol.OpExamples, &protocol.ExamplesRequest{MaxSeqLength: 16, BatchSize: 5, HeadMask: mask})
	checkExamples(t, masked, 12)
	ev := call[protocol.Evaluation](t, l, protocol.OpEvaluate, &protocol.EvaluateRequest{HeadMask: mask})
	if *masked.Evaluation.Metrics["loss"] != *ev.Metrics["loss"] || masked.Rows[0].Confidence == ex.Rows[0].Confidence {
		t.Errorf("masked: loss %v, evaluate's %v; confidence of row 0 %v, unmasked %v",
			*masked.Evaluation.Metrics["loss"], *ev.Metrics["loss"], masked.Rows[0].Confidence, ex.Rows[0].Confidence)
	}

	if _, err := callErr(loadBERT(t), context.Background(), protocol.OpExamples, &protocol.ExamplesRequest{}, nil); err == nil || !strings.Contains(err.Error(), "no data set is loaded") {
		t.Errorf("no data: error %v", err)
	}
	text := loadBERT(t)
	call[protocol.DatasetInfo](t, text, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "a.txt", Bytes: []byte("one line\n")})
	if _, err := callErr(text, context.Background(), protocol.OpExamples, &protocol.ExamplesRequest{}, nil); err == nil || !strings.Contains(err.Error(), "a.txt is plain text") {
		t.Errorf("plain text: error %v", err)
	}
}

// TestExamplesSST2Dev is the table of SST-2's dev split, 872 examples, through the golden BERT.
func TestExamplesSST2Dev(t *testing.T) {
	raw, err := os.ReadFile(golden.SharedPath(t, "data", "glue", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	l := loadBERT(t)
	call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: raw})
	checkExamples(t, call[protocol.ExamplesResult](t, l, protocol.OpExamples, &protocol.ExamplesRequest{BatchSize: 32}), 872)
}

// TestExamplesRegression evaluates a one-output head on the golden BERT (its classifier cut to the first
// class's row, a regressor as transformers makes one for STS-B) over STS-B pairs: each row's score is
// the model's output for its pair and its error the score less the gold, and the evaluation's Pearson
// correlation is that of the rows' scores and targets.
func TestExamplesRegression(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := *ck.Config
	cfg.Raw = maps.Clone(cfg.Raw)
	cfg.Raw["id2label"], cfg.Raw["label2id"] = json.RawMessage(`{"0": "LABEL_0"}`), json.RawMessage(`{"LABEL_0": 0}`)
	ck.Config = &cfg
	w, b := ck.Weights["classifier.weight"], ck.Weights["classifier.bias"]
	ck.Weights["classifier.weight"], ck.Weights["classifier.bias"] = tensor.FromData(w.Data[:w.Shape[1]], 1, w.Shape[1]), tensor.FromData(b.Data[:1], 1)
	files, err := checkpoint.Files(ck, "F32")
	if err != nil {
		t.Fatal(err)
	}
	l := New()
	call[protocol.ModelInfo](t, l, protocol.OpLoadModel, &protocol.LoadModelRequest{Files: files})
	tsv := "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n" +
		"0\tmain-captions\tMSRvid\t2012test\t0000\tnone\tnone\tthe quick brown fox\tthe lazy dog\t1.5\n" +
		"1\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\thello world\thello world\t5.0\n" +
		"2\tmain-captions\tMSRvid\t2012test\t0002\tnone\tnone\tthis movie is great\ti love the plot\t3.2\n"
	call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "STS-B/dev.tsv", Bytes: []byte(tsv)})
	ex := call[protocol.ExamplesResult](t, l, protocol.OpExamples, &protocol.ExamplesRequest{BatchSize: 2})
	if ex.Task != "sts-b" || !ex.Regression || len(ex.Rows) != 3 || len(ex.Classes) != 0 || len(ex.Confusion) != 0 {
		t.Fatalf("task %q, regression %v, %d rows, classes %q, confusion %v", ex.Task, ex.Regression, len(ex.Rows), ex.Classes, ex.Confusion)
	}
	var scores, targets []float64
	for i, r := range ex.Rows {
		fwd := call[protocol.ForwardResult](t, l, protocol.OpForward, &protocol.ForwardRequest{Text: r.TextA, Pair: r.TextB})
		if math.Abs(r.Score-float64(fwd.Logits.Data[0])) > 1e-5 || r.Error != r.Score-r.Target || r.Label != -1 || r.Predicted != -1 {
			t.Errorf("row %d %+v; forward's score %v", i, r, fwd.Logits.Data[0])
		}
		scores, targets = append(scores, r.Score), append(targets, r.Target)
	}
	if targets[0] != 1.5 || targets[1] != 5 {
		t.Errorf("targets %v", targets)
	}
	if got, want := *ex.Evaluation.Metrics["pearson"], stat.Correlation(scores, targets, nil); math.Abs(got-want) > 1e-6 {
		t.Errorf("pearson %v, the rows' %v", got, want)
	}
}

// checkExamples checks a table of n rows against its own evaluation and confusion matrix.
func checkExamples(t *testing.T, ex *protocol.ExamplesResult, n int) {
	t.Helper()
	if ex.Task != "sst-2" || ex.Regression || len(ex.Rows) != n || ex.Evaluation.Examples != n || len(ex.Classes) != 2 {
		t.Fatalf("task %q, regression %v, %d rows, %d examples, classes %q", ex.Task, ex.Regression, len(ex.Rows), ex.Evaluation.Examples, ex.Classes)
	}
	correct := 0
	counts := [2][2]int{}
	for i, r := range ex.Rows {
		if r.Correct != (r.Label == r.Predicted) || r.Confidence < 0.5 || r.Confidence > 1 {
			t.Errorf("row %d %+v", i, r)
		}
		if r.Correct {
			correct++
		}
		counts[r.Label][r.Predicted]++
	}
	if acc := float64(correct) / float64(n); acc != *ex.Evaluation.Metrics["acc"] {
		t.Errorf("accuracy of the rows %v, the evaluation's %v", acc, *ex.Evaluation.Metrics["acc"])
	}
	for a := range 2 {
		for p := range 2 {
			if ex.Confusion[a][p] != counts[a][p] {
				t.Errorf("confusion %v, the rows count %v", ex.Confusion, counts)
			}
		}
	}
}
