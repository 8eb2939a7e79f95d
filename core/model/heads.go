package model

import (
	"bertology/core/checkpoint"
	"math"

	"gonum.org/v1/gonum/blas"
)

// headActs keeps what the task head computed, for the backward pass.
type headActs struct {
	rows      []int     // [B] the row of the final hidden states each sequence's classifier reads
	pooledIn  []float32 // [B, D] the hidden states at those tokens
	pooledPre []float32 // [B, D] BERT's pooler or DistilBERT's pre-classifier, before tanh or ReLU
	pooled    []float32 // [B, D] after it: the classifier's input
	mlmPre    []float32 // [N, D] BERT MLM transform's dense layer
	mlmAct    []float32 // [N, D] after the activation
	mlmNorm   []float32 // [N, D] after the LayerNorm: the decoder's input
	mlmMean   []float32 // [N] the LayerNorm's statistics
	mlmRstd   []float32
	logits    []float32
	labels    []int // a masked LM's labels of its logits rows, when it computed the labelled rows alone
}

// headForward computes the logits from the final hidden states x [N, D], or only those rows the head
// reads (forward decides): a classifier reads the rows h.rows of x, which forward sets.
func (m *Model) headForward(h *headActs, x []float32, b *Batch, sh shape) {
	d := sh.hidden
	n := len(x) / d // every row, or a masked LM's labelled rows alone
	c := m.cfg
	switch m.head {
	case SequenceClassification:
		h.pooledIn = make([]float32, b.Size*d)
		for i, r := range h.rows {
			copy(h.pooledIn[i*d:(i+1)*d], x[r*d:(r+1)*d])
		}
		h.pooled = h.pooledIn
		switch c.ModelType {
		case checkpoint.BERT:
			h.pooledPre, h.pooled = make([]float32, b.Size*d), make([]float32, b.Size*d)
			m.pooler.forward(m.k, h.pooledPre, h.pooledIn, b.Size)
			for i, v := range h.pooledPre {
				h.pooled[i] = float32(math.Tanh(float64(v)))
			}
		case checkpoint.DistilBERT:
			h.pooledPre, h.pooled = make([]float32, b.Size*d), make([]float32, b.Size*d)
			m.preClassifier.forward(m.k, h.pooledPre, h.pooledIn, b.Size)
			relu.apply(m.k, h.pooled, h.pooledPre)
		}
		h.logits = make([]float32, b.Size*c.NumLabels)
		m.classifier.forward(m.k, h.logits, h.pooled, b.Size)
	case MaskedLM:
		h.mlmPre, h.mlmAct, h.mlmNorm = make([]float32, n*d), make([]float32, n*d), make([]float32, n*d)
		h.mlmMean, h.mlmRstd = make([]float32, n), make([]float32, n)
		m.mlmTransform.forward(m.k, h.mlmPre, x, n)
		m.act.apply(m.k, h.mlmAct, h.mlmPre)
		m.mlmLN.forward(m.k, h.mlmNorm, h.mlmMean, h.mlmRstd, h.mlmAct, n, d, c.LayerNormEps)
		h.logits = make([]float32, n*c.VocabSize)
		for r := 0; r < n; r++ {
			copy(h.logits[r*c.VocabSize:(r+1)*c.VocabSize], m.decoderBias)
		}
		m.decode(h.logits, h.mlmNorm, n, 1)
	case CausalLM:
		h.logits = make([]float32, n*c.VocabSize)
		m.decode(h.logits, x, n, 0)
	}
}

// classifiedRows returns, for each sequence, the row of the hidden states its classifier reads: the
// first token, or for GPT-2 the token before the first pad_token_id (the last token when there is none),
// as GPT2ForSequenceClassification finds it, from the input ids and not the attention mask. Without a
// pad_token_id that is the last token (validate allows only one sequence then).
func (m *Model) classifiedRows(b *Batch) []int {
	rows := make([]int, b.Size)
	for i := range rows {
		rows[i] = i * b.SeqLen
		if m.cfg.ModelType != checkpoint.GPT2 {
			continue
		}
		if !m.hasPadID {
			rows[i] += b.SeqLen - 1
			continue
		}
		last := b.SeqLen - 1
		for t, id := range b.InputIDs[i*b.SeqLen : (i+1)*b.SeqLen] {
			if id == m.padID {
				last = t - 1
				break
			}
		}
		if last < 0 { // a pad token first: index -1, the last position, in torch
			last = b.SeqLen - 1
		}
		rows[i] += last
	}
	return rows
}

