package model

import (
	"errors"

	"bertology/core/f64"
)

// lossBackward returns the gradient of the batch's loss, as loss computes it, with respect to the
// logits [rows of logits, classes], for a model with a head and a batch with labels or targets. Only the
// rows that carry a label can have a nonzero gradient: rows lists them, ascending, and dLogits
// [len(rows), classes] holds their gradients, so that a language model's head, whose labels are often
// sparse (BERT's masked tokens), backpropagates only those. It fails when every label is ignored.
func (m *Model) lossBackward(logits []float32, b *Batch) (rows []int, dLogits []float32, err error) {
	switch {
	case b.Targets != nil:
		return meanSquaredErrorBackward(logits, b.Targets, m.cfg.NumLabels)
	case m.head == CausalLM:
		return crossEntropyBackward(logits, m.cfg.VocabSize, shiftedLabels(b))
	case m.head == MaskedLM:
		return crossEntropyBackward(logits, m.cfg.VocabSize, b.Labels)
	}
	return crossEntropyBackward(logits, m.cfg.NumLabels, b.Labels)
}

// crossEntropyBackward is the gradient of crossEntropy: (softmax(logits[row]) - onehot(label)) / count
// for each of the count rows whose label is not ignoreIndex.
func crossEntropyBackward(logits []float32, classes int, labels []int) (rows []int, dLogits []float32, err error) {
	for r, label := range labels {
		if label != ignoreIndex {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil, nil, errors.New("every label is -100 (ignored): the loss is undefined")
	}
	inv := 1 / float64(len(rows))
	dLogits = make([]float32, len(rows)*classes)
	probs := make([]float64, classes)
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
func meanSquaredErrorBackward(logits, targets []float32, classes int) (rows []int, dLogits []float32, err error) {
	rows = make([]int, len(targets)/classes)
	for i := range rows {
		rows[i] = i
	}
	dLogits = make([]float32, len(targets))
	scale := 2 / float64(len(targets))
	for i, t := range targets {
		dLogits[i] = float32((float64(logits[i]) - float64(t)) * scale)
	}
	return rows, dLogits, nil
}
