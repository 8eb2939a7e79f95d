package model

import (
	"math"

	"bertology/core/checkpoint"
	"bertology/core/tensor"
)

// headQueriesKeys lays a layer's queries and keys out per head, as its attention read them from the
// fused projection qkv [B·T, A+2KV] (after the rotary embeddings of a Llama): queries and keys
// [B, heads, T, head_dim], the keys of each query head being those of its key and value head (grouped-
// query attention). DistilBERT's attention divided its queries by √head_dim in place; they are given
// back unscaled, so that every model's scores are q·k / ScoreScale.
func (m *Model) headQueriesKeys(blk *block, qkv []float32, sh shape) (queries, keys *tensor.Tensor) {
	nh, hd, t := len(blk.heads), sh.headDim, sh.seqLen
	ld := blk.qkv.out
	queries, keys = tensor.New(sh.batch, nh, t, hd), tensor.New(sh.batch, nh, t, hd)
	var unscale float32 = 1
	if m.cfg.ModelType == checkpoint.DistilBERT {
		unscale = float32(math.Sqrt(float64(hd)))
	}
	for bi := 0; bi < sh.batch; bi++ {
		for h := 0; h < nh; h++ {
			q, k, _ := blk.headQKV(qkv, bi, h, t, hd)
			for ti := 0; ti < t; ti++ {
				at := ((bi*nh+h)*t + ti) * hd
				qd, kd := queries.Data[at:at+hd], keys.Data[at:at+hd]
				copy(kd, k[ti*ld:ti*ld+hd])
				for i, v := range q[ti*ld : ti*ld+hd] {
					qd[i] = v * unscale
				}
			}
		}
	}
	return queries, keys
}

// ScoreScale is what layer l's attention divides q·k by before its masks and softmax: √head_dim, but
// for a GPT-2 without scale_attn_weights (1) or with scale_attn_by_inverse_layer_idx (times l+1).
func (m *Model) ScoreScale(l int) float32 {
	c := m.cfg
	scale := float32(math.Sqrt(float64(c.HeadDim())))
	if c.ModelType != checkpoint.GPT2 {
		return scale
	}
	if !c.ScaleAttnWeights {
		scale = 1
	}
	if c.ScaleAttnByInverseLayerIdx {
		scale *= float32(l + 1)
	}
	return scale
}

// Causal reports whether a query attends only to itself and the keys before it: GPT-2, OpenAI GPT and
// Llama.
func (m *Model) Causal() bool {
	mt := m.cfg.ModelType
	return mt == checkpoint.GPT2 || mt == checkpoint.OpenAIGPT || mt == checkpoint.Llama
}
