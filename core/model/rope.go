package model

import (
	"math"
	"sync"

	"bertology/core/checkpoint"
)

// rotary holds Llama's rotary position embeddings (LlamaRotaryEmbedding) in transformers' rotate-half
// convention: within each head, channel i < d/2 is paired with channel i + d/2, and the pair at position
// p is rotated by the angle p·θ_i, θ_i = 1 / base^(2i/d). The tables are computed as transformers 4.31
// computes them, in float32 at every step (inv_freq, t·inv_freq, cos and sin), so that the angles, and
// so the outputs, are those of torch to the last bit or two. transformers tabulates every position of
// max_position_embeddings at once; an entry depends on its position alone, so the tables here grow to
// the longest sequence seen instead (a Llama 3's 131,072 positions would take 64 MB).
type rotary struct {
	half    int       // d/2
	invFreq []float32 // [half]
	mu      sync.Mutex
	// cos and sin [positions, half] hold the positions tabulated so far. They only grow, by append, so
	// a pass keeps reading the slices it was given while another extends them.
	cos, sin []float32
}

func newRotary(cfg *checkpoint.Config) *rotary {
	d := cfg.HeadDim()
	r := &rotary{half: d / 2, invFreq: make([]float32, d/2)}
	for i := range r.invFreq {
		e := float32(2*i) / float32(d) // torch.arange(0, dim, 2).float() / dim
		r.invFreq[i] = 1 / float32(math.Pow(cfg.RopeTheta, float64(e)))
	}
	return r
}

// tables returns the cos and sin tables for positions 0..t-1 at least, extending them when needed.
func (r *rotary) tables(t int) (cos, sin []float32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p := len(r.cos) / r.half; p < t; p++ {
		for _, f := range r.invFreq {
			angle := float32(p) * f // einsum("i,j->ij", t, inv_freq), in float32
			r.cos = append(r.cos, float32(math.Cos(float64(angle))))
			r.sin = append(r.sin, float32(math.Sin(float64(angle))))
		}
	}
	return r.cos, r.sin
}

// forward rotates, in place, the heads in columns [0, cols) of each row of x [rows, ld], the row r being
// position r mod t: q·cos + rotate_half(q)·sin, each product rounded to float32 before the sum, as torch
// computes it.
func (r *rotary) forward(x []float32, rows, t, ld, cols int) {
	h := r.half
	cosT, sinT := r.tables(t)
	for row := 0; row < rows; row++ {
		p := row % t
		cos, sin := cosT[p*h:(p+1)*h], sinT[p*h:(p+1)*h]
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
	cosT, sinT := r.tables(t)
	for row := 0; row < rows; row++ {
		p := row % t
		cos, sin := cosT[p*h:(p+1)*h], sinT[p*h:(p+1)*h]
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
