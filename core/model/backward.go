package model

import (
	"errors"

	"bertology/core/tensor"
)

// GradOptions says which derivatives of the loss ForwardBackward computes.
type GradOptions struct {
	// HeadMask asks for dLoss/dHeadMask, what head importance is made of. On its own it costs about one
	// more forward pass.
	HeadMask bool
	// Weights asks for dLoss/dW of every parameter, for training; it about doubles the backward pass.
	Weights bool
}

// Gradients are the derivatives of a batch's loss that ForwardBackward computed.
type Gradients struct {
	// HeadMask [NumLayers*NumHeads] is dLoss/dHeadMask at the Options' head mask (all ones when it is
	// nil), in original head numbering; pruned heads' entries are 0. Nil unless asked for.
	HeadMask []float32
	// Weights are dLoss/dW for every parameter, under the names and in the shapes and layouts Weights
	// returns them: a tied weight (the word embeddings and the LM decoder) has one gradient, the sum over
	// its uses. Nil unless asked for.
	Weights map[string]*tensor.Tensor
}

// ForwardBackward runs Forward on a batch with labels (or regression targets) and backpropagates its
// loss: the mean cross-entropy of a classifier or masked LM over labels other than -100, the mean
// cross-entropy of each token's prediction of the next for a causal LM, the mean squared error of a
// regression. Dropout is off, as in Forward. It fails like Forward, and when the batch has no loss.
func (m *Model) ForwardBackward(b *Batch, opt Options, want GradOptions) (*Output, *Gradients, error) {
	switch {
	case m.head == NoHead:
		return nil, nil, errors.New("the model has no head, hence no loss to differentiate")
	case b.Labels == nil && b.Targets == nil:
		return nil, nil, errors.New("the batch has no labels, hence no loss to differentiate")
	}
	out, tp, err := m.forward(b, opt, true)
	defer m.release(tp)
	if err != nil {
		return nil, nil, err
	}
	rows, dLogits, err := m.lossBackward(&tp.head, b)
	if err != nil {
		return nil, nil, err
	}
	grads := &Gradients{}
	if !want.HeadMask && !want.Weights {
		return out, grads, nil
	}
	var g *Model // the parameters' gradients, in the model's own layout
	if want.Weights {
		g = m.gradientModel()
	}
	c, sh := m.cfg, tp.shape
	n, d := sh.rows, sh.hidden
	ws := tp.ws
	ws.dx, ws.dPrev = grow(ws.dx, n*d), grow(ws.dPrev, n*d)
	dx, dPrev := ws.dx, ws.dPrev
	nf := len(tp.final) / d // the rows the last block computed: all, or those the head reads
	clear(dx[:nf*d])
	m.headBackward(&tp.head, g, rows, dLogits, tp.final, dx[:nf*d], b, sh)
	if m.finalLN != nil {
		var gLN *layerNorm
		if g != nil {
			gLN = g.finalLN
		}
		last := tp.layers[len(tp.layers)-1].out
		clear(dPrev[:nf*d])
		m.finalLN.backward(m.k, dPrev[:nf*d], gLN, dx[:nf*d], last, tp.finalMean, tp.finalRstd, nf, d)
		dx, dPrev = dPrev, dx
	}
	if want.HeadMask {
		grads.HeadMask = make([]float32, c.NumLayers*c.NumHeads)
	}
	for l := len(m.layers) - 1; l >= 0; l-- {
		var dIn, dHeadMask []float32
		if g != nil || l > 0 { // the first layer's input gradient only feeds the embeddings'
			dIn = dPrev
		}
		if want.HeadMask {
			dHeadMask = grads.HeadMask[l*c.NumHeads : (l+1)*c.NumHeads]
		}
		m.blockBackward(&ws.scratch, tp.layers[l], m.layers[l], blockGrad(g, l), l, dx, dIn, sh, b.AttentionMask,
			m.layerHeadMask(opt.HeadMask, l), dHeadMask)
		dx, dPrev = dPrev, dx
	}
	if g != nil {
		m.embedBackward(g, &tp.emb, dx, b, n, d)
		grads.Weights = g.Weights()
	}
	return out, grads, nil
}

// gradientModel returns a model laid out as m with every parameter zero, to accumulate m's parameter
// gradients in: its walk, and so Weights, names and shapes them as m's own parameters, and its decoder
// shares the word embeddings' gradient when m's decoder shares their weights.
func (m *Model) gradientModel() *Model {
	g := &Model{cfg: m.cfg, head: m.head, prefix: m.prefix}
	g.layout(m.head == NoHead && m.pooler != nil)
	return g
}
