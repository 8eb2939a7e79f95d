package model

import (
	"fmt"
	"slices"

	"bertology/core/tensor"
)

// ResidualStream runs the model on a batch and returns the residual stream at every depth: NumLayers+1
// tensors [Size, SeqLen, D], the embeddings' output and then each block's. They equal Output.HiddenStates
// except for GPT-2's and Llama's last one, which here is the last block's output before the final norm, so that
// every depth can be read out the same way with HeadLogits (the logit lens).
func (m *Model) ResidualStream(b *Batch) ([]*tensor.Tensor, error) {
	out, tp, err := m.forward(b, Options{HiddenStates: true}, nil)
	defer m.release(tp)
	if err != nil {
		return nil, err
	}
	states := out.HiddenStates
	if m.finalLN != nil {
		// The tape keeps the last layer's activations; its output is the input of ln_f.
		last := tp.layers[len(tp.layers)-1].out
		states[len(states)-1] = tensor.FromData(slices.Clone(last), b.Size, b.SeqLen, m.cfg.HiddenSize)
	}
	return states, nil
}

// HeadLogits applies to rows vectors of the residual stream, hidden [rows, D], everything the model does
// after its last block: GPT-2's final LayerNorm or Llama's final RMSNorm, then the language-model head (the tied or separate
// vocabulary projection of a causal LM; a masked LM's transform, LayerNorm, decoder and bias, also the
// pre-training head's). It returns the vocabulary logits [rows, VocabSize]. Applied to the last depth of ResidualStream it gives the model's own
// logits; applied to earlier depths it is nostalgebraist's logit lens. It fails for a model without a
// language-model head.
func (m *Model) HeadLogits(hidden []float32, rows int) ([]float32, error) {
	if m.head != CausalLM && m.head != MaskedLM && m.head != PreTraining {
		return nil, fmt.Errorf("model: the logit lens needs a language-model head, the model has %s", m.head)
	}
	d := m.cfg.HiddenSize
	if rows < 1 || len(hidden) != rows*d {
		return nil, fmt.Errorf("model: head logits of %d values for %d rows, want rows ≥ 1 of width %d", len(hidden), rows, d)
	}
	x := hidden
	if m.finalLN != nil {
		x = make([]float32, rows*d)
		mean, rstd := make([]float32, rows), make([]float32, rows)
		m.finalLN.forward(m.k, x, mean, rstd, hidden, rows, d, m.cfg.LayerNormEps)
	}
	if m.head == CausalLM {
		logits := make([]float32, rows*m.cfg.VocabSize)
		m.decode(logits, x, rows, 0)
		return logits, nil
	}
	var h headActs
	m.mlmForward(&h, x, rows, nil)
	return h.logits, nil
}
