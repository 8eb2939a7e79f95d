package model

import (
	"math"

	"bertology/core/checkpoint"
)

// rotary holds Llama's rotary position embeddings (LlamaRotaryEmbedding) in transformers' rotate-half
// convention: within each head, channel i < d/2 is paired with channel i + d/2, and the pair at position
// p is rotated by the angle p·θ_i, θ_i = 1 / base^(2i/d). The tables are computed as transformers 4.31
// computes them, in float32 at every step (inv_freq, t·inv_freq, cos and sin), for every position of
// max_position_embeddings: the angles, and so the outputs, are those of torch to the last bit or two.
type rotary struct {
	half     int       // d/2
	cos, sin []float32 // [MaxPositions, half]
}

func newRotary(cfg *checkpoint.Config) *rotary {
	d := cfg.HeadDim()
	r := &rotary{half: d / 2, cos: make([]float32, cfg.MaxPositions*d/2), sin: make([]float32, cfg.MaxPositions*d/2)}
	invFreq := make([]float32, r.half)
	for i := range invFreq {
		e := float32(2*i) / float32(d) // torch.arange(0, dim, 2).float() / dim
		invFreq[i] = 1 / float32(math.Pow(cfg.RopeTheta, float64(e)))
	}
	for p := 0; p < cfg.MaxPositions; p++ {
		for i, f := range invFreq {
			angle := float32(p) * f // einsum("i,j->ij", t, inv_freq), in float32
			r.cos[p*r.half+i] = float32(math.Cos(float64(angle)))
			r.sin[p*r.half+i] = float32(math.Sin(float64(angle)))
		}
	}
	return r
}

// forward rotates, in place, the heads in columns [0, cols) of each row of x [rows, ld], the row r being
// position r mod t: q·cos + rotate_half(q)·sin, each product rounded to float32 before the sum, as torch
// computes it.
func (r *rotary) forward(x []float32, rows, t, ld, cols int) {
	h := r.half
	for row := 0; row < rows; row++ {
		p := row % t
		cos, sin := r.cos[p*h:(p+1)*h], r.sin[p*h:(p+1)*h]
		for c0 := 0; c0 < cols; c0 += 2 * h {
			lo, hi := x[row*ld+c0:row*ld+c0+h], x[row*ld+c0+h:row*ld+c0+2*h]
			for i, c := range cos {
				s := sin[i]
				a, b := lo[i], hi[i]
				lo[i] = float32(a*c) + float32(-b*s)
				hi[i] = float32(b*c) + float32(a*s)
			}
		}
	}
}

// backward is the backward pass of forward, in place on the gradient dx [rows, ld]: the rotation is
// orthogonal, so its gradient is the rotation back.
func (r *rotary) backward(dx []float32, rows, t, ld, cols int) {
	h := r.half
	for row := 0; row < rows; row++ {
		p := row % t
		cos, sin := r.cos[p*h:(p+1)*h], r.sin[p*h:(p+1)*h]
		for c0 := 0; c0 < cols; c0 += 2 * h {
			lo, hi := dx[row*ld+c0:row*ld+c0+h], dx[row*ld+c0+h:row*ld+c0+2*h]
			for i, c := range cos {
				s := sin[i]
				a, b := lo[i], hi[i]
				lo[i] = a*c + b*s
				hi[i] = b*c - a*s
			}
		}
	}
}
