package model

import "fmt"

// seedable says whether the head's logits can seed a backward pass (GradOptions.Seed).
func (m *Model) seedable() bool {
	switch m.head {
	case SequenceClassification, TokenClassification, CausalLM, MaskedLM:
		return true
	}
	return false
}

// seedRows returns the rows of the head's logits whose seed is not all zero, and their seeds, in the
// form lossBackward returns the loss's gradient, as buffers of s.
func (m *Model) seedRows(s *headScratch, h *headActs, seed []float32) (rows []int, d []float32, err error) {
	if len(seed) != len(h.logits) {
		return nil, nil, fmt.Errorf("the seed has %d values, the logits %d", len(seed), len(h.logits))
	}
	classes := m.cfg.NumLabels
	if m.vocabularyLogits() {
		classes = m.cfg.VocabSize
	}
	g := &s.loss
	g.rows, g.d = g.rows[:0], g.d[:0]
	for r := 0; r < len(seed)/classes; r++ {
		row := seed[r*classes : (r+1)*classes]
		for _, v := range row {
			if v != 0 {
				g.rows, g.d = append(g.rows, r), append(g.d, row...)
				break
			}
		}
	}
	return g.rows, g.d, nil
}
