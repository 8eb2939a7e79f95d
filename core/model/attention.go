package model

import (
	"math"

	"gonum.org/v1/gonum/blas"

	"bertology/core/checkpoint"
)

// lowest is float32's most negative finite value, torch.finfo(float32).min, which Hugging Face adds to
// (or writes into) the scores of keys that may not be attended to.
const lowest = -math.MaxFloat32

// attention runs a layer's multi-head self-attention on x [N, D] (the layer input, or its LayerNorm for
// GPT-2) and leaves the heads' concatenated outputs in a.merged [N, A], before the output projection.
// mask is the batch's attention mask (nil: no padding); headMask has one entry per kept head (nil: ones).
//
// The heads' queries, keys and values are read in place from the fused projection a.qkv [N, A+2KV],
// whose rows hold q|k|v of every head (Llama's q and k rotated first, rope.go; a key and value head
// serving each of its group's query heads), by passing its row stride to Sgemm, and each head's context is
// written straight into its columns of a.merged: nothing is copied per head. A causal model computes
// its scores and contexts in blocks of query rows that skip the keys its mask hides (causalBlock).
func (m *Model) attention(a *layerActs, blk *block, l int, x []float32, sh shape, mask []int, headMask []float32) {
	nh, hd, t := len(blk.heads), sh.headDim, sh.seqLen
	width, kvWidth := blk.widths(hd)
	ld := blk.qkv.out
	blk.qkv.forward(m.k, a.qkv, x, sh.rows)
	if m.rope != nil { // queries and keys, rotated by their positions
		m.rope.forward(a.qkv, sh.rows, t, ld, width+kvWidth)
	}
	scale := float32(math.Sqrt(float64(hd)))
	if m.cfg.ModelType == checkpoint.DistilBERT { // DistilBERT scales the queries, not the scores
		for r := 0; r < sh.rows; r++ {
			q := a.qkv[r*ld : r*ld+width]
			for i := range q {
				q[i] /= scale
			}
		}
	}

	step := m.rowBlock(t)
	for bi := 0; bi < sh.batch; bi++ {
		keyMask := sequenceMask(mask, bi, t)
		for h := 0; h < nh; h++ {
			bh := bi*nh + h
			q, k, v := blk.headQKV(a.qkv, bi, h, t, hd)
			scores := a.probs[bh*t*t : (bh+1)*t*t]
			for r0 := 0; r0 < t; r0 += step {
				r1 := min(r0+step, t) // the scores of later keys are the mask's, whatever q·kᵀ holds
				m.k.Sgemm(blas.NoTrans, blas.Trans, r1-r0, r1, hd, 1, q[r0*ld:], ld, k, ld, 0, scores[r0*t:], t)
			}
			m.maskScores(scores, t, l, scale, keyMask)
			m.k.Softmax(scores, t, t)
			attn := a.attn[bh*t*t : (bh+1)*t*t]
			if headMask != nil {
				for i, p := range scores {
					attn[i] = p * headMask[h]
				}
			}
			ctx := a.merged[bi*t*width+h*hd:]
			for r0 := 0; r0 < t; r0 += step {
				r1 := min(r0+step, t)
				keys := keysAttended(scores, t, r0, r1)
				m.k.Sgemm(blas.NoTrans, blas.NoTrans, r1-r0, hd, keys, 1, attn[r0*t:], t, v, ld, 0, ctx[r0*width:], width)
			}
		}
	}
}

// causalBlock is how many query rows a causal model's attention computes at a time. The keys after a
// block's last row are masked for every row of the block, so their scores are never computed, and
// while their probabilities are exactly 0, as they are unless a row's every earlier key is padded,
// neither are their products with the values nor the gradients through them. A variable so that a test
// can compare the blocks with whole rows.
var causalBlock = 16

// rowBlock is how many query rows attention computes at a time on sequences of t tokens: causalBlock
// for GPT-2, OpenAI GPT and Llama, whose causal mask hides the later keys, every row at once otherwise.
func (m *Model) rowBlock(t int) int {
	if m.Causal() {
		return min(causalBlock, t)
	}
	return t
}

// keysAttended is how many keys, counted from the first, rows r0..r1-1 of one head's attention
// probabilities [T, T] give a weight to: r1 when every later key's probability is exactly 0 in each of
// these rows, t otherwise. The products of the attention with the values, and their gradients, need
// only those keys; the rest add exact zeros.
func keysAttended(probs []float32, t, r0, r1 int) int {
	for i := r0; i < r1; i++ {
		for _, p := range probs[i*t+r1 : (i+1)*t] {
			if p != 0 {
				return t
			}
		}
	}
	return r1
}

// firstAttending is the first query row whose attention can weigh key j0 or a later one, for query
// blocks of step rows whose keys attended are reach (keysAttended, one per block): the first row of the
// first block that reaches past j0. The rows before it weigh those keys 0.
func firstAttending(reach []int, step, j0 int) int {
	for b, keys := range reach {
		if keys > j0 {
			return b * step
		}
	}
	return j0
}

