package model

import (
	"math"

	"bertology/core/checkpoint"
)

// attentionBackward is the backward pass of attention. Given dMerged [N, A], the gradient of the heads'
// merged outputs, it adds to dHeadMask[h] (original head numbering, one layer's entries) the gradient of
// each head's mask entry, Σ dAttn ⊙ probs over the head's scores, unless dHeadMask is nil. It then, unless
// dx and g are both nil, backpropagates through the softmax and the fused query|key|value projection of
// x [N, D], adding the gradient with respect to x to dx (unless nil) and the projection's parameter
// gradients to g (unless nil).
func (m *Model) attentionBackward(a *layerActs, blk *block, g *linear, l int, x, dMerged, dx []float32, sh shape, mask []int, headMask, dHeadMask []float32) {
	nh, hd, t := len(blk.heads), sh.headDim, sh.seqLen
	width := nh * hd
	throughScores := dx != nil || g != nil
	scale := float32(math.Sqrt(float64(hd)))
	var dQKV []float32
	if throughScores {
		dQKV = make([]float32, sh.rows*3*width)
	}
	dCtx, dAttn := make([]float32, t*hd), make([]float32, t*t)
	dQ, dK, dV := make([]float32, t*hd), make([]float32, t*hd), make([]float32, t*hd)
	for bi := 0; bi < sh.batch; bi++ {
		var keyMask []int
		if mask != nil {
			keyMask = mask[bi*t : (bi+1)*t]
		}
		for h := 0; h < nh; h++ {
			bh := bi*nh + h
			for ti := 0; ti < t; ti++ { // the head's slice of dMerged, as merged was built
				copy(dCtx[ti*hd:(ti+1)*hd], dMerged[(bi*t+ti)*width+h*hd:])
			}
			q, k, v := a.q[bh*t*hd:(bh+1)*t*hd], a.k[bh*t*hd:(bh+1)*t*hd], a.v[bh*t*hd:(bh+1)*t*hd]
			probs, attn := a.probs[bh*t*t:(bh+1)*t*t], a.attn[bh*t*t:(bh+1)*t*t]

			// ctx = attn · v
			clear(dAttn)
			m.k.MatMulTransB(dAttn, dCtx, v, t, hd, t)
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
			clear(dV)
			m.k.MatMulTransA(dV, attn, dCtx, t, t, hd)
			if headMask != nil {
				for i := range dAttn {
					dAttn[i] *= headMask[h]
				}
			}
			softmaxBackward(dAttn, probs, t, t)
			m.maskScoresBackward(dAttn, t, l, scale, keyMask)

			// scores = q · kᵀ
			clear(dQ)
			clear(dK)
			m.k.MatMul(dQ, dAttn, k, t, t, hd)
			m.k.MatMulTransA(dK, dAttn, q, t, t, hd)
			if m.cfg.ModelType == checkpoint.DistilBERT { // q was divided by scale
				for i := range dQ {
					dQ[i] /= scale
				}
			}
			for ti := 0; ti < t; ti++ { // back into the fused projection's layout, as the split read it
				row := dQKV[(bi*t+ti)*3*width : (bi*t+ti+1)*3*width]
				copy(row[h*hd:(h+1)*hd], dQ[ti*hd:])
				copy(row[width+h*hd:width+(h+1)*hd], dK[ti*hd:])
				copy(row[2*width+h*hd:2*width+(h+1)*hd], dV[ti*hd:])
			}
		}
	}
	if throughScores {
		blk.qkv.backward(m.k, dx, g, dQKV, x, sh.rows)
	}
}

// softmaxBackward turns dp, the gradient of the softmax p of each row of x [rows, cols], into the
// gradient with respect to x, in place: dx = p ⊙ (dp - Σ p ⊙ dp). A key that the mask gave zero
// probability gets zero gradient, with no Inf or NaN from the float32-min scores.
func softmaxBackward(dp, p []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		dr, pr := dp[r*cols:(r+1)*cols], p[r*cols:(r+1)*cols]
		var s float64
		for j, v := range pr {
			s += float64(v) * float64(dr[j])
		}
		for j, v := range pr {
			dr[j] = float32(float64(v) * (float64(dr[j]) - s))
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
			case checkpoint.OpenAIGPT:
				if j > i {
					v = 0
				}
				v /= scale
			}
			row[j] = v
		}
	}
}
