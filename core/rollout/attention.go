// Package rollout traces how information from the input tokens reaches each position of the last layer,
// going beyond single attention maps: attention rollout and attention flow (Abnar & Zuidema 2020,
// "Quantifying Attention Flow in Transformers").
//
// Both methods first turn each layer's heads into one row-stochastic matrix A'_l (see Augment): the heads are
// combined (mean by default), the identity is mixed in to account for the residual connection, and every row
// is renormalised. Rollout multiplies these matrices through the layers; flow treats them as capacities of a
// layered graph and computes maximum flows. Every result is T×T, row-major, with rows indexing output
// positions and columns indexing input tokens, the same orientation as an attention map.
//
// The package works on one sequence at a time and only on its real tokens; Crop cuts one sequence out of a
// padded batch of model attentions.
package rollout

import (
	"fmt"
	"math"

	"bertology/core/tensor"
)

// Attention holds one sequence's attention weights for every layer. Layers[l] is [heads of layer l, T, T]
// row-major: Layers[l][(k*T+i)*T+j] is how much query i attends to key j in the k-th head of layer l.
//
// Heads is the number of heads per layer of the model before any pruning. Kept, for a pruned model, lists
// each layer's heads by their original numbers, in the order of Layers[l]: layer 3 may hold heads 0 and 7
// of 8, or none. Nil Kept means every layer holds heads 0 to Heads-1.
type Attention struct {
	Heads, T int
	Layers   [][]float32
	Kept     [][]int
}

// HeadsOf returns the original numbers of the heads in layer l.
func (a *Attention) HeadsOf(l int) []int {
	if a.Kept != nil {
		return a.Kept[l]
	}
	heads := make([]int, a.Heads)
	for h := range heads {
		heads[h] = h
	}
	return heads
}

// Validate reports the first dimension mismatch or entry that is negative or not finite; the analyses need
// non-negative weights (flow uses them as capacities).
func (a *Attention) Validate() error {
	if a.Heads < 1 || a.T < 1 {
		return fmt.Errorf("rollout: attention needs at least one head and one token, have %d heads and %d tokens", a.Heads, a.T)
	}
	if len(a.Layers) == 0 {
		return fmt.Errorf("rollout: attention has no layers")
	}
	if a.Kept != nil && len(a.Kept) != len(a.Layers) {
		return fmt.Errorf("rollout: the kept heads of %d layers for attention of %d", len(a.Kept), len(a.Layers))
	}
	for l, w := range a.Layers {
		heads := a.HeadsOf(l)
		for k, h := range heads {
			if h < 0 || h >= a.Heads || k > 0 && h <= heads[k-1] {
				return fmt.Errorf("rollout: layer %d keeps heads %v, want increasing numbers from 0 to %d", l, heads, a.Heads-1)
			}
		}
		if n := len(heads) * a.T * a.T; len(w) != n {
			return fmt.Errorf("rollout: layer %d has %d weights, want %d heads × %d × %d = %d", l, len(w), len(heads), a.T, a.T, n)
		}
		for k, v := range w {
			if v < 0 || math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				h, i, j := heads[k/(a.T*a.T)], k/a.T%a.T, k%a.T
				return fmt.Errorf("rollout: layer %d head %d weight [%d,%d] is %v, want a finite non-negative number", l, h, i, j, v)
			}
		}
	}
	return nil
}

// Crop cuts sequence b out of a batch of per-layer attentions, each [B, Heads, S, S] as a model returns them,
// keeping only the positions where mask (that sequence's attention mask, length S) is non-zero. Padding may be
// on either side. The result is a copy. The layers of a pruned model hold different numbers of heads, none in
// a layer whose every head is pruned: Crop then numbers each layer's heads from 0, of as many heads as the
// largest layer holds, and the caller, which knows the model's pruned heads, sets Heads and Kept.
func Crop(layers []*tensor.Tensor, b int, mask []int) (*Attention, error) {
	if len(layers) == 0 {
		return nil, fmt.Errorf("rollout: crop: no layers")
	}
	var keep []int
	for i, m := range mask {
		if m != 0 {
			keep = append(keep, i)
		}
	}
	if len(keep) == 0 {
		return nil, fmt.Errorf("rollout: crop: sequence %d has no real tokens in its mask", b)
	}
	shape := layers[0].Shape
	if len(shape) != 4 || shape[2] != shape[3] {
		return nil, fmt.Errorf("rollout: crop: layer 0 has shape %v, want [batch, heads, seq, seq]", shape)
	}
	B, S := shape[0], shape[2]
	if b < 0 || b >= B {
		return nil, fmt.Errorf("rollout: crop: sequence %d outside batch of %d", b, B)
	}
	if len(mask) != S {
		return nil, fmt.Errorf("rollout: crop: mask has %d entries, attention has %d positions", len(mask), S)
	}
	T := len(keep)
	a := &Attention{T: T, Layers: make([][]float32, len(layers)), Kept: make([][]int, len(layers))}
	uneven := false
	for l, t := range layers {
		if len(t.Shape) != 4 || t.Shape[0] != B || t.Shape[2] != S || t.Shape[3] != S {
			return nil, fmt.Errorf("rollout: crop: layer %d has shape %v, layer 0 has %v", l, t.Shape, shape)
		}
		H := t.Shape[1]
		a.Heads, uneven = max(a.Heads, H), uneven || H != shape[1]
		for h := range H {
			a.Kept[l] = append(a.Kept[l], h)
		}
		out := make([]float32, H*T*T)
		for h := 0; h < H; h++ {
			src := t.Data[(b*H+h)*S*S:]
			dst := out[h*T*T:]
			for i, qi := range keep {
				for j, kj := range keep {
					dst[i*T+j] = src[qi*S+kj]
				}
			}
		}
		a.Layers[l] = out
	}
	if !uneven {
		a.Kept = nil
	}
	return a, nil
}
