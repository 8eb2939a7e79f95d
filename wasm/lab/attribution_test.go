package lab

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"bertology/core/model"
	"bertology/core/patching"
	"bertology/core/saliency"
	"bertology/wasm/protocol"
)

// TestSaliencyOp runs the op through Handle, as the page does, and expects the core's numbers: the
// completeness of integrated gradients on the golden BERT, and a gradient matching the core's.
func TestSaliencyOp(t *testing.T) {
	l := loadModel(t, "bert")
	v, err := l.Handle(context.Background(), protocol.OpSaliency, map[string]any{"text": "the quick brown fox", "method": "ig", "baseline": "pad"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := v.(*protocol.SaliencyResult)
	if len(res.Scores) != len(res.Tokens) || len(res.Completeness) != 1 || res.Completeness[0].RelError > 0.01 || res.Completeness[0].Target == 0 {
		t.Fatalf("%d scores for %d tokens, completeness %+v", len(res.Scores), len(res.Tokens), res.Completeness)
	}
	one := 0
	g, err := l.Saliency(context.Background(), &protocol.SaliencyRequest{Text: "the quick brown fox", Method: "grad", Target: &one}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := l.encode("the quick brown fox", "", false)
	want, err := saliency.Gradients(l.model.model, sentenceOf(enc.IDs), saliency.Target{Class: 0})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Norm {
		if math.Abs(g.Scores[i]-want.Norm[i]) > 1e-12 || g.Target != 0 {
			t.Fatalf("gradient norm %d: %v, want %v", i, g.Scores[i], want.Norm[i])
		}
	}
	a, err := l.Saliency(context.Background(), &protocol.SaliencyRequest{Text: "the quick brown fox", Method: "attention", Steps: 8}, noReport)
	if err != nil || len(a.Scores) != 12 || a.Layers != 3 || a.Heads != 4 || len(a.Completeness) != 3 {
		t.Fatalf("attention attribution %+v, %v", a, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Saliency(ctx, &protocol.SaliencyRequest{Text: "the fox"}, noReport); err == nil {
		t.Error("cancelled: no error")
	}
}

func TestPatchOp(t *testing.T) {
	l := loadModel(t, "bert")
	v, err := l.Handle(context.Background(), protocol.OpPatch, map[string]any{"clean": "the quick brown fox", "corrupted": "the lazy brown fox"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := v.(*protocol.PatchResult)
	T := len(res.CleanTokens)
	if len(res.Residual) != 4*T || len(res.HeadOutputs) != 12 || math.Abs(res.Residual[3*T]-1) > 1e-9 || !strings.HasPrefix(res.Metric, "logit[") {
		t.Fatalf("%+v", res)
	}
	for _, tt := range []struct {
		fields map[string]any
		want   string
	}{
		{map[string]any{"clean": "the quick brown fox", "corrupted": "the fox"}, "patch: the clean text is"},
		{map[string]any{"clean": "a", "corrupted": "b", "a": 5.0, "b": 0.0}, "patch: class or token 5"},
	} {
		if _, err := l.Handle(context.Background(), protocol.OpPatch, tt.fields, nil); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("error %v, want one starting %q", err, tt.want)
		}
	}
	g := loadModel(t, "gpt2")
	if _, err := g.Handle(context.Background(), protocol.OpPatch, map[string]any{"clean": "a b", "corrupted": "a c"}, nil); err == nil {
		t.Error("a language model without tokens: no error")
	}
}

func sentenceOf(ids []int) *model.Batch {
	return &model.Batch{Size: 1, SeqLen: len(ids), InputIDs: ids}
}

// TestPatchOpLanguageModel patches GPT-2 with its two next tokens given as text, and refuses a word
// the model splits into several tokens.
func TestPatchOpLanguageModel(t *testing.T) {
	l := loadModel(t, "gpt2")
	res := call[protocol.PatchResult](t, l, protocol.OpPatch, &protocol.PatchRequest{Clean: "the quick brown fox", Corrupted: "the quick brown dog", TokenA: "a", TokenB: "b"})
	a, _ := l.model.tok.TokenID("a")
	b, _ := l.model.tok.TokenID("b")
	want, err := l.Patch(context.Background(), &protocol.PatchRequest{Clean: "the quick brown fox", Corrupted: "the quick brown dog", A: &a, B: &b}, noReport)
	if err != nil {
		t.Fatal(err)
	}
	if res.Metric != "logit[a] − logit[b]" || res.CleanMetric != want.CleanMetric || !slices.Equal(res.HeadOutputs, want.HeadOutputs) {
		t.Errorf("tokens as text: %q %v %v, as ids %v %v", res.Metric, res.CleanMetric, res.HeadOutputs, want.CleanMetric, want.HeadOutputs)
	}
	for _, tc := range []struct {
		a, b, want string
	}{
		{"quick brown", "b", `"quick brown" is `},
		{"a", "", "a language model needs both"},
	} {
		_, err := l.Patch(context.Background(), &protocol.PatchRequest{Clean: "a b", Corrupted: "a b", TokenA: tc.a, TokenB: tc.b}, noReport)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tokens %q %q: %v, want %q", tc.a, tc.b, err, tc.want)
		}
	}
	c := loadModel(t, "bert")
	if _, err := c.Patch(context.Background(), &protocol.PatchRequest{Clean: "a b", Corrupted: "a c", TokenA: "a", TokenB: "b"}, noReport); err == nil {
		t.Error("tokens for a classifier: no error")
	}
}

// TestAblateOp ablates each head of the golden BERT to zero and to its mean over three SST-2 examples
// through Handle, as the core does.
func TestAblateOp(t *testing.T) {
	l := loadModel(t, "bert")
	if _, err := l.Handle(context.Background(), protocol.OpAblate, map[string]any{"text": "the quick brown fox", "mode": "mean"}, nil); err == nil || !strings.Contains(err.Error(), "data set") {
		t.Errorf("mean ablation without a data set: %v", err)
	}
	call[protocol.DatasetInfo](t, l, protocol.OpLoadDataset, &protocol.LoadDatasetRequest{Name: "SST-2/dev.tsv", Bytes: sst2(t)})
	enc, _ := l.encode("the quick brown fox", "", false)
	m := l.model.model
	d, err := l.encodeData(3, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []*model.Batch
	for _, e := range d.encs {
		seqs = append(seqs, sentenceOf(e.IDs))
	}
	means, err := patching.HeadMeans(m, seqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"zero", "mean"} {
		res := call[protocol.AblateResult](t, l, protocol.OpAblate, &protocol.AblateRequest{Text: "the quick brown fox", Mode: mode, Subset: 3})
		var mm [][]float32
		if mode == "mean" {
			mm = means
		}
		want, err := patching.Ablate(context.Background(), m, sentenceOf(enc.IDs), patching.Metric{A: 1, B: 0}, mm, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Mode != mode || !slices.Equal(res.Ablated, want.Ablated) || res.Metric != want.Metric || len(res.Tokens) != len(enc.IDs) {
			t.Errorf("%s: %+v, want %+v", mode, res, want)
		}
		if n := map[string]int{"zero": 0, "mean": 3}[mode]; res.MeanOver != n {
			t.Errorf("%s: mean over %d", mode, res.MeanOver)
		}
	}
	if _, err := l.Handle(context.Background(), protocol.OpAblate, map[string]any{"text": "a", "mode": "half"}, nil); err == nil {
		t.Error("mode half: no error")
	}
}

// TestUnknownTokensOp: a token is known as a vocabulary entry (the command line's form) or decoded
// (the lab's); GPT-2's "Ġfox" and " fox" both, BERT's neither.
func TestUnknownTokensOp(t *testing.T) {
	for _, tc := range []struct {
		arch   string
		tokens []string
		want   []string
	}{
		{"gpt2", []string{"Ġfox", " fox", "t", "Ġqzxv", "Ġqzxv"}, []string{"Ġqzxv"}},
		{"bert", []string{"[CLS]", "the", "Ġfox", " fox"}, []string{"Ġfox", " fox"}},
	} {
		l := loadModel(t, tc.arch)
		got := call[protocol.UnknownTokens](t, l, protocol.OpUnknownTokens, &protocol.UnknownTokensRequest{Tokens: tc.tokens})
		if !slices.Equal(got.Tokens, tc.want) {
			t.Errorf("%s: unknown %q, want %q", tc.arch, got.Tokens, tc.want)
		}
	}
}

// TestAblateProgress: mean ablation reports the examples its means have read up to all of them, then
// the layers ablated up to the last; cancelled during the means, it stops with context.Canceled.
func TestAblateProgress(t *testing.T) {
	l := loadSST2(t)
	req := map[string]any{"text": "the quick brown fox", "mode": "mean"}
	last := map[string]protocol.Progress{}
	var phases []string
	if _, err := l.Handle(context.Background(), protocol.OpAblate, req, func(p protocol.Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		last[p.Phase] = p
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(phases, []string{"head means", "layers"}) {
		t.Fatalf("phases %q", phases)
	}
	if p := last["head means"]; p.Done != 12 || p.Total != 12 {
		t.Errorf("head means reached %d of %d, want 12 of 12", p.Done, p.Total)
	}
	if p := last["layers"]; p.Done != 3 || p.Total != 3 {
		t.Errorf("layers reached %d of %d, want 3 of 3", p.Done, p.Total)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	_, err := l.Handle(ctx, protocol.OpAblate, req, func(p protocol.Progress) {
		if calls++; calls == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || calls != 2 {
		t.Errorf("error %v after %d reports, want context.Canceled after 2", err, calls)
	}
	res := call[protocol.AblateResult](t, l, protocol.OpAblate, &protocol.AblateRequest{Text: "the quick brown fox", Mode: "mean", Subset: 5})
	if res.MeanOver != 5 {
		t.Errorf("subset 5: mean over %d", res.MeanOver)
	}
}
