package main

import (
	"fmt"
	"strconv"

	"bertology/wasm/protocol"
)

// headMask is the workflow's mask over the model's heads, [layers × heads] in the original head
// numbering: the heads clicked in a heatmap or masked by the masking loop, and the heads gone from the
// weights, which the lab reports (its session's pruned heads). The mask applies to the data's
// evaluation and to the input's prediction, so that masking a head shows what it changes there.
type headMask struct {
	heads  int       // per layer, before pruning
	mask   []float32 // 1 keeps a head, 0 masks it; nil while the lab has no importance to mask by
	pruned []bool    // the heads gone from the weights; nil before a model loads
	// restorable: the heads were pruned on this page, and restoring the model brings them back.
	restorable bool
}

// sync takes the pruned heads from the lab's session. The mask lasts as long as the lab's importance:
// sync reports whether it masked a head that is still in the weights when it goes.
func (m *headMask) sync(s *protocol.Session) (lost bool) {
	if !s.Importance {
		lost = m.unmask()
		m.mask = nil
	}
	m.heads, m.pruned, m.restorable = 0, nil, s.Restorable
	if s.Model == nil {
		return lost
	}
	layers := s.Model.Layers
	m.heads, m.pruned = s.Model.Heads, make([]bool, layers*s.Model.Heads)
	for key, heads := range s.PrunedHeads {
		l, err := strconv.Atoi(key)
		for _, h := range heads {
			if err == nil && l >= 0 && l < layers && h >= 0 && h < m.heads {
				m.pruned[l*m.heads+h] = true
			}
		}
	}
	return lost
}

// reset masks only the pruned heads.
func (m *headMask) reset() {
	m.mask = make([]float32, len(m.pruned))
	m.unmask()
}

// set takes a mask from the lab, such as the masking loop's.
func (m *headMask) set(mask []float32) { m.mask = mask }

// forInput is the mask for the model's forward pass: nil when every head is on.
func (m *headMask) forInput() []float32 {
	for _, v := range m.mask {
		if v != 1 {
			return append([]float32(nil), m.mask...)
		}
	}
	return nil
}

// toggle masks or unmasks head h of layer l; a pruned head is gone and stays so.
func (m *headMask) toggle(l, h int) error {
	i := l*m.heads + h
	if m.pruned[i] {
		if m.restorable {
			return fmt.Errorf("head %d of layer %d is pruned: restore the model to bring it back", h, l)
		}
		return fmt.Errorf("head %d of layer %d is pruned: the model was loaded without it", h, l)
	}
	m.mask[i] = 1 - m.mask[i]
	return nil
}

// unmask brings back every head that is not pruned, and reports whether any was masked.
func (m *headMask) unmask() bool {
	changed := false
	for i, v := range m.mask {
		if v != 1 && !m.pruned[i] {
			m.mask[i], changed = 1, true
		}
	}
	return changed
}

// masked marks the heads the mask silences, for the heatmaps.
func (m *headMask) masked() []bool {
	out := make([]bool, len(m.mask))
	for i, v := range m.mask {
		out[i] = v == 0
	}
	return out
}

// maskedCount is how many heads the mask silences (pruned ones included).
func (m *headMask) maskedCount() int { return countZeros(m.mask) }

// prunedCount is how many heads are gone from the weights.
func (m *headMask) prunedCount() int {
	n := 0
	for _, gone := range m.pruned {
		if gone {
			n++
		}
	}
	return n
}

func countZeros(mask []float32) int {
	n := 0
	for _, v := range mask {
		if v == 0 {
			n++
		}
	}
	return n
}
