package lab

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/tensor"
	"bertology/wasm/protocol"
)

// tokenClassifierFiles are the golden BERT's files as a token classifier of O, B-ANI and I-ANI, with a
// made-up classifier.
func tokenClassifierFiles(t *testing.T) map[string][]byte {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := *ck.Config
	cfg.Raw = map[string]json.RawMessage{}
	for k, v := range ck.Config.Raw {
		cfg.Raw[k] = v
	}
	cfg.Raw["architectures"] = json.RawMessage(`["BertForTokenClassification"]`)
	cfg.Raw["id2label"] = json.RawMessage(`{"0": "O", "1": "B-ANI", "2": "I-ANI"}`)
	ck.Config = &cfg
	w := tensor.New(3, 32)
	for i := range w.Data {
		w.Data[i] = float32(math.Sin(float64(i)))
	}
	ck.Weights["classifier.weight"], ck.Weights["classifier.bias"] = w, tensor.FromData([]float32{0.5, -0.2, 0.3}, 3)
	files, err := checkpoint.Files(ck, "F32")
	if err != nil {
		t.Fatal(err)
	}
	return files
}

const conllAnimals = "-DOCSTART- -X- -X- O\n\nthe O\nquick B-ANI\nfox I-ANI\n\njumping O\nover O\nthe O\nlazy B-ANI\ndog I-ANI\n\ndog B-ANI\n"

// TestTaggedWords loads a CoNLL-style file, detected from its content, and computes head importance of
// a token classifier on it, judged by entity F1; the masking loop runs on the same metric.
func TestTaggedWords(t *testing.T) {
	l := New()
	info, err := l.Handle(context.Background(), protocol.OpLoadModel, map[string]any{"files": filesTree(tokenClassifierFiles(t))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mi := info.(*protocol.ModelInfo); mi.Architecture != "BertForTokenClassification" || !slices.Equal(mi.Labels, []string{"O", "B-ANI", "I-ANI"}) {
		t.Fatalf("model %s, labels %v", mi.Architecture, mi.Labels)
	}
	d := call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "animals.txt", Bytes: []byte(conllAnimals)})
	if d.Task != "ner" || !d.Detected || d.Count != 3 || d.Metric != "f1" || !slices.Equal(d.Labels, []string{"B-ANI", "I-ANI", "O"}) {
		t.Fatalf("data set %+v", d)
	}
	if d.Preview[0] != (protocol.DatasetRow{TextA: "the quick fox", Label: "O B-ANI I-ANI"}) {
		t.Errorf("preview %+v", d.Preview[0])
	}
	imp := call[protocol.ImportanceResult](t, l, protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16, BatchSize: 2})
	ev := imp.Evaluation
	if ev.Metric != "f1" || ev.Examples != 3 || ev.Metrics["f1"] == nil || ev.Metrics["acc"] == nil || ev.Metrics["precision"] == nil {
		t.Errorf("evaluation %+v", ev)
	}
	if slices.Max(imp.Importance) != 1 || imp.TotTokens != 16 {
		t.Errorf("importance %v over %v tokens", imp.Importance, imp.TotTokens)
	}
	masking := call[protocol.MaskingResult](t, l, protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{Threshold: 0.9, Amount: 0.1})
	if masking.Metric != "f1" {
		t.Errorf("the masking loop watched %q", masking.Metric)
	}
	if _, err := callErr(l, context.Background(), protocol.OpMaskingLoop, &protocol.MaskingLoopRequest{Threshold: 0.9, Amount: 0.1, Metric: "mcc"}, nil); err == nil ||
		!strings.Contains(err.Error(), `metric "mcc": tagged words reports acc, f1, precision, recall`) {
		t.Errorf("metric mcc: error %v", err)
	}

	// The same file chosen as ner reads the same; a sequence classifier refuses it.
	call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "animals.conll", Bytes: []byte(conllAnimals), Task: "ner"})
	bert := loadBERT(t)
	call[protocol.DatasetInfo](t, bert, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "animals.txt", Bytes: []byte(conllAnimals)})
	if _, err := callErr(bert, context.Background(), protocol.OpImportance, &protocol.ImportanceRequest{MaxSeqLength: 16}, nil); err == nil ||
		!strings.Contains(err.Error(), "tagged words need a token classifier") {
		t.Errorf("a sequence classifier on tagged words: error %v", err)
	}
}
