package model

import (
	"gonum.org/v1/gonum/blas"

	"bertology/core/checkpoint"
)

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
	out := make([]float32, len(rows)*width)
	for i, r := range rows {
		copy(out[i*width:(i+1)*width], src[r*width:(r+1)*width])
	}
	return out
}

// scatterAddRows adds each row i of src [len(rows), width] to row rows[i] of dst.
func scatterAddRows(dst, src []float32, rows []int, width int) {
	for i, r := range rows {
		addInPlace(dst[r*width:(r+1)*width], src[i*width:(i+1)*width])
	}
}
