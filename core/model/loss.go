package model

import "bertology/core/f64"

// ignoreIndex is the label PyTorch's cross-entropy skips.
const ignoreIndex = -100

// loss computes the batch's loss from the head's logits, as the Hugging Face model does when given
// labels; ok is false when the batch has none. It is accumulated and returned in float64, which
// Output.Loss rounds to float32 and the gradient checks difference.
func (m *Model) loss(logits []float32, b *Batch) (loss float64, ok bool) {
	switch {
	case b.Targets != nil:
		return meanSquaredError(logits, b.Targets), true
	case b.Labels == nil:
		return 0, false
	case m.head == CausalLM:
		return crossEntropy(logits, m.cfg.VocabSize, shiftedLabels(b)), true
	case m.head == MaskedLM:
		return crossEntropy(logits, m.cfg.VocabSize, b.Labels), true
	}
	return crossEntropy(logits, m.cfg.NumLabels, b.Labels), true
}

// shiftedLabels lines each position's logits up with the next token's label, as a causal LM's loss
// does: position t predicts label t+1, and the last position of each sequence predicts nothing.
func shiftedLabels(b *Batch) []int {
	out := make([]int, len(b.Labels))
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