// attentionBackward is the backward pass of attention, on the buffers of s. Given dMerged [N, A], the
// gradient of the heads' merged outputs, it adds to dHeadMask[h] (original head numbering, one layer's
// entries) the gradient of each head's mask entry, Σ dAttn ⊙ probs over the head's scores, unless
// dHeadMask is nil. It then, unless dx and g are both nil, backpropagates through the softmax and the
// fused query|key|value projection of x [N, D], adding the gradient with respect to x to dx (unless nil)
// and the projection's parameter gradients to g (unless nil). Like the forward pass it reads q, k, v and
// the heads' slices of dMerged by stride, writes dq|dk|dv straight into the fused projection's
// gradient, and skips the keys a causal model's mask hides as the forward pass does.
func (m *Model) attentionBackward(s *blockScratch, a *layerActs, blk *block, g *linear, l int, x, dMerged, dx []float32, sh shape, mask []int, headMask, dHeadMask []float32) {
	nh, hd, t := len(blk.heads), sh.headDim, sh.seqLen
	width, kvWidth := blk.widths(hd)
	ld := blk.qkv.out
	throughScores := dx != nil || g != nil
	scale := float32(math.Sqrt(float64(hd)))
	var dQKV []float32
	var kvBeta float32 // 1 when the heads of a group add their gradients to their shared dk and dv
	if throughScores {
		s.dQKV = grow(s.dQKV, sh.rows*ld) // every head's dq|dk|dv columns are written before they are read
		dQKV = s.dQKV
		if blk.sharesKV() {
			clear(dQKV)
			kvBeta = 1
		}
	}
	s.dAttn = grow(s.dAttn, t*t)
	dAttn := s.dAttn
	step := m.rowBlock(t)
	s.reach = grow(s.reach, (t+step-1)/step)
	for bi := 0; bi < sh.batch; bi++ {
		keyMask := sequenceMask(mask, bi, t)
		for h := 0; h < nh; h++ {
			bh := bi*nh + h
			dCtx := dMerged[bi*t*width+h*hd:] // [T, head_dim] with stride A
			q, k, v := blk.headQKV(a.qkv, bi, h, t, hd)
			probs, attn := a.probs[bh*t*t:(bh+1)*t*t], a.attn[bh*t*t:(bh+1)*t*t]

			// ctx = attn · v, by blocks of rows as the forward pass computed it: the gradient of a weight
			// the attention does not give is 0
			for b, r0 := 0, 0; r0 < t; b, r0 = b+1, r0+step {
				r1 := min(r0+step, t)
				keys := keysAttended(probs, t, r0, r1)
				s.reach[b] = keys
				m.k.Sgemm(blas.NoTrans, blas.Trans, r1-r0, keys, hd, 1, dCtx[r0*width:], width, v, ld, 0, dAttn[r0*t:], t)
				for i := r0; i < r1; i++ {
					clear(dAttn[i*t+keys : (i+1)*t])
				}
			}
			if s.attnOut != nil {
				copy(s.attnOut[bh*t*t:(bh+1)*t*t], dAttn[:t*t])
			}
			if dHeadMask != nil { // attn = probs · headMask[h]
				var s float64
				for i, p := range probs {
					s += float64(dAttn[i]) * float64(p)
				}
				dHeadMask[blk.heads[h]] += float32(s)
			}
			if !throughScores {
				continue
			}
			dQ, dK, dV := blk.headQKV(dQKV, bi, h, t, hd)
			for j0 := 0; j0 < t; j0 += step { // by blocks of keys, over the rows that weigh them
				j1, i0 := min(j0+step, t), firstAttending(s.reach, step, j0)
				m.k.Sgemm(blas.Trans, blas.NoTrans, j1-j0, hd, t-i0, 1, attn[i0*t+j0:], t, dCtx[i0*width:], width, kvBeta, dV[j0*ld:], ld)
			}
			if headMask != nil {
				for i := range dAttn {
					dAttn[i] *= headMask[h]
				}
			}
			m.k.SoftmaxBackward(dAttn, probs, t, t)
			m.maskScoresBackward(dAttn, t, l, scale, keyMask)

			// scores = q · kᵀ, whose gradient is 0 for every key the causal mask hides from the query
			for r0 := 0; r0 < t; r0 += step {
				r1 := min(r0+step, t)
				m.k.Sgemm(blas.NoTrans, blas.NoTrans, r1-r0, hd, r1, 1, dAttn[r0*t:], t, k, ld, 0, dQ[r0*ld:], ld)
				m.k.Sgemm(blas.Trans, blas.NoTrans, r1-r0, hd, t-r0, 1, dAttn[r0*t+r0:], t, q[r0*ld:], ld, kvBeta, dK[r0*ld:], ld)
			}
			if m.cfg.ModelType == checkpoint.DistilBERT { // q was divided by scale
				for ti := 0; ti < t; ti++ {
					row := dQ[ti*ld : ti*ld+hd]
					for i := range row {
						row[i] /= scale
					}
				}
			}
		}
	}
	if throughScores {
		if m.rope != nil {
			m.rope.backward(dQKV, sh.rows, t, ld, width+kvWidth)
		}
		blk.qkv.backward(m.k, dx, g, dQKV, x, sh.rows)
	}
}

