package model

import (
	"bertology/core/f64"
	"errors"
)

// ignoreIndex is the label PyTorch's cross-entropy skips.
const ignoreIndex = -100

// loss computes the batch's loss from the head's logits, as the Hugging Face model does when given
// labels; ok is false when the batch has none (labelled says when). It is accumulated and returned in
// float64, which Output.Loss rounds to float32 and the gradient checks difference.
func (m *Model) loss(h *headActs, b *Batch) (loss float64, ok bool) {
	if !m.labelled(b) {
		return 0, false
	}
	logits := h.logits
	switch {
	case b.Targets != nil:
		return meanSquaredError(logits, b.Targets), true
	case m.head == CausalLM:
		h.shifted = shiftedLabels(h.shifted, b)
		return crossEntropy(logits, m.cfg.VocabSize, h.shifted), true
	case m.head == MaskedLM:
		return crossEntropy(logits, m.cfg.VocabSize, h.mlmLabels(b)), true
	case m.head == PreTraining:
		return crossEntropy(logits, m.cfg.VocabSize, b.Labels) + crossEntropy(h.nextSentence, 2, b.NextSentenceLabels), true
	case m.head == QuestionAnswering:
		h.spans(b)
		return (crossEntropy(h.start, b.SeqLen, h.startLabels) + crossEntropy(h.end, b.SeqLen, h.endLabels)) / 2, true
	}
	return crossEntropy(logits, m.cfg.NumLabels, b.Labels), true // a classifier of sequences or tokens
}

// labelled reports whether the batch carries what the head's loss needs, as the Hugging Face model
// computes a loss only when given it: regression targets or labels, the question answerer's start and
// end positions, the pre-training head's masked-token and next-sentence labels both.
func (m *Model) labelled(b *Batch) bool {
	switch m.head {
	case NoHead:
		return false
	case QuestionAnswering:
		return b.StartPositions != nil && b.EndPositions != nil
	case PreTraining:
		return b.Labels != nil && b.NextSentenceLabels != nil
	}
	return b.Labels != nil || b.Targets != nil
}

// mlmLabels are the labels of a masked LM's logits rows: the batch's, or those of the labelled rows
// alone when the head computed only those (Options.LossOnly).
func (h *headActs) mlmLabels(b *Batch) []int {
	if h.labels != nil {
		return h.labels
	}
	return b.Labels
}

// spans takes the question answerer's logits [N, 2] apart into start and end logits [B, T], each
// sequence's a row of T classes, and sets the positions its loss reads: as Hugging Face's, clamped to
// [0, T], T itself (a span outside the input) being ignored.
func (h *headActs) spans(b *Batch) {
	n := b.Size * b.SeqLen
	h.start, h.end = grow(h.start, n), grow(h.end, n)
	for r := range n {
		h.start[r], h.end[r] = h.logits[2*r], h.logits[2*r+1]
	}
	h.startLabels = spanPositions(h.startLabels, b.StartPositions, b.SeqLen)
	h.endLabels = spanPositions(h.endLabels, b.EndPositions, b.SeqLen)
}

