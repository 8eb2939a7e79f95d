package bertology

import (
	"context"
	"math"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/tensor"
	"bertology/core/tokenizer"
)

// TestTaggingMetrics reads the words of each sequence at its labelled tokens and their predicted tags
// from the largest logits: here the second word of the first sequence is mistagged, splitting its
// entity in two.
func TestTaggingMetrics(t *testing.T) {
	classes := []string{"O", "B-PER", "I-PER"}
	const x = -100
	// Two batches: [CLS] Ann Lee [SEP] / [CLS] Bob ##s [SEP], then [CLS] ok [SEP].
	batches := []*model.Batch{
		{Size: 2, SeqLen: 4, Labels: []int{x, 1, 2, x, x, 1, x, x}},
		{Size: 1, SeqLen: 3, Labels: []int{x, 0, x}},
	}
	predicted := []int{0, 1, 1, 0, 0, 1, 2, 0, 0, 0, 0} // per token; those at -100 do not count
	logits := make([]float32, len(predicted)*len(classes))
	for i, c := range predicted {
		logits[i*len(classes)+c] = 1
	}
	got, err := TaggingMetrics(classes, logits, batches)
	if err != nil {
		t.Fatal(err)
	}
	// Truth: PER(Ann Lee), PER(Bob); predicted: PER(Ann), PER(Lee), PER(Bob). Words: 3 of 4 right.
	want := map[string]float64{"acc": 0.75, "precision": 1.0 / 3, "recall": 0.5, "f1": 0.4}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
	score, err := TaggingScore(classes, "f1", batches)(&Importance{Logits: logits})
	if err != nil || math.Abs(score-0.4) > 1e-12 {
		t.Errorf("TaggingScore f1 = %v, %v", score, err)
	}
	if _, err := TaggingScore(classes, "mcc", batches)(&Importance{Logits: logits}); err == nil ||
		!strings.Contains(err.Error(), `reports no metric "mcc" (it reports acc, f1, precision, recall)`) {
		t.Errorf("unknown metric: error %v", err)
	}
	if _, err := TaggingMetrics(classes, logits[3:], batches); err == nil {
		t.Error("too few logits: no error")
	}
}

// TestTokenClassifierImportance computes head importance of a token classifier on tagged sentences:
// the token-level loss's head-mask gradients, summed batch by batch in absolute value over the tokens
// seen, as for any other head.
func TestTokenClassifierImportance(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := *ck.Config
	cfg.Architectures, cfg.NumLabels = []string{"BertForTokenClassification"}, 3
	cfg.ID2Label = map[int]string{0: "O", 1: "B-ANI", 2: "I-ANI"}
	ck.Config = &cfg
	w := tensor.New(3, 32)
	for i := range w.Data {
		w.Data[i] = float32(math.Sin(float64(i)))
	}
	ck.Weights["classifier.weight"], ck.Weights["classifier.bias"] = w, tensor.FromData([]float32{0.1, -0.2, 0.3}, 3)
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles("bert", ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	tagged, err := glue.ReadTagged(strings.NewReader("the O\nquick B-ANI\nfox I-ANI\n\njumping O\nover O\nthe O\nlazy B-ANI\ndog I-ANI\n\ndog B-ANI\n"))
	if err != nil {
		t.Fatal(err)
	}
	batches, err := dataset.ForModel(m, tok, dataset.Data{Tagged: tagged}, 16, 2)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := ComputeImportance(context.Background(), ModelRunner{Model: m, Workers: 2}, batches, Options{Importance: true, Entropy: true})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, len(imp.Raw))
	var tokens float64
	for _, b := range batches {
		_, g, err := m.ForwardBackward(b, model.Options{}, model.GradOptions{HeadMask: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range g.HeadMask {
			want[i] += math.Abs(float64(v))
		}
		for _, v := range b.AttentionMask {
			tokens += float64(v)
		}
	}
	if imp.TotTokens != tokens {
		t.Errorf("TotTokens %v, want %v", imp.TotTokens, tokens)
	}
	nonzero := false
	for i, w := range want {
		if math.Abs(imp.Raw[i]-w/tokens) > 1e-7 {
			t.Errorf("raw importance %d: %v, want %v", i, imp.Raw[i], w/tokens)
		}
		nonzero = nonzero || w > 1e-4
	}
	if !nonzero {
		t.Error("every head-mask gradient is zero")
	}
	all, err := TaggingMetrics(cfg.LabelNames(), imp.Logits, batches)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := all["f1"]; !ok || all["acc"] < 0 || all["acc"] > 1 {
		t.Errorf("metrics %v", all)
	}
}
