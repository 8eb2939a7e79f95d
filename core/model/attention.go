package model

import (
	"math"

	"bertology/core/checkpoint"
)

// lowest is float32's most negative finite value, torch.finfo(float32).min, which Hugging Face adds to
// (or writes into) the scores of keys that may not be attended to.
const lowest = -math.MaxFloat32

// attention runs a layer's multi-head self-attention on x [N, D] (the layer input, or its LayerNorm for
// GPT-2) and leaves the heads' concatenated outputs in a.merged [N, A], before the output projection.
// mask is the batch's attention mask (nil: no padding); headMask has one entry per kept head (nil: ones).
func (m *Model) attention(a *layerActs, blk *block, l int, x []float32, sh shape, mask []int, headMask []float32) {
	nh, hd, t := len(blk.heads), sh.headDim, sh.seqLen
	width := nh * hd
	blk.qkv.forward(m.k, a.qkv, x, sh.rows)

	// Split the fused projection into per-head [T, head_dim] blocks, laid out [B, heads, T, head_dim].
	for r := 0; r < sh.rows; r++ {
		bi, ti := r/t, r%t
		row := a.qkv[r*3*width : (r+1)*3*width]
		for h := 0; h < nh; h++ {
			at := ((bi*nh+h)*t + ti) * hd
			copy(a.q[at:at+hd], row[h*hd:])
			copy(a.k[at:at+hd], row[width+h*hd:])
			copy(a.v[at:at+hd], row[2*width+h*hd:])
		}
	}
	scale := float32(math.Sqrt(float64(hd)))
	if m.cfg.ModelType == checkpoint.DistilBERT { // DistilBERT scales the queries, not the scores
		for i := range a.q {
			a.q[i] /= scale
		}
	}

	for bi := 0; bi < sh.batch; bi++ {
		var keyMask []int
		if mask != nil {
			keyMask = mask[bi*t : (bi+1)*t]
		}
		for h := 0; h < nh; h++ {
			bh := bi*nh + h
			q, k, v := a.q[bh*t*hd:(bh+1)*t*hd], a.k[bh*t*hd:(bh+1)*t*hd], a.v[bh*t*hd:(bh+1)*t*hd]
			scores := a.probs[bh*t*t : (bh+1)*t*t]
			clear(scores)
			m.k.MatMulTransB(scores, q, k, t, hd, t)
			m.maskScores(scores, t, l, scale, keyMask)
			m.k.Softmax(scores, t, t)
			attn := a.attn[bh*t*t : (bh+1)*t*t]
			if headMask != nil {
				for i, p := range scores {
					attn[i] = p * headMask[h]
				}
			}
			ctx := a.ctx[bh*t*hd : (bh+1)*t*hd]
			clear(ctx)
			m.k.MatMul(ctx, attn, v, t, t, hd)
		}
	}

	// Merge the heads back: merged[b, t, h*head_dim + i] = ctx[b, h, t, i].
	for r := 0; r < sh.rows; r++ {
		bi, ti := r/t, r%t
		row := a.merged[r*width : (r+1)*width]
		for h := 0; h < nh; h++ {
			at := ((bi*nh+h)*t + ti) * hd
			copy(row[h*hd:(h+1)*hd], a.ctx[at:at+hd])
		}
	}
}

// maskScores scales one head's raw scores q·kᵀ [T, T] and applies the causal and padding masks the way
// each model family does in Hugging Face, in float32, so that fully masked rows come out as in torch.
// keyMask is the sequence's attention mask (nil: no padding).
func (m *Model) maskScores(s []float32, t, l int, scale float32, keyMask []int) {
	c := m.cfg
	for i := 0; i < t; i++ {
		row := s[i*t : (i+1)*t]
		for j, v := range row {
			padded := keyMask != nil && keyMask[j] == 0
			switch c.ModelType {
			case checkpoint.BERT:
				v /= scale
				if padded {
					v += lowest // scores + (1 - mask) * finfo.min
				}
			case checkpoint.DistilBERT:
				if padded {
					v = lowest // masked_fill(mask == 0, finfo.min)
				}
			case checkpoint.GPT2:
				if c.ScaleAttnWeights {
					v /= scale
				}
				if c.ScaleAttnByInverseLayerIdx {
					v /= float32(l + 1)
				}
				if j > i {
					v = lowest // torch.where(causal_mask, w, finfo.min)
				}
				if padded {
					v += lowest // so a padded future key is -Inf, as in torch
				}
			case checkpoint.OpenAIGPT:
				v /= scale
				if j > i {
					v = -1e4 // w * b - 1e4 * (1 - b) with b = 0
				}
				if padded {
					v += lowest
				}
			}
			row[j] = v
		}
	}
}
