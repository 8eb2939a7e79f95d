package lab

import (
	"context"
	"math"
	"strings"
	"testing"

	"bertology/core/model"
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
