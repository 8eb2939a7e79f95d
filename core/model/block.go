package model

// shape holds a forward pass's dimensions: batch sequences of seqLen tokens, rows = batch·seqLen
// token vectors of width hidden, heads of width headDim.
type shape struct {
	batch, seqLen, rows, hidden, headDim int
}

// layerActs holds everything one transformer block computed for a batch: what its backward pass
// reads, and what Forward returns as attentions and contexts. A is the block's attention width,
// heads·head_dim; I its intermediate size. Buffers are reused across layers when no backward pass is
// wanted, so each is fully overwritten before it is read.
type layerActs struct {
	x       []float32 // [N, D] the block's input (not owned)
	ln1     []float32 // [N, D] pre-LN blocks (GPT-2, Llama): ln_1(x), the attention's input
	ln1Mean []float32 // [N] statistics of the block's first LayerNorm
	ln1Rstd []float32
	qkv     []float32 // [N, A+2KV] the fused query|key|value projection; DistilBERT's q divided by sqrt(head_dim), Llama's q and k rotated
	probs   []float32 // [B, heads, T, T] softmax of the masked scores
	masked  []float32 // [B, heads, T, T] probs times the head mask, when there is one
	attn    []float32 // the attention distributions returned: masked, or probs without a head mask
	merged  []float32 // [N, A] the heads' contexts attn · v side by side
	attnRes []float32 // [N, D] x + output projection of merged: the first residual sum
	h1      []float32 // [N, D] post-LN blocks: LayerNorm(attnRes), the feed-forward's input
	ln2     []float32 // [N, D] pre-LN blocks: ln_2(attnRes), the feed-forward's input
	ln2Mean []float32 // [N] statistics of the block's second LayerNorm
	ln2Rstd []float32
	ffnPre  []float32 // [N, I] first feed-forward layer, before the activation; a gated network's [N, 2I], gate|up
	ffnAct  []float32 // [N, I] after the activation (and the gate)
	ffnRes  []float32 // [N, D] post-LN blocks: h1 + second feed-forward layer, before the LayerNorm
	out     []float32 // [N, D] the block's output

	// rows, when not nil, are the only rows the block computes after its attention, which every row
	// feeds: the rows the head reads, in the last block of a pass that returns no hidden states. Every
	// buffer from the first residual sum on (and a post-LN block's first LayerNorm statistics) then holds
	// R = len(rows) rows, in rows' order, and so does out.
	rows       []int
	hook       *Hook     // the pass's hook, told of the heads' outputs; nil for none
	xRows      []float32 // [R, D] those rows of x
	mergedRows []float32 // [R, A] those rows of merged
}

// outRows is how many rows the block computes after its attention, of a batch of n.
func (a *layerActs) outRows(n int) int {
	if a.rows != nil {
		return len(a.rows)
	}
	return n
}

// afterAttention returns the rows of merged and of the block's input x that the rest of the block
// computes: all of them, or a.rows gathered.
func (a *layerActs) afterAttention(x []float32, d, width int) (merged, res []float32) {
	if a.rows == nil {
		return a.merged, x
	}
	return gatherRows(&a.mergedRows, a.merged, a.rows, width), gatherRows(&a.xRows, x, a.rows, d)
}

// grow returns buf resliced to n elements, or a new slice when buf is too small.
func grow[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n)
}

// prepare sizes a's buffers for block blk on a batch of shape sh.
func (a *layerActs) prepare(blk *block, sh shape, preLN, headMask bool) {
	n, d, t := sh.rows, sh.hidden, sh.seqLen
	r := a.outRows(n)
	nh := len(blk.heads)
	ln1Rows := r // a post-LN block's first LayerNorm follows the attention, GPT-2's precedes it
	if preLN {
		a.ln1, a.ln2 = grow(a.ln1, n*d), grow(a.ln2, r*d)
		ln1Rows = n
	} else {
		a.h1, a.ffnRes = grow(a.h1, r*d), grow(a.ffnRes, r*d)
	}
	a.ln1Mean, a.ln1Rstd = grow(a.ln1Mean, ln1Rows), grow(a.ln1Rstd, ln1Rows)
	a.ln2Mean, a.ln2Rstd = grow(a.ln2Mean, r), grow(a.ln2Rstd, r)
	a.qkv = grow(a.qkv, n*blk.qkv.out)
	a.probs = grow(a.probs, sh.batch*nh*t*t)
	a.attn = a.probs
	if headMask {
		a.masked = grow(a.masked, len(a.probs))
		a.attn = a.masked
	}
	a.merged = grow(a.merged, n*blk.attnOut.in)
	a.attnRes = grow(a.attnRes, r*d)
	a.ffnPre, a.ffnAct = grow(a.ffnPre, r*blk.ffnIn.out), grow(a.ffnAct, r*blk.ffnOut.in)
	a.out = grow(a.out, r*d)
}

