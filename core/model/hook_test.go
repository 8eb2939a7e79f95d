package model

import (
	"slices"
	"testing"
)

// TestHookAndEmbeddings: the hook sees the hidden states Forward returns (the residual stream before
// each block, then the last block's output), and given embeddings equal to the embedding layer's output
// change nothing. The input's gradient and seeds are checked against finite differences in core/saliency.
func TestHookAndEmbeddings(t *testing.T) {
	for _, arch := range []string{"bert", "distilbert", "openai-gpt"} { // post-LN or no final norm: hidden states are block inputs
		t.Run(arch, func(t *testing.T) {
			m := loadModel(t, arch, "model")
			b := goldenBatch(loadGolden(t, arch).Inputs)
			want, err := m.Forward(b, Options{HiddenStates: true})
			if err != nil {
				t.Fatal(err)
			}
			var seen [][]float32
			hook := &Hook{Residual: func(l int, x []float32) { seen = append(seen, slices.Clone(x)) }}
			got, err := m.Forward(b, Options{Hook: hook})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != len(want.HiddenStates) {
				t.Fatalf("the hook saw %d residual streams, want %d", len(seen), len(want.HiddenStates))
			}
			for l, h := range want.HiddenStates {
				if !slices.Equal(seen[l], h.Data) {
					t.Errorf("residual stream %d differs from hidden state %d", l, l)
				}
			}
			if !slices.Equal(got.Logits.Data, want.Logits.Data) {
				t.Error("a hook that changes nothing changes the logits")
			}
			given, err := m.Forward(b, Options{Embeddings: want.HiddenStates[0].Data})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(given.Logits.Data, want.Logits.Data) {
				t.Error("the embedding layer's own output, given, changes the logits")
			}
			if _, _, err := m.ForwardBackward(b, Options{Hook: hook}, GradOptions{HeadMask: true}); err == nil {
				t.Error("a backward pass with a hook: no error")
			}
			if _, err := m.Forward(b, Options{Embeddings: []float32{1}}); err == nil {
				t.Error("one embedding value: no error")
			}
		})
	}
}
