package model

import (
	"fmt"
	"slices"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// TestCausalBlocks: GPT-2's and OpenAI GPT's attention, computed in blocks of causalBlock query rows
// that skip the keys the causal mask hides, gives exactly what whole rows give, on every kernel: the
// loss, logits, hidden states, attentions and contexts, and the gradients of the head mask and of every
// weight. The sequences span several blocks: one unpadded, one padded on the right, one fully padded,
// and one padded on the left, whose first rows see only padded keys and so weigh the later keys too
// (as in torch), which their blocks must then take.
func TestCausalBlocks(t *testing.T) {
	const size, seqLen, padLeft = 4, 70, 20
	for _, js := range []string{
		`{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": 32, "n_layer": 2, "n_head": 2,
			"vocab_size": 50, "n_positions": 80, "initializer_range": 0.3}`,
		`{"model_type": "openai-gpt", "architectures": ["OpenAIGPTLMHeadModel"], "n_embd": 32, "n_layer": 2,
			"n_head": 2, "vocab_size": 50, "n_positions": 80, "initializer_range": 0.3}`,
	} {
		cfg, err := checkpoint.ParseConfig([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		m, err := randomModel(cfg, 3)
		if err != nil {
			t.Fatal(err)
		}
		b := &Batch{Size: size, SeqLen: seqLen, InputIDs: make([]int, size*seqLen), AttentionMask: make([]int, size*seqLen)}
		for i := range b.InputIDs {
			b.InputIDs[i] = (i*31 + 7) % cfg.VocabSize
			switch r, seq := i%seqLen, i/seqLen; {
			case seq == 0, seq == 1 && r < 50, seq == 2 && r >= padLeft:
				b.AttentionMask[i] = 1
			}
		}
		b.Labels = slices.Clone(b.InputIDs)
		headMask := make([]float32, cfg.NumLayers*cfg.NumHeads)
		for i := range headMask {
			headMask[i] = 0.5 + float32(i)/4
		}
		opt := Options{HeadMask: headMask, HiddenStates: true, Attentions: true, Contexts: true}
		run := func(block int) (*Output, *Gradients) {
			defer func(was int) { causalBlock = was }(causalBlock)
			causalBlock = block
			out, grads, err := m.ForwardBackward(b, opt, GradOptions{HeadMask: true, Weights: true})
			if err != nil {
				t.Fatal(err)
			}
			return out, grads
		}
		for _, k := range kernel.Implementations() {
			m.k = k
			m.packWeights()
			name := fmt.Sprintf("%s/%s", cfg.ModelType, k.Name())
			whole, wholeGrads := run(seqLen)
			blocks, blockGrads := run(16)
			if !equal(t, name, blocks, whole, blockGrads, wholeGrads) {
				continue
			}
			// The left-padded sequence's first row weighs a key after it; the unpadded one's does not.
			attn := whole.Attentions[0].Data
			if p := attn[(2*cfg.NumHeads)*seqLen*seqLen+seqLen-1]; p == 0 {
				t.Errorf("%s: the left-padded sequence's first row gives its last key no weight", name)
			}
			if p := attn[seqLen-1]; p != 0 {
				t.Errorf("%s: the first row gives its last key the weight %g", name, p)
			}
		}
	}
}

// equal reports whether two passes' outputs and gradients are the same, reporting the first difference.
func equal(t *testing.T, name string, got, want *Output, gotGrads, wantGrads *Gradients) bool {
	t.Helper()
	check := func(what string, g, w []float32) bool {
		if len(g) != len(w) {
			t.Errorf("%s: %s has %d values, want %d", name, what, len(g), len(w))
			return false
		}
		for i := range g {
			if g[i] != w[i] {
				t.Errorf("%s: %s[%d] = %g in blocks, %g by whole rows", name, what, i, g[i], w[i])
				return false
			}
		}
		return true
	}
	ok := got.Loss == want.Loss && check("logits", got.Logits.Data, want.Logits.Data) &&
		check("head-mask gradient", gotGrads.HeadMask, wantGrads.HeadMask)
	for l := range want.Attentions {
		ok = ok && check(fmt.Sprint("attentions ", l), got.Attentions[l].Data, want.Attentions[l].Data) &&
			check(fmt.Sprint("contexts ", l), got.Contexts[l].Data, want.Contexts[l].Data)
	}
	for l := range want.HiddenStates {
		ok = ok && check(fmt.Sprint("hidden state ", l), got.HiddenStates[l].Data, want.HiddenStates[l].Data)
	}
	for name, w := range wantGrads.Weights {
		ok = ok && check("gradient of "+name, gotGrads.Weights[name].Data, w.Data)
	}
	if got.Loss != want.Loss {
		t.Errorf("%s: loss %g in blocks, %g by whole rows", name, got.Loss, want.Loss)
	}
	return ok
}
