package model

import "bertology/core/checkpoint"

// embedBackward is the backward pass of embed: given dOut [N, D], the gradient of the embedding
// layer's output, it adds the gradients of the embedding tables (and of BERT's and DistilBERT's
// LayerNorm) to the gradient model g. A token that occurs several times adds one row per occurrence.
func (m *Model) embedBackward(g *Model, e *embedActs, dOut []float32, b *Batch, n, d int) {
	dSum := dOut
	if m.embLN != nil {
		dSum = make([]float32, n*d)
		m.embLN.backward(m.k, dSum, g.embLN, dOut, e.sum, e.mean, e.rstd, n, d)
	}
	for r := 0; r < n; r++ {
		row := dSum[r*d : (r+1)*d]
		id, t := b.InputIDs[r], r%b.SeqLen
		addInPlace(g.wordEmb[id*d:(id+1)*d], row)
		addInPlace(g.posEmb[t*d:(t+1)*d], row)
		if m.cfg.ModelType == checkpoint.BERT {
			tt := 0
			if b.TokenTypeIDs != nil {
				tt = b.TokenTypeIDs[r]
			}
			addInPlace(g.typeEmb[tt*d:(tt+1)*d], row)
		}
	}
}