// blockForward runs transformer block l on x [N, D], writing a.out (a.rows' rows of it, when a.rows is
// set). BERT, DistilBERT and OpenAI GPT put the LayerNorm after each residual sum, GPT-2 before each
// sublayer, as Llama does with its RMSNorms.
func (m *Model) blockForward(a *layerActs, blk *block, l int, x []float32, sh shape, mask []int, headMask []float32) {
	a.x = x
	n, d, eps := sh.rows, sh.hidden, m.cfg.LayerNormEps
	r := a.outRows(n)
	if m.preLN() {
		blk.ln1.forward(m.k, a.ln1, a.ln1Mean, a.ln1Rstd, x, n, d, eps)
		m.attention(a, blk, l, a.ln1, sh, mask, headMask)
		a.hook.heads(l, a.merged)
		merged, res := a.afterAttention(x, d, blk.attnOut.in)
		blk.attnOut.forward(m.k, a.attnRes, merged, r)
		addInPlace(a.attnRes, res)
		blk.ln2.forward(m.k, a.ln2, a.ln2Mean, a.ln2Rstd, a.attnRes, r, d, eps)
		m.feedForward(a, blk, a.ln2, a.out, r)
		addInPlace(a.out, a.attnRes)
		return
	}
	m.attention(a, blk, l, x, sh, mask, headMask)
	a.hook.heads(l, a.merged)
	merged, res := a.afterAttention(x, d, blk.attnOut.in)
	blk.attnOut.forward(m.k, a.attnRes, merged, r)
	addInPlace(a.attnRes, res)
	blk.ln1.forward(m.k, a.h1, a.ln1Mean, a.ln1Rstd, a.attnRes, r, d, eps)
	m.feedForward(a, blk, a.h1, a.ffnRes, r)
	addInPlace(a.ffnRes, a.h1)
	blk.ln2.forward(m.k, a.out, a.ln2Mean, a.ln2Rstd, a.ffnRes, r, d, eps)
}

// feedForward writes the block's position-wise feed-forward network of in [N, D] to out [N, D],
// keeping the intermediate activations in a.
func (m *Model) feedForward(a *layerActs, blk *block, in, out []float32, n int) {
	blk.ffnIn.forward(m.k, a.ffnPre, in, n)
	if m.gated() {
		m.gluForward(a.ffnAct, a.ffnPre, n, blk.ffnOut.in)
	} else {
		m.act.apply(m.k, a.ffnAct, a.ffnPre)
	}
	blk.ffnOut.forward(m.k, out, a.ffnAct, n)
}

func addInPlace(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] += v
	}
}

// blockScratch holds a block's backward-pass buffers, reused from layer to layer; each is fully
// overwritten or cleared before it is read.
type blockScratch struct {
	// attnOut, when not nil, receives the layer's dAttn of every sequence and head, [B, heads, T, T]:
	// the gradient with respect to the attention as returned (times the head mask).
	attnOut  []float32
	dAttnRes []float32 // [N, D] gradient of the first residual sum
	dNorm    []float32 // [N, D] gradient of a LayerNorm's output: GPT-2's ln_1 and ln_2, BERT's h1
	dFfnRes  []float32 // [N, D] post-LN blocks: gradient of the second residual sum
	dInter   []float32 // [N, I] gradient of the feed-forward's intermediate activations
	dGated   []float32 // [N, 2I] a gated network's: gradient of gate|up
	dMerged  []float32 // [N, A] gradient of the heads' merged outputs
	dRows    []float32 // [R, A] gradient of the rows of merged that a block with rows computed on
	dQKV     []float32 // [N, A+2KV] gradient of the fused query|key|value projection
	dAttn    []float32 // [T, T] gradient of one head's attention, then of its scores
	reach    []int     // the keys each block of a head's query rows attends to (keysAttended)
}

// blockGrad is the gradient of one block's parameters, nil when they are not wanted: g is the
// block's entry in the gradient model.
func blockGrad(g *Model, l int) *block {
	if g == nil {
		return nil
	}
	return g.layers[l]
}

