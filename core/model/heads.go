package model

import (
	"math"

	"bertology/core/checkpoint"
)

// headActs keeps what the task head computed, for the backward pass.
type headActs struct {
	rows      []int     // [B] the token each sequence's classifier reads
	pooledIn  []float32 // [B, D] the hidden states at those tokens
	pooledPre []float32 // [B, D] BERT's pooler or DistilBERT's pre-classifier, before tanh or ReLU
	pooled    []float32 // [B, D] after it: the classifier's input
	mlmPre    []float32 // [N, D] BERT MLM transform's dense layer
	mlmAct    []float32 // [N, D] after the activation
	mlmNorm   []float32 // [N, D] after the LayerNorm: the decoder's input
	mlmMean   []float32 // [N] the LayerNorm's statistics
	mlmRstd   []float32
	logits    []float32
}

// headForward computes the logits from the final hidden states x [N, D].
func (m *Model) headForward(h *headActs, x []float32, b *Batch, sh shape) {
	n, d := sh.rows, sh.hidden
	c := m.cfg
	switch m.head {
	case SequenceClassification:
		h.rows = m.classifiedRows(b)
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
