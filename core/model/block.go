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
	ln1     []float32 // [N, D] GPT-2: ln_1(x), the attention's input
	ln1Mean []float32 // [N] statistics of the block's first LayerNorm
	ln1Rstd []float32
	qkv     []float32 // [N, 3A] the fused query|key|value projection; DistilBERT's q divided by sqrt(head_dim)
	probs   []float32 // [B, heads, T, T] softmax of the masked scores
	masked  []float32 // [B, heads, T, T] probs times the head mask, when there is one
	attn    []float32 // the attention distributions returned: masked, or probs without a head mask
	merged  []float32 // [N, A] the heads' contexts attn · v side by side
	attnRes []float32 // [N, D] x + output projection of merged: the first residual sum
	h1      []float32 // [N, D] post-LN blocks: LayerNorm(attnRes), the feed-forward's input
	ln2     []float32 // [N, D] GPT-2: ln_2(attnRes), the feed-forward's input
	ln2Mean []float32 // [N] statistics of the block's second LayerNorm
	ln2Rstd []float32
	ffnPre  []float32 // [N, I] first feed-forward layer, before the activation
	ffnAct  []float32 // [N, I] after the activation
	ffnRes  []float32 // [N, D] post-LN blocks: h1 + second feed-forward layer, before the LayerNorm
	out     []float32 // [N, D] the block's output
}

// grow returns buf resliced to n elements, or a new slice when buf is too small.
func grow(buf []float32, n int) []float32 {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]float32, n)
}

// prepare sizes a's buffers for block blk on a batch of shape sh.
func (a *layerActs) prepare(blk *block, sh shape, preLN, headMask bool) {
	n, d, t := sh.rows, sh.hidden, sh.seqLen
	nh := len(blk.heads)
	width, inter := nh*sh.headDim, blk.ffnIn.out
	if preLN {
		a.ln1, a.ln2 = grow(a.ln1, n*d), grow(a.ln2, n*d)
	} else {
		a.h1, a.ffnRes = grow(a.h1, n*d), grow(a.ffnRes, n*d)
	}
	a.ln1Mean, a.ln1Rstd = grow(a.ln1Mean, n), grow(a.ln1Rstd, n)
	a.ln2Mean, a.ln2Rstd = grow(a.ln2Mean, n), grow(a.ln2Rstd, n)
	a.qkv = grow(a.qkv, n*3*width)
	a.probs = grow(a.probs, sh.batch*nh*t*t)
	a.attn = a.probs
	if headMask {
		a.masked = grow(a.masked, len(a.probs))
		a.attn = a.masked
	}
	a.merged = grow(a.merged, n*width)
	a.attnRes = grow(a.attnRes, n*d)
	a.ffnPre, a.ffnAct = grow(a.ffnPre, n*inter), grow(a.ffnAct, n*inter)
	a.out = grow(a.out, n*d)
}

// blockForward runs transformer block l on x [N, D], writing a.out. BERT, DistilBERT and OpenAI GPT put
// the LayerNorm after each residual sum, GPT-2 before each sublayer.
func (m *Model) blockForward(a *layerActs, blk *block, l int, x []float32, sh shape, mask []int, headMask []float32) {
	a.x = x
	n, d, eps := sh.rows, sh.hidden, m.cfg.LayerNormEps
	if m.preLN() {
		blk.ln1.forward(m.k, a.ln1, a.ln1Mean, a.ln1Rstd, x, n, d, eps)
		m.attention(a, blk, l, a.ln1, sh, mask, headMask)
		blk.attnOut.forward(m.k, a.attnRes, a.merged, n)
		addInPlace(a.attnRes, x)
		blk.ln2.forward(m.k, a.ln2, a.ln2Mean, a.ln2Rstd, a.attnRes, n, d, eps)
		m.feedForward(a, blk, a.ln2, a.out, n)
		addInPlace(a.out, a.attnRes)
		return
	}
	m.attention(a, blk, l, x, sh, mask, headMask)
	blk.attnOut.forward(m.k, a.attnRes, a.merged, n)
	addInPlace(a.attnRes, x)
	blk.ln1.forward(m.k, a.h1, a.ln1Mean, a.ln1Rstd, a.attnRes, n, d, eps)
	m.feedForward(a, blk, a.h1, a.ffnRes, n)
	addInPlace(a.ffnRes, a.h1)
	blk.ln2.forward(m.k, a.out, a.ln2Mean, a.ln2Rstd, a.ffnRes, n, d, eps)
}

// feedForward writes the block's position-wise feed-forward network of in [N, D] to out [N, D],
// keeping the intermediate activations in a.
func (m *Model) feedForward(a *layerActs, blk *block, in, out []float32, n int) {
	blk.ffnIn.forward(m.k, a.ffnPre, in, n)
	m.act.apply(m.k, a.ffnAct, a.ffnPre)
	blk.ffnOut.forward(m.k, out, a.ffnAct, n)
}

func addInPlace(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] += v
	}
}
