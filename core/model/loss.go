package model

import (
	"bertology/core/f64"
	"errors"
)

// ignoreIndex is the label PyTorch's cross-entropy skips.
const ignoreIndex = -100

// loss computes the batch's loss from the head's logits, as the Hugging Face model does when given
// labels; ok is false when the batch has none. It is accumulated and returned in float64, which
// Output.Loss rounds to float32 and the gradient checks difference.
func (m *Model) loss(h *headActs, b *Batch) (loss float64, ok bool) {
	logits := h.logits
	switch {
	case b.Targets != nil:
		return meanSquaredError(logits, b.Targets), true
	case b.Labels == nil:
		return 0, false
	case m.head == CausalLM:
		h.shifted = shiftedLabels(h.shifted, b)
		return crossEntropy(logits, m.cfg.VocabSize, h.shifted), true
	case m.head == MaskedLM:
		return crossEntropy(logits, m.cfg.VocabSize, h.mlmLabels(b)), true
	}
	return crossEntropy(logits, m.cfg.NumLabels, b.Labels), true
}

// mlmLabels are the labels of a masked LM's logits rows: the batch's, or those of the labelled rows
// alone when the head computed only those (Options.LossOnly).
func (h *headActs) mlmLabels(b *Batch) []int {
	if h.labels != nil {
		return h.labels
	}
	return b.Labels
}

// shiftedLabels lines each position's logits up with the next token's label, as a causal LM's loss
// does: position t predicts label t+1, and the last position of each sequence predicts nothing. The
// labels are written to dst's memory when it is large enough.
func shiftedLabels(dst []int, b *Batch) []int {
	out := grow(dst, len(b.Labels))
	for i := range b.Size {
		row, lab := out[i*b.SeqLen:(i+1)*b.SeqLen], b.Labels[i*b.SeqLen:(i+1)*b.SeqLen]
		copy(row, lab[1:])
		row[b.SeqLen-1] = ignoreIndex
	}
	return out
}

// crossEntropy is the mean over rows whose label is not ignoreIndex of -log softmax(logits[row])[label],
// for logits [len(labels), classes]. With every label ignored it is NaN, as torch's mean of nothing.
func crossEntropy(logits []float32, classes int, labels []int) float64 {
	var sum float64
	count := 0
	for r, label := range labels {
		if label == ignoreIndex {
			continue
		}
		row := logits[r*classes : (r+1)*classes]
		sum += f64.LogSumExp(row) - float64(row[label])
		count++
	}
	return sum / float64(count)
}

// meanSquaredError is the mean of (logits - targets)², torch's MSELoss.
func meanSquaredError(logits, targets []float32) float64 {
	var sum float64
	for i, t := range targets {
		d := float64(logits[i]) - float64(t)
		sum += d * d
	}
	return sum / float64(len(targets))
}

// lossBackward returns the gradient of the batch's loss, as loss computes it, with respect to the
// logits [rows of logits, classes], for a model with a head and a batch with labels or targets. Only the
// rows that carry a label can have a nonzero gradient: rows lists them, ascending, and dLogits
// [len(rows), classes] holds their gradients, so that a language model's head, whose labels are often
// sparse (BERT's masked tokens), backpropagates only those. Both are buffers of s. It fails when every
// label is ignored.
func (m *Model) lossBackward(s *headScratch, h *headActs, b *Batch) (rows []int, dLogits []float32, err error) {
	logits := h.logits
	switch {
	case b.Targets != nil:
		return s.meanSquaredErrorBackward(logits, b.Targets, m.cfg.NumLabels)
	case m.head == CausalLM:
		h.shifted = shiftedLabels(h.shifted, b)
		return s.crossEntropyBackward(logits, m.cfg.VocabSize, h.shifted)
	case m.head == MaskedLM:
		return s.crossEntropyBackward(logits, m.cfg.VocabSize, h.mlmLabels(b))
	}
	return s.crossEntropyBackward(logits, m.cfg.NumLabels, b.Labels)
}

// crossEntropyBackward is the gradient of crossEntropy: (softmax(logits[row]) - onehot(label)) / count
// for each of the count rows whose label is not ignoreIndex.
func (s *headScratch) crossEntropyBackward(logits []float32, classes int, labels []int) (rows []int, dLogits []float32, err error) {
	rows = s.rows[:0]
	for r, label := range labels {
		if label != ignoreIndex {
			rows = append(rows, r)
		}
	}
	s.rows = rows
	if len(rows) == 0 {
		return nil, nil, errors.New("every label is -100 (ignored): the loss is undefined")
	}
	inv := 1 / float64(len(rows))
	s.dLogits, s.probs = grow(s.dLogits, len(rows)*classes), grow(s.probs, classes)
	dLogits, probs := s.dLogits, s.probs
	for i, r := range rows {
		f64.Softmax(probs, logits[r*classes:(r+1)*classes])
		d := dLogits[i*classes : (i+1)*classes]
		for j, p := range probs {
			if j == labels[r] {
				p--
			}
			d[j] = float32(p * inv)
		}
	}
	return rows, dLogits, nil
}

// meanSquaredErrorBackward is the gradient of meanSquaredError, 2·(logits - targets) / len(targets),
// for logits [len(targets)/classes, classes].
func (s *headScratch) meanSquaredErrorBackward(logits, targets []float32, classes int) (rows []int, dLogits []float32, err error) {
	s.rows = grow(s.rows, len(targets)/classes)
	for i := range s.rows {
		s.rows[i] = i
	}
	s.dLogits = grow(s.dLogits, len(targets))
	scale := 2 / float64(len(targets))
	for i, t := range targets {
		s.dLogits[i] = float32((float64(logits[i]) - float64(t)) * scale)
	}
	return s.rows, s.dLogits, nil
}
