package model

import (
	"errors"
	"fmt"
	"slices"

	"bertology/core/tensor"
)

// GradOptions says which derivatives of the loss ForwardBackward computes.
type GradOptions struct {
	// HeadMask asks for dLoss/dHeadMask, what head importance is made of. On its own it costs about one
	// more forward pass.
	HeadMask bool
	// Weights asks for dLoss/dW of every parameter in Gradients.Weights, by Hugging Face name and in its
	// layout; the weights' gradients about double the backward pass.
	Weights bool
	// Into, when not nil, has dLoss/dW of every parameter added to it, in the model's own layout and with
	// no copy: what a training step asks for. It must be a gradient of this model's (NewWeightGradient).
	// With Weights set too, Gradients.Weights holds all that Into holds after the pass.
	Into *WeightGradient
	// Input asks for the derivative with respect to the embedding layer's output, the residual stream
	// the first block reads, in Gradients.Input.
	Input bool
	// Seed, when not nil, replaces the loss: the pass differentiates Σ Seed ⊙ logits, Seed laid out as
	// Output.Logits of a classifier (of sequences or tokens) or language model, so that a one-hot Seed
	// gives the gradients of one logit. The batch then needs no labels.
	Seed []float32
	// Attention asks for the derivative with respect to every layer's attention as Output.Attentions
	// returns it (after the head mask), in Gradients.Attention.
	Attention bool
}

// Gradients are the derivatives of a batch's loss that ForwardBackward computed.
type Gradients struct {
	// HeadMask [NumLayers*NumHeads] is dLoss/dHeadMask at the Options' head mask (all ones when it is
	// nil), in original head numbering; pruned heads' entries are 0. Nil unless asked for.
	HeadMask []float32
	// Weights are dLoss/dW for every parameter, under the names and in the shapes and layouts Weights
	// returns them: a tied weight (the word embeddings and the LM decoder) has one gradient, the sum over
	// its uses. Nil unless GradOptions.Weights asks for them.
	Weights map[string]*tensor.Tensor
	// Input [Size*SeqLen*D] is the derivative with respect to the embedding layer's output (see
	// Options.Embeddings). Nil unless asked for.
	Input []float32
	// Attention holds, per layer, the derivative with respect to its attention [Size, heads in the layer,
	// SeqLen, SeqLen]. Nil unless asked for.
	Attention [][]float32
}

// ForwardBackward runs Forward on a batch with labels (or regression targets, or a question answerer's
// positions) and backpropagates its loss: the mean cross-entropy of a classifier (of sequences or
// tokens) or masked LM over labels other than -100, the mean cross-entropy of each token's prediction
// of the next for a causal LM, the mean squared error of a regression, the mean of the start and end
// cross-entropies of a question answerer, the masked LM's plus the next-sentence cross-entropy of the
// pre-training head. Dropout is off, as in Forward. It fails like Forward, when the batch has no loss, and
// when GradOptions.Into is another model's gradient.
func (m *Model) ForwardBackward(b *Batch, opt Options, want GradOptions) (*Output, *Gradients, error) {
	switch {
	case m.head == NoHead:
		return nil, nil, errors.New("the model has no head, hence no loss to differentiate")
	case opt.Hook != nil:
		return nil, nil, errors.New("a pass with a hook has no backward pass")
	case opt.Embeddings != nil && (want.Weights || want.Into != nil):
		return nil, nil, errors.New("the embedding tables have no gradient when the embeddings are given")
	case want.Seed != nil && !m.seedable():
		return nil, nil, fmt.Errorf("a %s's logits cannot seed the backward pass", m.head)
	case want.Seed == nil && !m.labelled(b):
		return nil, nil, fmt.Errorf("the batch has no labels for the %s, hence no loss to differentiate", m.head)
	case want.Into != nil && want.Into.of != m:
		return nil, nil, errors.New("the gradient to add to is another model's")
	}
	out, tp, err := m.forward(b, opt, &want)
	defer m.release(tp)
	if err != nil {
		return nil, nil, err
	}
	ws := tp.ws
	var rows []int
	var dLogits []float32
	if want.Seed != nil {
		rows, dLogits, err = m.seedRows(&ws.head, &tp.head, want.Seed)
	} else {
		rows, dLogits, err = m.lossBackward(&ws.head, &tp.head, b)
	}
	if err != nil {
		return nil, nil, err
	}
	grads := &Gradients{}
	if !want.HeadMask && !want.Weights && want.Into == nil && !want.Input && !want.Attention {
		return out, grads, nil
	}
	var g *Model // the parameters' gradients, in the model's own layout
	switch {
	case want.Into != nil:
		g = want.Into.g
	case want.Weights:
		g = m.gradientModel()
	}
	c, sh := m.cfg, tp.shape
	n, d := sh.rows, sh.hidden
	ws.dx, ws.dPrev = grow(ws.dx, n*d), grow(ws.dPrev, n*d)
	dx, dPrev := ws.dx, ws.dPrev
	nf := len(tp.final) / d // the rows the last block computed: all, or those the head reads
	clear(dx[:nf*d])
	m.headBackward(&ws.head, &tp.head, g, rows, dLogits, tp.final, dx[:nf*d], b, sh)
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
		if g != nil || l > 0 || want.Input { // the first layer's input gradient only feeds the embeddings'
			dIn = dPrev
		}
		if want.HeadMask {
			dHeadMask = grads.HeadMask[l*c.NumHeads : (l+1)*c.NumHeads]
		}
		headMask := m.layerHeadMask(&ws.mask, opt.HeadMask, l)
		ws.scratch.attnOut = nil
		if want.Attention {
			if grads.Attention == nil {
				grads.Attention = make([][]float32, len(m.layers))
			}
			grads.Attention[l] = make([]float32, b.Size*len(m.layers[l].heads)*b.SeqLen*b.SeqLen)
			ws.scratch.attnOut = grads.Attention[l]
		}
		m.blockBackward(&ws.scratch, tp.layers[l], m.layers[l], blockGrad(g, l), l, dx, dIn, sh, b.AttentionMask,
			headMask, dHeadMask)
		dx, dPrev = dPrev, dx
	}
	ws.scratch.attnOut = nil
	if want.Input {
		grads.Input = slices.Clone(dx[:n*d])
	}
	if g != nil {
		m.embedBackward(g, &tp.emb, dx, dPrev, b, n, d)
		if want.Weights {
			grads.Weights = g.Weights()
		}
	}
	return out, grads, nil
}
