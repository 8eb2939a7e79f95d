package model

import (
	"fmt"
	"slices"

	"bertology/core/tensor"
)

// tape is everything a forward pass computed, layer by layer, for the backward pass to read. It is
// part of the pass's workspace, whose buffers it points into, so that the next pass on the workspace
// reuses its embeddings' and head's buffers too.
type tape struct {
	ws        *workspace // the workspace the tape is part of, while the pass holds it
	shape     shape
	emb       embedActs
	layers    []*layerActs
	final     []float32 // [N, D] the head's input: GPT-2's ln_f (Llama's norm) output, else the last block's output
	finalMean []float32 // [N] their statistics
	finalRstd []float32
	head      headActs
}

// Forward runs the model on a batch. It fails, computing nothing, when the batch does not fit the
// model: token ids outside the vocabulary, sequences longer than the position table, lengths that
// disagree, labels out of range.
func (m *Model) Forward(b *Batch, opt Options) (*Output, error) {
	out, tp, err := m.forward(b, opt, nil)
	m.release(tp)
	return out, err
}

// forward is Forward that also returns the tape, for the backward pass that computes grad (nil for
// none); without one the tape holds only the last layer's activations, the buffers being reused from
// layer to layer. It fails, allocating nothing, when the pass would not fit the memory left (see
// PassMemory). The caller releases the tape (Model.release) when it is done with it.
func (m *Model) forward(b *Batch, opt Options, grad *GradOptions) (*Output, *tape, error) {
	if err := m.validate(b, &opt); err != nil {
		return nil, nil, err
	}
	if MemoryLimit > 0 {
		what := fmt.Sprintf("a batch of %d × %d tokens", b.Size, b.SeqLen)
		if err := m.PassMemory(Pass{Size: b.Size, SeqLen: b.SeqLen, Options: opt, Grad: grad}).Fits(what); err != nil {
			return nil, nil, err
		}
	}
	keep := grad != nil
	c := m.cfg
	sh := shape{batch: b.Size, seqLen: b.SeqLen, rows: b.Size * b.SeqLen, hidden: c.HiddenSize, headDim: c.HeadDim()}
	n, d := sh.rows, sh.hidden
	ws := m.workspace()
	tp := &ws.tape
	tp.ws, tp.shape, tp.layers = ws, sh, tp.layers[:0]
	out := &Output{}

	ws.emb = grow(ws.emb, n*d)
	x := ws.emb
	m.embed(x, &tp.emb, b, n, d)
	if opt.Embeddings != nil {
		copy(x, opt.Embeddings)
	}
	if opt.HiddenStates {
		out.HiddenStates = append(out.HiddenStates, tensor.FromData(slices.Clone(x), b.Size, b.SeqLen, d))
	}
	// A classifier reads one row of each sequence, and a masked LM's loss its labelled rows: unless every
	// hidden state (or the masked LM's every logit) is wanted, the last block computes only those rows
	// after its attention, and the head reads them in order.
	var headRows []int
	tp.head.labels = nil
	switch {
	case m.head == SequenceClassification:
		tp.head.rows = m.classifiedRows(tp.head.rows, b)
		if !opt.HiddenStates && opt.Hook == nil {
			ws.rows = append(ws.rows[:0], tp.head.rows...)
			headRows = ws.rows
			for i := range tp.head.rows {
				tp.head.rows[i] = i
			}
		}
	case m.head == PreTraining: // the next-sentence classifier reads each sequence's first token
		tp.head.rows = m.classifiedRows(tp.head.rows, b)
	case m.head == MaskedLM && opt.LossOnly && !opt.HiddenStates && opt.Hook == nil && b.Labels != nil:
		ws.rows, ws.labels = ws.rows[:0], ws.labels[:0]
		for r, label := range b.Labels {
			if label != ignoreIndex {
				ws.rows, ws.labels = append(ws.rows, r), append(ws.labels, label)
			}
		}
		if len(ws.rows) > 0 {
			headRows, tp.head.labels = ws.rows, ws.labels
		}
	}
	for l, blk := range m.layers {
		a := tp.ws.layer(0)
		if keep {
			a = tp.ws.layer(l)
		}
		if l == 0 || keep {
			tp.layers = append(tp.layers, a)
		}
		a.rows = nil
		if l == len(m.layers)-1 {
			a.rows = headRows
		}
		headMask := m.layerHeadMask(&ws.mask, opt.HeadMask, l)
		a.prepare(blk, sh, m.preLN(), headMask != nil)
		opt.Hook.residual(l, x)
		a.hook = opt.Hook
		m.blockForward(a, blk, l, x, sh, b.AttentionMask, headMask)
		if keep {
			x = a.out
		} else {
			copy(x, a.out)
		}
		nh, t := len(blk.heads), b.SeqLen
		if opt.Attentions {
			out.Attentions = append(out.Attentions, tensor.FromData(slices.Clone(a.attn), b.Size, nh, t, t))
		}
		if opt.QueriesKeys {
			q, k := m.headQueriesKeys(blk, a.qkv, sh)
			out.Queries, out.Keys = append(out.Queries, q), append(out.Keys, k)
		}
		if opt.Contexts {
			out.Contexts = append(out.Contexts, headContexts(a.merged, b.Size, nh, t, sh.headDim))
		}
		if opt.HiddenStates && (m.finalLN == nil || l < len(m.layers)-1) {
			out.HiddenStates = append(out.HiddenStates, tensor.FromData(slices.Clone(x), b.Size, b.SeqLen, d))
		}
	}
	opt.Hook.residual(len(m.layers), x)
	nf := n // the rows the last block computed
	if headRows != nil {
		nf = len(headRows)
	}
	tp.final = x[:nf*d]
	if m.finalLN != nil {
		ws.final, tp.finalMean, tp.finalRstd = grow(ws.final, nf*d), grow(tp.finalMean, nf), grow(tp.finalRstd, nf)
		tp.final = ws.final
		m.finalLN.forward(m.k, tp.final, tp.finalMean, tp.finalRstd, x, nf, d, c.LayerNormEps)
		if opt.HiddenStates {
			out.HiddenStates = append(out.HiddenStates, tensor.FromData(slices.Clone(tp.final), b.Size, b.SeqLen, d))
		}
	}
	if m.head == NoHead {
		return out, tp, nil
	}
	// Output.Logits holds the logits themselves, but for the question answerer's, which it splits, and
	// a language model's when only the loss is wanted.
	returned := m.head != QuestionAnswering && (!m.vocabularyLogits() || !opt.LossOnly)
	var logits []float32 // the memory of the logits: new when returned
	if !returned {
		logits = ws.logits
	}
	m.headForward(&tp.head, tp.final, b, sh, logits)
	if !returned {
		ws.logits = tp.head.logits
	}
	h := &tp.head
	switch {
	case m.head == SequenceClassification:
		out.Logits = tensor.FromData(h.logits, b.Size, c.NumLabels)
	case m.head == TokenClassification:
		out.Logits = tensor.FromData(h.logits, b.Size, b.SeqLen, c.NumLabels)
	case m.head == QuestionAnswering:
		out.StartLogits, out.EndLogits = tensor.New(b.Size, b.SeqLen), tensor.New(b.Size, b.SeqLen)
		for r := range n {
			out.StartLogits.Data[r], out.EndLogits.Data[r] = h.logits[2*r], h.logits[2*r+1]
		}
	case !opt.LossOnly:
		out.Logits = tensor.FromData(h.logits, b.Size, b.SeqLen, c.VocabSize)
	}
	if m.head == PreTraining {
		out.NextSentenceLogits = tensor.FromData(h.nextSentence, b.Size, 2)
	}
	loss, ok := m.loss(h, b)
	out.Loss, out.HasLoss = float32(loss), ok
	return out, tp, nil
}

// layerHeadMask picks layer l's entries of a head mask in original head numbering, one per head the
// layer keeps, into the buffer *dst, grown to fit; nil when there is no mask.
func (m *Model) layerHeadMask(dst *[]float32, mask []float32, l int) []float32 {
	if mask == nil {
		return nil
	}
	heads := m.layers[l].heads
	*dst = grow(*dst, len(heads))
	out := *dst
	for i, h := range heads {
		out[i] = mask[l*m.cfg.NumHeads+h]
	}
	return out
}

// headContexts lays the heads' merged contexts [B·T, heads·head_dim] out as [B, heads, T, head_dim].
func headContexts(merged []float32, batch, heads, t, hd int) *tensor.Tensor {
	out := tensor.New(batch, heads, t, hd)
	for bi := 0; bi < batch; bi++ {
		for h := 0; h < heads; h++ {
			for ti := 0; ti < t; ti++ {
				at := ((bi*heads+h)*t + ti) * hd
				copy(out.Data[at:at+hd], merged[(bi*t+ti)*heads*hd+h*hd:])
			}
		}
	}
	return out
}
