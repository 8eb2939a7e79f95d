package model

import (
	"bertology/core/checkpoint"
)

// embedActs keeps what the embedding layer computed, for the backward pass; its buffers are kept from
// pass to pass (the tape is part of the workspace).
type embedActs struct {
	sum        []float32 // [N, D] the summed embeddings before the LayerNorm (BERT, DistilBERT)
	mean, rstd []float32 // [N] the LayerNorm's statistics
}

// embed writes the embedding layer's output [N, D] to out: word + token type + position embeddings,
// then a LayerNorm for BERT and DistilBERT. Additions follow Hugging Face's order, (word + type) + pos.
// Llama's are the word embeddings alone: its positions are rotations in the attention (rope.go).
func (m *Model) embed(out []float32, e *embedActs, b *Batch, n, d int) {
	sum := out
	if m.embLN != nil {
		e.sum, e.mean, e.rstd = grow(e.sum, n*d), grow(e.mean, n), grow(e.rstd, n)
		sum = e.sum
	}
	for r := 0; r < n; r++ {
		t := r % b.SeqLen
		row := sum[r*d : (r+1)*d]
		word := m.wordEmb[b.InputIDs[r]*d : (b.InputIDs[r]+1)*d]
		if m.posEmb == nil {
			copy(row, word)
			continue
		}
		pos := m.posEmb[t*d : (t+1)*d]
		if m.cfg.ModelType == checkpoint.BERT {
			tt := 0
			if b.TokenTypeIDs != nil {
				tt = b.TokenTypeIDs[r]
			}
			typ := m.typeEmb[tt*d : (tt+1)*d]
			for j := range row {
				row[j] = (word[j] + typ[j]) + pos[j]
			}
			continue
		}
		for j := range row {
			row[j] = word[j] + pos[j]
		}
	}
	if m.embLN != nil {
		m.embLN.forward(m.k, out, e.mean, e.rstd, e.sum, n, d, m.cfg.LayerNormEps)
	}
}

// embedBackward is the backward pass of embed: given dOut [N, D], the gradient of the embedding
// layer's output, it adds the gradients of the embedding tables (and of BERT's and DistilBERT's
// LayerNorm) to the gradient model g, with dSum [N, D] as scratch. A token that occurs several times
// adds one row per occurrence.
func (m *Model) embedBackward(g *Model, e *embedActs, dOut, dSum []float32, b *Batch, n, d int) {
	if m.embLN == nil {
		dSum = dOut
	} else {
		clear(dSum)
		m.embLN.backward(m.k, dSum, g.embLN, dOut, e.sum, e.mean, e.rstd, n, d)
	}
	for r := 0; r < n; r++ {
		row := dSum[r*d : (r+1)*d]
		id, t := b.InputIDs[r], r%b.SeqLen
		addInPlace(g.wordEmb[id*d:(id+1)*d], row)
		if g.posEmb != nil {
			addInPlace(g.posEmb[t*d:(t+1)*d], row)
		}
		if m.cfg.ModelType == checkpoint.BERT {
			tt := 0
			if b.TokenTypeIDs != nil {
				tt = b.TokenTypeIDs[r]
			}
			addInPlace(g.typeEmb[tt*d:(tt+1)*d], row)
		}
	}
}
