package saliency

import (
	"context"
	"fmt"

	"bertology/core/model"
	"bertology/core/progress"
)

// Attention is the attention attribution of every head (Hao et al. 2021), summed over the query and key
// positions: Σ_ij A_ij ∫₀¹ ∂f(αA)/∂A_ij dα for head h of layer l, the layer's attention alone scaled by
// α, the others left as they are. Scaling head h's attention is its head-mask entry, so the sum over
// positions is the integral of f's derivative with respect to that entry.
type Attention struct {
	Layers, Heads int
	Logit         float64   // f(x)
	Scores        []float64 // [layers*heads] each head's attribution; pruned heads 0
	// Maps [layers][heads in the layer·T·T] are the attributions of each query and key position,
	// A ⊙ ∫ ∂f(αA)/∂A dα, whose sum over positions is the head's score.
	Maps         [][]float64
	Completeness []Completeness // [layers] Σ_h Scores vs f(x) − f(layer l's attention zeroed)
	Steps        int
}

// AttentionAttribution computes the attention attribution of every head of m for b and target t, with
// a Riemann sum over steps midpoints α = (k+½)/steps per layer. It stops when ctx is cancelled and tells p after each layer.
func AttentionAttribution(ctx context.Context, m *model.Model, b *model.Batch, t Target, steps int, p progress.Func) (*Attention, error) {
	if steps < 1 {
		return nil, fmt.Errorf("attention attribution needs at least one step, got %d", steps)
	}
	e, err := newExplained(m, b, t)
	if err != nil {
		return nil, err
	}
	layers, heads := m.Shape()
	res := &Attention{Layers: layers, Heads: heads, Scores: make([]float64, layers*heads), Steps: steps}
	out, err := m.Forward(b, model.Options{Attentions: true})
	if err != nil {
		return nil, err
	}
	res.Logit = float64(out.Logits.Data[e.row*e.classes+e.cls])
	mask := make([]float32, layers*heads)
	for l := range layers {
		for i := range mask {
			mask[i] = 1
		}
		layer := mask[l*heads : (l+1)*heads]
		clear(layer)
		zeroed, err := e.f(model.Options{HeadMask: mask})
		if err != nil {
			return nil, err
		}
		var sum float64
		A := out.Attentions[l].Data
		grid := make([]float64, len(A))
		for k := range steps {
			alpha := float32((float64(k) + 0.5) / float64(steps))
			for h := range layer {
				layer[h] = alpha
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			_, g, err := e.grad(model.Options{HeadMask: mask}, model.GradOptions{HeadMask: true, Attention: true})
			if err != nil {
				return nil, err
			}
			for h := range heads {
				v := float64(g.HeadMask[l*heads+h]) / float64(steps)
				res.Scores[l*heads+h] += v
				sum += v
			}
			for i, d := range g.Attention[l] {
				grid[i] += float64(A[i]) * float64(d) / float64(steps)
			}
		}
		res.Maps = append(res.Maps, grid)
		res.Completeness = append(res.Completeness, completeness(sum, res.Logit-zeroed))
		p.Send(progress.Report{Done: l + 1, Total: layers})
	}
	return res, nil
}
