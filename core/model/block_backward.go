package model

// blockScratch holds a block's backward-pass buffers, reused from layer to layer; each is fully
// overwritten or cleared before it is read.
type blockScratch struct {
	dAttnRes []float32 // [N, D] gradient of the first residual sum
	dNorm    []float32 // [N, D] gradient of a LayerNorm's output: GPT-2's ln_1 and ln_2, BERT's h1
	dFfnRes  []float32 // [N, D] post-LN blocks: gradient of the second residual sum
	dInter   []float32 // [N, I] gradient of the feed-forward's intermediate activations
	dMerged  []float32 // [N, A] gradient of the heads' merged outputs
}

// blockGrad is the gradient of one block's parameters, nil when they are not wanted: g is the
// block's entry in the gradient model.
func blockGrad(g *Model, l int) *block {
	if g == nil {
		return nil
	}
	return g.layers[l]
}

// blockBackward is the backward pass of blockForward: given dOut [N, D], the gradient of the block's
// output, it writes the gradient with respect to its input a.x to dx (skipped when dx is nil, for the
// first layer when only the head mask's gradient is wanted), adds the parameter gradients to g unless g
// is nil, and the head-mask gradients to dHeadMask unless it is nil.
func (m *Model) blockBackward(s *blockScratch, a *layerActs, blk, g *block, l int, dOut, dx []float32, sh shape, mask []int, headMask, dHeadMask []float32) {
	n, d := sh.rows, sh.hidden
	s.dAttnRes, s.dNorm = grow(s.dAttnRes, n*d), grow(s.dNorm, n*d)
	s.dMerged = grow(s.dMerged, n*blk.attnOut.in)
	var gQKV, gAttnOut *linear
	var gLN1, gLN2 *layerNorm
	if g != nil {
		gQKV, gAttnOut, gLN1, gLN2 = &g.qkv, &g.attnOut, &g.ln1, &g.ln2
	}

	if m.preLN() {
		// out = attnRes + ffn(ln_2(attnRes))
		copy(s.dAttnRes, dOut)
		clear(s.dNorm)
		m.feedForwardBackward(s, a, blk, g, a.ln2, dOut, s.dNorm, n)
		blk.ln2.backward(m.k, s.dAttnRes, gLN2, s.dNorm, a.attnRes, a.ln2Mean, a.ln2Rstd, n, d)
		// attnRes = x + attnOut(attention(ln_1(x)))
		clear(s.dMerged)
		blk.attnOut.backward(m.k, s.dMerged, gAttnOut, s.dAttnRes, a.merged, n)
		var dLN1 []float32
		if dx != nil || g != nil {
			dLN1 = s.dNorm
			clear(dLN1)
		}
		m.attentionBackward(a, blk, gQKV, l, a.ln1, s.dMerged, dLN1, sh, mask, headMask, dHeadMask)
		if dx != nil {
			copy(dx, s.dAttnRes)
		}
		if dLN1 != nil {
			blk.ln1.backward(m.k, dx, gLN1, dLN1, a.x, a.ln1Mean, a.ln1Rstd, n, d)
		}
		return
	}

	// out = ln2(ffnRes), ffnRes = h1 + ffn(h1)
	s.dFfnRes = grow(s.dFfnRes, n*d)
	clear(s.dFfnRes)
	blk.ln2.backward(m.k, s.dFfnRes, gLN2, dOut, a.ffnRes, a.ln2Mean, a.ln2Rstd, n, d)
	dH1 := s.dNorm
	copy(dH1, s.dFfnRes)
	m.feedForwardBackward(s, a, blk, g, a.h1, s.dFfnRes, dH1, n)
	// h1 = ln1(attnRes), attnRes = x + attnOut(attention(x))
	clear(s.dAttnRes)
	blk.ln1.backward(m.k, s.dAttnRes, gLN1, dH1, a.attnRes, a.ln1Mean, a.ln1Rstd, n, d)
	clear(s.dMerged)
	blk.attnOut.backward(m.k, s.dMerged, gAttnOut, s.dAttnRes, a.merged, n)
	if dx != nil {
		copy(dx, s.dAttnRes)
	}
	m.attentionBackward(a, blk, gQKV, l, a.x, s.dMerged, dx, sh, mask, headMask, dHeadMask)
}

// feedForwardBackward is the backward pass of feedForward from in [N, D]: given dOut [N, D], the
// gradient of its output, it adds the gradient with respect to in to dIn and the parameter gradients to
// g unless g is nil.
func (m *Model) feedForwardBackward(s *blockScratch, a *layerActs, blk, g *block, in, dOut, dIn []float32, n int) {
	var gIn, gOut *linear
	if g != nil {
		gIn, gOut = &g.ffnIn, &g.ffnOut
	}
	s.dInter = grow(s.dInter, n*blk.ffnIn.out)
	clear(s.dInter)
	blk.ffnOut.backward(m.k, s.dInter, gOut, dOut, a.ffnAct, n)
	m.act.backward(m.k, s.dInter, a.ffnPre)
	blk.ffnIn.backward(m.k, dIn, gIn, s.dInter, in, n)
}
