package model

import (
	"fmt"
	"slices"
)

// NextTokenLogits returns a causal language model's logits [VocabSize] for the token after ids, one
// unpadded sequence: the last position's row of Forward's logits, what greedy decoding and sampling
// read. Each call runs the whole sequence (the model keeps no cache between calls). It fails for a model
// without a causal LM head, an empty sequence and what Forward refuses (a sequence longer than the
// position table, ids outside the vocabulary).
func (m *Model) NextTokenLogits(ids []int) ([]float32, error) {
	if m.head != CausalLM {
		return nil, fmt.Errorf("next-token logits need a causal language model, the model has %s", m.head)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("next-token logits of an empty sequence: give at least one token (a BOS)")
	}
	out, err := m.Forward(&Batch{Size: 1, SeqLen: len(ids), InputIDs: ids}, Options{})
	if err != nil {
		return nil, err
	}
	v := m.cfg.VocabSize
	return slices.Clone(out.Logits.Data[(len(ids)-1)*v:]), nil
}
