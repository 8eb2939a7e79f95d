package model

import (
	"fmt"
	"strings"
	"testing"

	"bertology/core/golden"
)

// TestLensLastLayerIsLogits reads the last depth of the residual stream out through HeadLogits and expects
// Hugging Face's logits; the earlier depths must be its hidden states.
func TestLensLastLayerIsLogits(t *testing.T) {
	for _, arch := range []string{"gpt2", "openai-gpt", "bert-mlm"} {
		t.Run(arch, func(t *testing.T) {
			g := loadGolden(t, arch)
			m := loadModel(t, arch, "model")
			b := goldenBatch(g.Inputs)
			stream, err := m.ResidualStream(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(stream) != m.cfg.NumLayers+1 {
				t.Fatalf("%d depths, want %d", len(stream), m.cfg.NumLayers+1)
			}
			for l, s := range stream[:m.cfg.NumLayers] {
				golden.AssertClose(t, fmt.Sprintf("residual stream %d", l), s.Data, g.Forward.HiddenStates[l], tolerance)
			}
			if arch != "gpt2" { // GPT-2's last hidden state is after ln_f, the stream's before it
				golden.AssertClose(t, "last residual stream", stream[m.cfg.NumLayers].Data, g.Forward.HiddenStates[m.cfg.NumLayers], tolerance)
			}
			last := stream[m.cfg.NumLayers]
			logits, err := m.HeadLogits(last.Data, b.Size*b.SeqLen)
			if err != nil {
				t.Fatal(err)
			}
			golden.AssertClose(t, "lens of the last layer", logits, g.Forward.Logits, tolerance)
			out, err := m.Forward(b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range out.Logits.Data {
				if d := v - logits[i]; d > tolerance || d < -tolerance {
					t.Fatalf("lens logit %d is %v, Forward's %v", i, logits[i], v)
				}
			}
		})
	}
}

func TestHeadLogitsErrors(t *testing.T) {
	bert, gpt2 := loadModel(t, "bert", "model"), loadModel(t, "gpt2", "model")
	for _, tc := range []struct {
		name   string
		m      *Model
		hidden []float32
		rows   int
		want   string
	}{
		{"classifier", bert, make([]float32, 32), 1, "needs a language-model head, the model has sequence classification"},
		{"short", gpt2, make([]float32, 31), 1, "31 values for 1 rows, want rows ≥ 1 of width 32"},
		{"no rows", gpt2, nil, 0, "0 values for 0 rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.HeadLogits(tc.hidden, tc.rows)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("HeadLogits: error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