// headQKV returns where the block's head h (its index among the kept heads) finds its queries, and its
// key and value head's keys and values, for sequence bi in a fused projection qkv [B·T, A+2KV]: each a
// [T, head_dim] matrix with row stride A+2KV.
func (blk *block) headQKV(qkv []float32, bi, h, t, hd int) (q, k, v []float32) {
	width, kvWidth := blk.widths(hd)
	seq := qkv[bi*t*blk.qkv.out:]
	kv := blk.kvOf[h] * hd
	return seq[h*hd:], seq[width+kv:], seq[width+kvWidth+kv:]
}

// sequenceMask is sequence bi's attention mask [T], or nil when the batch has none.
func sequenceMask(mask []int, bi, t int) []int {
	if mask == nil {
		return nil
	}
	return mask[bi*t : (bi+1)*t]
}

// maskScores scales one head's raw scores q·kᵀ [T, T] and applies the causal and padding masks the way
// each model family does in Hugging Face, in float32, so that fully masked rows come out as in torch.
// keyMask is the sequence's attention mask (nil: no padding).
func (m *Model) maskScores(s []float32, t, l int, scale float32, keyMask []int) {
	c := m.cfg
	s = s[:t*t]
	switch c.ModelType { // the model's rule, a whole head at a time, in the order torch applies it
	case checkpoint.BERT:
		for i := range s {
			s[i] /= scale
		}
		addToPadded(s, t, keyMask, lowest) // scores + (1 - mask) * finfo.min
	case checkpoint.DistilBERT:
		for j, k := range keyMask {
			if k == 0 {
				for i := 0; i < t; i++ {
					s[i*t+j] = lowest // masked_fill(mask == 0, finfo.min)
				}
			}
		}
	case checkpoint.GPT2:
		for i := 0; i < t; i++ {
			row := s[i*t : (i+1)*t]
			for j := range row[:i+1] {
				if c.ScaleAttnWeights {
					row[j] /= scale
				}
				if c.ScaleAttnByInverseLayerIdx {
					row[j] /= float32(l + 1)
				}
			}
			for j := i + 1; j < t; j++ {
				row[j] = lowest // torch.where(causal_mask, w, finfo.min)
			}
		}
		addToPadded(s, t, keyMask, lowest) // so a padded future key is -Inf, as in torch
	case checkpoint.OpenAIGPT:
		for i := 0; i < t; i++ {
			row := s[i*t : (i+1)*t]
			for j := range row[:i+1] {
				row[j] /= scale
			}
			for j := i + 1; j < t; j++ {
				row[j] = -1e4 // w * b - 1e4 * (1 - b) with b = 0
			}
		}
		addToPadded(s, t, keyMask, lowest)
	case checkpoint.Llama:
		for i := 0; i < t; i++ {
			row := s[i*t : (i+1)*t]
			for j := range row[:i+1] {
				row[j] /= scale
			}
			for j := i + 1; j < t; j++ {
				row[j] = lowest // w + finfo.min, which is finfo.min for any score of float32's range
			}
		}
		addToPadded(s, t, keyMask, lowest) // the padding mask is added too: -Inf where both apply
	}
}

// addToPadded adds v to every score [T, T] of a key that keyMask pads (nil: none).
func addToPadded(s []float32, t int, keyMask []int, v float32) {
	for j, k := range keyMask {
		if k == 0 {
			for i := 0; i < t; i++ {
				s[i*t+j] += v
			}
		}
	}
}

// maskScoresBackward is the backward pass of maskScores on one head's score gradient [T, T], in place:
// it undoes the scaling, and zeroes the gradient of every score that maskScores overwrote (DistilBERT's
// padding, GPT-2's and OpenAI GPT's causal masks), where torch's masked_fill, where and w·b give none.
// Where the mask adds float32's lowest value the gradient passes, as it does in torch, even though in
// float32 the sum no longer depends on the score: that only matters in a row whose every key is padded,
// where torch's softmax backward still sees its uniform distribution.
func (m *Model) maskScoresBackward(ds []float32, t, l int, scale float32, keyMask []int) {
	c := m.cfg
	for i := 0; i < t; i++ {
		row := ds[i*t : (i+1)*t]
		for j, v := range row {
			padded := keyMask != nil && keyMask[j] == 0
			switch c.ModelType {
			case checkpoint.BERT:
				v /= scale
			case checkpoint.DistilBERT:
				if padded {
					v = 0
				}
			case checkpoint.GPT2:
				if j > i {
					v = 0
				}
				if c.ScaleAttnByInverseLayerIdx {
					v /= float32(l + 1)
				}
				if c.ScaleAttnWeights {
					v /= scale
				}
			case checkpoint.OpenAIGPT, checkpoint.Llama:
				if j > i {
					v = 0 // Llama adds its causal mask, whose keys the softmax gives 0 and so no gradient
				}
				v /= scale
			}
			row[j] = v
		}
	}
}