// headBackward is the backward pass of headForward from the final hidden states x [N, D]. dLogits
// [len(rows), classes] are the loss gradients of the logits rows listed in rows, every other row's being
// zero. It adds the gradient with respect to x to dx, and the head's parameter gradients to the gradient
// model g unless g is nil.
func (m *Model) headBackward(h *headActs, g *Model, rows []int, dLogits, x, dx []float32, b *Batch, sh shape) {
	d := sh.hidden
	c := m.cfg
	switch m.head {
	case SequenceClassification:
		var gPooler, gPreClassifier, gClassifier *linear
		if g != nil {
			gPooler, gPreClassifier, gClassifier = g.pooler, g.preClassifier, g.classifier
		}
		dl := make([]float32, b.Size*c.NumLabels)
		scatterAddRows(dl, dLogits, rows, c.NumLabels)
		dPooled := make([]float32, b.Size*d)
		m.classifier.backward(m.k, dPooled, gClassifier, dl, h.pooled, b.Size)
		dPooledIn := dPooled
		switch c.ModelType {
		case checkpoint.BERT: // pooled = tanh(pooler(pooledIn))
			for i, y := range h.pooled {
				dPooled[i] *= 1 - y*y
			}
			dPooledIn = make([]float32, b.Size*d)
			m.pooler.backward(m.k, dPooledIn, gPooler, dPooled, h.pooledIn, b.Size)
		case checkpoint.DistilBERT: // pooled = relu(preClassifier(pooledIn))
			relu.backward(m.k, dPooled, h.pooledPre)
			dPooledIn = make([]float32, b.Size*d)
			m.preClassifier.backward(m.k, dPooledIn, gPreClassifier, dPooled, h.pooledIn, b.Size)
		}
		scatterAddRows(dx, dPooledIn, h.rows, d)

	case MaskedLM:
		// Only the labelled rows carry a gradient: run the head's backward on them alone.
		r := len(rows)
		var gTransform *linear
		var gLN *layerNorm
		if g != nil {
			gTransform, gLN = g.mlmTransform, g.mlmLN
		}
		dNorm := m.decoderBackward(g, rows, dLogits, h.mlmNorm, d)
		dAct := make([]float32, r*d)
		m.mlmLN.backward(m.k, dAct, gLN, dNorm, gatherRows(h.mlmAct, rows, d), gatherRows(h.mlmMean, rows, 1),
			gatherRows(h.mlmRstd, rows, 1), r, d)
		m.act.backward(m.k, dAct, gatherRows(h.mlmPre, rows, d))
		dIn := make([]float32, r*d)
		m.mlmTransform.backward(m.k, dIn, gTransform, dAct, gatherRows(x, rows, d), r)
		scatterAddRows(dx, dIn, rows, d)

	case CausalLM:
		scatterAddRows(dx, m.decoderBackward(g, rows, dLogits, x, d), rows, d)
	}
}

// decoderBackward is the backward pass of the vocabulary projection logits = in·decoderᵀ (+ bias) for
// the rows of in [N, D] listed in rows, whose logits' gradients are dLogits [len(rows), VocabSize]. It
// returns the gradient with respect to those rows of in [len(rows), D], and adds the decoder's gradients
// to g unless g is nil: to the word embeddings' when the two are tied.
func (m *Model) decoderBackward(g *Model, rows []int, dLogits, in []float32, d int) []float32 {
	r, vocab := len(rows), m.cfg.VocabSize
	dIn := make([]float32, r*d)
	m.k.Sgemm(blas.NoTrans, blas.NoTrans, r, d, vocab, 1, dLogits, vocab, m.decoder, d, 0, dIn, d)
	if g != nil {
		m.k.Sgemm(blas.Trans, blas.NoTrans, vocab, d, r, 1, dLogits, vocab, gatherRows(in, rows, d), d, 1, g.decoder, d)
		if g.decoderBias != nil {
			for i := 0; i < r; i++ {
				addInPlace(g.decoderBias, dLogits[i*vocab:(i+1)*vocab])
			}
		}
	}
	return dIn
}

// gatherRows returns the listed rows of src [*, width], packed.
func gatherRows(src []float32, rows []int, width int) []float32 {
	return gatherRowsTo(make([]float32, len(rows)*width), src, rows, width)
}

// gatherRowsTo writes the listed rows of src [*, width] to dst [len(rows), width] and returns it.
func gatherRowsTo(dst, src []float32, rows []int, width int) []float32 {
	for i, r := range rows {
		copy(dst[i*width:(i+1)*width], src[r*width:(r+1)*width])
	}
	return dst
}

// scatterAddRows adds each row i of src [len(rows), width] to row rows[i] of dst.
func scatterAddRows(dst, src []float32, rows []int, width int) {
	for i, r := range rows {
		addInPlace(dst[r*width:(r+1)*width], src[i*width:(i+1)*width])
	}
}