// blockBackward is the backward pass of blockForward: given dOut [N, D] (or [R, D] for a block with
// rows), the gradient of the block's output, it writes the gradient with respect to its input a.x [N, D]
// to dx (skipped when dx is nil, for the first layer when only the head mask's gradient is wanted), adds
// the parameter gradients to g unless g is nil, and the head-mask gradients to dHeadMask unless it is nil.
func (m *Model) blockBackward(s *blockScratch, a *layerActs, blk, g *block, l int, dOut, dx []float32, sh shape, mask []int, headMask, dHeadMask []float32) {
	n, d := sh.rows, sh.hidden
	r := a.outRows(n)
	s.dAttnRes, s.dNorm = grow(s.dAttnRes, r*d), grow(s.dNorm, n*d)
	s.dMerged = grow(s.dMerged, n*blk.attnOut.in)
	var gQKV, gAttnOut *linear
	var gLN1, gLN2 *layerNorm
	if g != nil {
		gQKV, gAttnOut, gLN1, gLN2 = &g.qkv, &g.attnOut, &g.ln1, &g.ln2
	}
	// attnRes = x + attnOut(merged), on the block's rows: the gradients of merged and x from
	// dAttnRes, before the attention's
	residual := func() {
		merged, dMerged := a.merged, s.dMerged
		if a.rows != nil {
			merged = a.mergedRows
			s.dRows = grow(s.dRows, r*blk.attnOut.in)
			dMerged = s.dRows
		}
		clear(dMerged)
		blk.attnOut.backward(m.k, dMerged, gAttnOut, s.dAttnRes, merged, r)
		if a.rows != nil {
			clear(s.dMerged)
			scatterAddRows(s.dMerged, dMerged, a.rows, blk.attnOut.in)
		}
		if dx == nil {
			return
		}
		if a.rows == nil {
			copy(dx, s.dAttnRes)
			return
		}
		clear(dx)
		scatterAddRows(dx, s.dAttnRes, a.rows, d)
	}

	if m.preLN() {
		// out = attnRes + ffn(ln_2(attnRes))
		copy(s.dAttnRes, dOut)
		dLN2 := s.dNorm[:r*d]
		clear(dLN2)
		m.feedForwardBackward(s, a, blk, g, a.ln2, dOut, dLN2, r)
		blk.ln2.backward(m.k, s.dAttnRes, gLN2, dLN2, a.attnRes, a.ln2Mean, a.ln2Rstd, r, d)
		// attnRes = x + attnOut(attention(ln_1(x)))
		residual()
		var dLN1 []float32
		if dx != nil || g != nil {
			dLN1 = s.dNorm
			clear(dLN1)
		}
		m.attentionBackward(s, a, blk, gQKV, l, a.ln1, s.dMerged, dLN1, sh, mask, headMask, dHeadMask)
		if dLN1 != nil {
			blk.ln1.backward(m.k, dx, gLN1, dLN1, a.x, a.ln1Mean, a.ln1Rstd, n, d)
		}
		return
	}

	// out = ln2(ffnRes), ffnRes = h1 + ffn(h1)
	s.dFfnRes = grow(s.dFfnRes, r*d)
	clear(s.dFfnRes)
	blk.ln2.backward(m.k, s.dFfnRes, gLN2, dOut, a.ffnRes, a.ln2Mean, a.ln2Rstd, r, d)
	dH1 := s.dNorm[:r*d]
	copy(dH1, s.dFfnRes)
	m.feedForwardBackward(s, a, blk, g, a.h1, s.dFfnRes, dH1, r)
	// h1 = ln1(attnRes), attnRes = x + attnOut(attention(x))
	clear(s.dAttnRes)
	blk.ln1.backward(m.k, s.dAttnRes, gLN1, dH1, a.attnRes, a.ln1Mean, a.ln1Rstd, r, d)
	residual()
	m.attentionBackward(s, a, blk, gQKV, l, a.x, s.dMerged, dx, sh, mask, headMask, dHeadMask)
}

// feedForwardBackward is the backward pass of feedForward from in [n, D]: given dOut [n, D], the
// gradient of its output, it adds the gradient with respect to in to dIn and the parameter gradients to
// g unless g is nil.
func (m *Model) feedForwardBackward(s *blockScratch, a *layerActs, blk, g *block, in, dOut, dIn []float32, n int) {
	var gIn, gOut *linear
	if g != nil {
		gIn, gOut = &g.ffnIn, &g.ffnOut
	}
	s.dInter = grow(s.dInter, n*blk.ffnOut.in)
	clear(s.dInter)
	blk.ffnOut.backward(m.k, s.dInter, gOut, dOut, a.ffnAct, n)
	dPre := s.dInter
	if m.gated() {
		s.dGated = grow(s.dGated, n*blk.ffnIn.out)
		gluBackward(m.k, m.act, s.dGated, s.dInter, a.ffnPre, n, blk.ffnOut.in)
		dPre = s.dGated
	} else {
		m.act.backward(m.k, s.dInter, a.ffnPre)
	}
	blk.ffnIn.backward(m.k, dIn, gIn, dPre, in, n)
}