// spanPositions clamps positions to [0, seqLen] and turns seqLen into ignoreIndex, as
// BertForQuestionAnswering's clamp and CrossEntropyLoss(ignore_index=seqLen) do. The positions are
// written to dst's memory when it is large enough.
func spanPositions(dst, positions []int, seqLen int) []int {
	out := grow(dst, len(positions))
	for i, p := range positions {
		out[i] = min(max(p, 0), seqLen)
		if out[i] == seqLen {
			out[i] = ignoreIndex
		}
	}
	return out
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

// lossGrad is the gradient of a loss with respect to logits [rows of logits, classes]. Only the rows
// that carry a label can have a nonzero gradient: rows lists them, ascending, and d [len(rows),
// classes] holds their gradients, so that a language model's head, whose labels are often sparse
// (BERT's masked tokens), backpropagates only those. Its buffers are kept from pass to pass.
type lossGrad struct {
	rows []int
	d    []float32
}

// lossBackward returns the gradient of the batch's loss, as loss computes it, with respect to the
// head's logits, as rows and their gradients (see lossGrad), for a model with a head and a labelled
// batch: buffers of s. The pre-training head's next-sentence part is left in s.nextSent. It fails when
// every label of a cross-entropy is ignored.
func (m *Model) lossBackward(s *headScratch, h *headActs, b *Batch) (rows []int, dLogits []float32, err error) {
	logits, g := h.logits, &s.loss
	switch {
	case b.Targets != nil:
		g.meanSquaredError(logits, b.Targets, m.cfg.NumLabels)
	case m.head == CausalLM:
		h.shifted = shiftedLabels(h.shifted, b)
		err = g.crossEntropy(&s.probs, logits, m.cfg.VocabSize, h.shifted, 1)
	case m.head == MaskedLM:
		err = g.crossEntropy(&s.probs, logits, m.cfg.VocabSize, h.mlmLabels(b), 1)
	case m.head == PreTraining:
		err = errors.Join(g.crossEntropy(&s.probs, logits, m.cfg.VocabSize, b.Labels, 1),
			s.nextSent.crossEntropy(&s.probs, h.nextSentence, 2, b.NextSentenceLabels, 1))
	case m.head == QuestionAnswering:
		h.spans(b)
		err = errors.Join(s.start.crossEntropy(&s.probs, h.start, b.SeqLen, h.startLabels, 0.5),
			s.end.crossEntropy(&s.probs, h.end, b.SeqLen, h.endLabels, 0.5))
		if err == nil {
			g.spans(&s.start, &s.end, b)
		}
	default: // a classifier of sequences or tokens
		err = g.crossEntropy(&s.probs, logits, m.cfg.NumLabels, b.Labels, 1)
	}
	if err != nil {
		return nil, nil, err
	}
	return g.rows, g.d, nil
}

// crossEntropy sets g to scale times the gradient of crossEntropy: (softmax(logits[row]) -
// onehot(label)) / count for each of the count rows whose label is not ignoreIndex. probs is a buffer
// for one row's softmax.
func (g *lossGrad) crossEntropy(probs *[]float64, logits []float32, classes int, labels []int, scale float64) error {
	g.rows = g.rows[:0]
	for r, label := range labels {
		if label != ignoreIndex {
			g.rows = append(g.rows, r)
		}
	}
	if len(g.rows) == 0 {
		return errors.New("every label is -100 (ignored): the loss is undefined")
	}
	inv := scale / float64(len(g.rows))
	g.d, *probs = grow(g.d, len(g.rows)*classes), grow(*probs, classes)
	p := *probs
	for i, r := range g.rows {
		f64.Softmax(p, logits[r*classes:(r+1)*classes])
		d := g.d[i*classes : (i+1)*classes]
		for j, pj := range p {
			if j == labels[r] {
				pj--
			}
			d[j] = float32(pj * inv)
		}
	}
	return nil
}

// meanSquaredError sets g to the gradient of meanSquaredError, 2·(logits - targets) / len(targets),
// for logits [len(targets)/classes, classes].
func (g *lossGrad) meanSquaredError(logits, targets []float32, classes int) {
	g.rows = grow(g.rows, len(targets)/classes)
	for i := range g.rows {
		g.rows[i] = i
	}
	g.d = grow(g.d, len(targets))
	scale := 2 / float64(len(targets))
	for i, t := range targets {
		g.d[i] = float32((float64(logits[i]) - float64(t)) * scale)
	}
}

// spans sets g to the gradient with respect to the question answerer's logits [N, 2] (every row)
// from those with respect to its start and end logits [B, T] (rows are sequences).
func (g *lossGrad) spans(start, end *lossGrad, b *Batch) {
	n := b.Size * b.SeqLen
	g.rows, g.d = grow(g.rows, n), grow(g.d, 2*n)
	for r := range g.rows {
		g.rows[r] = r
	}
	clear(g.d)
	for k, part := range []*lossGrad{start, end} {
		for i, seq := range part.rows {
			for t, v := range part.d[i*b.SeqLen : (i+1)*b.SeqLen] {
				g.d[2*(seq*b.SeqLen+t)+k] = v
			}
		}
	}
}
