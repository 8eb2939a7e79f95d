package model

import (
	"bertology/core/checkpoint"
	"math"

	"gonum.org/v1/gonum/blas"
)

// headActs keeps what the task head computed, for the backward pass. Its buffers are kept from pass
// to pass (the tape is part of the workspace), each resized by grow and overwritten.
type headActs struct {
	rows      []int     // [B] the row of the final hidden states each sequence's classifier reads
	pooledIn  []float32 // [B, D] the hidden states at those tokens
	pooledPre []float32 // [B, D] BERT's pooler or DistilBERT's pre-classifier, before tanh or ReLU
	pooledAct []float32 // [B, D] after it
	pooled    []float32 // [B, D] the classifier's input: pooledAct, or GPT-2's pooledIn
	mlmPre    []float32 // [N, D] the masked LM transform's dense layer
	mlmAct    []float32 // [N, D] after the activation
	mlmNorm   []float32 // [N, D] after the LayerNorm: the decoder's input
	mlmMean   []float32 // [N] the LayerNorm's statistics
	mlmRstd   []float32
	// logits are the head's logits: a sequence classifier's [B, NumLabels], a token classifier's
	// [N, NumLabels], the question answerer's [N, 2] (each token's start then end logit, as qa_outputs
	// gives them), a language model's [N, VocabSize].
	logits []float32
	// nextSentence are the pre-training head's next-sentence logits [B, 2].
	nextSentence []float32
	labels       []int // a masked LM's labels of its logits rows, when it computed the labelled rows alone
	shifted      []int // a causal LM's labels shifted by one (shiftedLabels), for the loss
	// The question answerer's start and end logits [B, T], taken apart from logits, and the positions
	// the loss reads (spanPositions).
	start, end             []float32
	startLabels, endLabels []int
}

// headForward computes the logits from the final hidden states x [N, D], or only those rows the head
// reads (forward decides): a sequence classifier reads the rows h.rows of x, which forward sets, as
// does the pre-training head's next-sentence classifier. The logits are written to logits' memory when
// it is large enough (nil: new memory, for logits the caller keeps); the pre-training head's
// next-sentence logits always get new memory.
func (m *Model) headForward(h *headActs, x []float32, b *Batch, sh shape, logits []float32) {
	n := len(x) / sh.hidden // every row, or a masked LM's labelled rows alone
	switch m.head {
	case SequenceClassification:
		h.logits = m.pooledForward(h, x, b.Size, logits)
	case TokenClassification, QuestionAnswering: // the classifier on every token
		h.logits = grow(logits, n*m.classifier.out)
		m.classifier.forward(m.k, h.logits, x, n)
	case MaskedLM:
		m.mlmForward(h, x, n, logits)
	case PreTraining:
		m.mlmForward(h, x, n, logits)
		h.nextSentence = m.pooledForward(h, x, b.Size, nil)
	case CausalLM:
		h.logits = grow(logits, n*m.cfg.VocabSize)
		m.decode(h.logits, x, n, 0)
	}
}

// pooledForward is a sequence classifier on the rows h.rows of x [*, D], one a sequence, size of them:
// BERT's tanh pooler, DistilBERT's ReLU pre-classifier or, for GPT-2, nothing, then the classifier. It
// returns the logits [size, classes], in logits' memory when it is large enough.
func (m *Model) pooledForward(h *headActs, x []float32, size int, logits []float32) []float32 {
	d := m.cfg.HiddenSize
	gatherRows(&h.pooledIn, x, h.rows, d)
	h.pooled = h.pooledIn
	switch {
	case m.pooler != nil:
		h.pooledPre, h.pooledAct = grow(h.pooledPre, size*d), grow(h.pooledAct, size*d)
		m.pooler.forward(m.k, h.pooledPre, h.pooledIn, size)
		for i, v := range h.pooledPre {
			h.pooledAct[i] = float32(math.Tanh(float64(v)))
		}
		h.pooled = h.pooledAct
	case m.preClassifier != nil:
		h.pooledPre, h.pooledAct = grow(h.pooledPre, size*d), grow(h.pooledAct, size*d)
		m.preClassifier.forward(m.k, h.pooledPre, h.pooledIn, size)
		relu.apply(m.k, h.pooledAct, h.pooledPre)
		h.pooled = h.pooledAct
	}
	logits = grow(logits, size*m.classifier.out)
	m.classifier.forward(m.k, logits, h.pooled, size)
	return logits
}

// mlmForward is a masked LM's head on the n rows of x [n, D]: the transform's dense layer, the
// activation, the LayerNorm, then the decoder and its bias, into h.logits [n, VocabSize] (in logits'
// memory when it is large enough).
func (m *Model) mlmForward(h *headActs, x []float32, n int, logits []float32) {
	c := m.cfg
	d := c.HiddenSize
	h.mlmPre, h.mlmAct, h.mlmNorm = grow(h.mlmPre, n*d), grow(h.mlmAct, n*d), grow(h.mlmNorm, n*d)
	h.mlmMean, h.mlmRstd = grow(h.mlmMean, n), grow(h.mlmRstd, n)
	m.mlmTransform.forward(m.k, h.mlmPre, x, n)
	m.act.apply(m.k, h.mlmAct, h.mlmPre)
	m.mlmLN.forward(m.k, h.mlmNorm, h.mlmMean, h.mlmRstd, h.mlmAct, n, d, c.LayerNormEps)
	h.logits = grow(logits, n*c.VocabSize)
	for r := 0; r < n; r++ {
		copy(h.logits[r*c.VocabSize:(r+1)*c.VocabSize], m.decoderBias)
	}
	m.decode(h.logits, h.mlmNorm, n, 1)
}

// classifiedRows returns, for each sequence, the row of the hidden states its classifier reads: the
// first token, or for GPT-2 the token before the first pad_token_id (the last token when there is none),
// as GPT2ForSequenceClassification finds it, from the input ids and not the attention mask. Without a
// pad_token_id that is the last token (validate allows only one sequence then). The rows are written to
// dst's memory when it is large enough.
func (m *Model) classifiedRows(dst []int, b *Batch) []int {
	rows := grow(dst, b.Size)
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

// headScratch holds the backward pass's buffers for the loss and the task head, reused from pass to
// pass; each is resized by grow and overwritten (or cleared) before it is read.
type headScratch struct {
	loss       lossGrad  // the gradient of the loss with respect to the head's logits
	nextSent   lossGrad  // the pre-training head's next-sentence loss's, with respect to its logits
	start, end lossGrad  // the question answerer's start and end losses', with respect to [B, T]
	probs      []float64 // [classes] one row's softmax
	dl         []float32 // [B, NumLabels] a classifier's logits' gradients, every row
	dPooled    []float32 // [B, D] gradient of the classifier's input
	dIn        []float32 // [B, D] or [R, D] gradient of the pooled rows, or of the labelled rows of x
	dAct       []float32 // [R, D] gradient of the MLM transform's activation
	dDecoded   []float32 // [R, D] gradient of the decoder's input rows
	// The labelled rows of what the MLM transform, its LayerNorm, the decoder and a token classifier
	// read, gathered.
	actRows, meanRows, rstdRows, preRows, xRows, decodedRows []float32
}

// headBackward is the backward pass of headForward from the final hidden states x [N, D], on the buffers
// of s. dLogits [len(rows), classes] are the loss gradients of the logits rows listed in rows, every
// other row's being zero; the pre-training head's next-sentence gradients are s.nextSent's. It adds the
// gradient with respect to x to dx, and the head's parameter gradients to the gradient model g unless g
// is nil.
func (m *Model) headBackward(s *headScratch, h *headActs, g *Model, rows []int, dLogits, x, dx []float32, b *Batch, sh shape) {
	d := sh.hidden
	switch m.head {
	case SequenceClassification:
		m.pooledBackward(s, h, g, rows, dLogits, dx, b.Size)
	case TokenClassification, QuestionAnswering:
		var gClassifier *linear
		if g != nil {
			gClassifier = g.classifier
		}
		r := len(rows)
		s.dIn = grow(s.dIn, r*d)
		clear(s.dIn)
		m.classifier.backward(m.k, s.dIn, gClassifier, dLogits, gatherRows(&s.xRows, x, rows, d), r)
		scatterAddRows(dx, s.dIn, rows, d)
	case MaskedLM:
		m.mlmBackward(s, h, g, rows, dLogits, x, dx)
	case PreTraining:
		m.mlmBackward(s, h, g, rows, dLogits, x, dx)
		m.pooledBackward(s, h, g, s.nextSent.rows, s.nextSent.d, dx, b.Size)
	case CausalLM:
		scatterAddRows(dx, m.decoderBackward(s, g, rows, dLogits, x, d), rows, d)
	}
}

// pooledBackward is the backward pass of pooledForward, given the gradients dLogits [len(rows),
// classes] of the logits rows (sequences) listed in rows: it adds the gradient with respect to the
// pooled rows to those rows of dx.
func (m *Model) pooledBackward(s *headScratch, h *headActs, g *Model, rows []int, dLogits, dx []float32, size int) {
	d := m.cfg.HiddenSize
	var gPooler, gPreClassifier, gClassifier *linear
	if g != nil {
		gPooler, gPreClassifier, gClassifier = g.pooler, g.preClassifier, g.classifier
	}
	classes := m.classifier.out
	s.dl, s.dPooled = grow(s.dl, size*classes), grow(s.dPooled, size*d)
	clear(s.dl)
	scatterAddRows(s.dl, dLogits, rows, classes)
	dPooled := s.dPooled
	clear(dPooled)
	m.classifier.backward(m.k, dPooled, gClassifier, s.dl, h.pooled, size)
	dPooledIn := dPooled
	switch {
	case m.pooler != nil: // pooled = tanh(pooler(pooledIn))
		for i, y := range h.pooled {
			dPooled[i] *= 1 - y*y
		}
		s.dIn = grow(s.dIn, size*d)
		dPooledIn = s.dIn
		clear(dPooledIn)
		m.pooler.backward(m.k, dPooledIn, gPooler, dPooled, h.pooledIn, size)
	case m.preClassifier != nil: // pooled = relu(preClassifier(pooledIn))
		relu.backward(m.k, dPooled, h.pooledPre)
		s.dIn = grow(s.dIn, size*d)
		dPooledIn = s.dIn
		clear(dPooledIn)
		m.preClassifier.backward(m.k, dPooledIn, gPreClassifier, dPooled, h.pooledIn, size)
	}
	scatterAddRows(dx, dPooledIn, h.rows, d)
}

// mlmBackward is the backward pass of mlmForward for the labelled rows alone, the only ones that carry
// a gradient: dLogits [len(rows), VocabSize] are theirs. It adds the gradient with respect to those
// rows of x to dx.
func (m *Model) mlmBackward(s *headScratch, h *headActs, g *Model, rows []int, dLogits, x, dx []float32) {
	d := m.cfg.HiddenSize
	r := len(rows)
	var gTransform *linear
	var gLN *layerNorm
	if g != nil {
		gTransform, gLN = g.mlmTransform, g.mlmLN
	}
	dNorm := m.decoderBackward(s, g, rows, dLogits, h.mlmNorm, d)
	s.dAct = grow(s.dAct, r*d)
	clear(s.dAct)
	act := gatherRows(&s.actRows, h.mlmAct, rows, d)
	mean, rstd := gatherRows(&s.meanRows, h.mlmMean, rows, 1), gatherRows(&s.rstdRows, h.mlmRstd, rows, 1)
	m.mlmLN.backward(m.k, s.dAct, gLN, dNorm, act, mean, rstd, r, d)
	m.act.backward(m.k, s.dAct, gatherRows(&s.preRows, h.mlmPre, rows, d))
	s.dIn = grow(s.dIn, r*d)
	clear(s.dIn)
	m.mlmTransform.backward(m.k, s.dIn, gTransform, s.dAct, gatherRows(&s.xRows, x, rows, d), r)
	scatterAddRows(dx, s.dIn, rows, d)
}

// decoderBackward is the backward pass of the vocabulary projection logits = in·decoderᵀ (+ bias) for
// the rows of in [N, D] listed in rows, whose logits' gradients are dLogits [len(rows), VocabSize]. It
// returns the gradient with respect to those rows of in [len(rows), D], a buffer of s, and adds the
// decoder's gradients to g unless g is nil: to the word embeddings' when the two are tied.
func (m *Model) decoderBackward(s *headScratch, g *Model, rows []int, dLogits, in []float32, d int) []float32 {
	r, vocab := len(rows), m.cfg.VocabSize
	s.dDecoded = grow(s.dDecoded, r*d)
	dIn := s.dDecoded
	m.k.Sgemm(blas.NoTrans, blas.NoTrans, r, d, vocab, 1, dLogits, vocab, m.decoder, d, 0, dIn, d)
	if g != nil {
		inRows := gatherRows(&s.decodedRows, in, rows, d)
		m.k.Sgemm(blas.Trans, blas.NoTrans, vocab, d, r, 1, dLogits, vocab, inRows, d, 1, g.decoder, d)
		if g.decoderBias != nil {
			for i := 0; i < r; i++ {
				addInPlace(g.decoderBias, dLogits[i*vocab:(i+1)*vocab])
			}
		}
	}
	return dIn
}

// gatherRows writes the listed rows of src [*, width] to the buffer *dst, grown to [len(rows), width],
// and returns them.
func gatherRows(dst *[]float32, src []float32, rows []int, width int) []float32 {
	*dst = grow(*dst, len(rows)*width)
	for i, r := range rows {
		copy((*dst)[i*width:(i+1)*width], src[r*width:(r+1)*width])
	}
	return *dst
}

// scatterAddRows adds each row i of src [len(rows), width] to row rows[i] of dst.
func scatterAddRows(dst, src []float32, rows []int, width int) {
	for i, r := range rows {
		addInPlace(dst[r*width:(r+1)*width], src[i*width:(i+1)*width])
	}
}
