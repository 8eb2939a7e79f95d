package saliency

import (
	"math"

	"bertology/core/model"
)

// Gradient is the plain gradient saliency of each token of a sequence.
type Gradient struct {
	Logit float64   // f(x), the target logit
	Norm  []float64 // [T] ‖∂f/∂x_t‖₂ of each token's input row
	Times []float64 // [T] gradient × input: Σ_j x_tj ∂f/∂x_tj
}

// Gradients computes the gradient norm and gradient × input of every token of b for target t.
func Gradients(m *model.Model, b *model.Batch, t Target) (*Gradient, error) {
	e, err := newExplained(m, b, t)
	if err != nil {
		return nil, err
	}
	x, err := e.embeddings(b)
	if err != nil {
		return nil, err
	}
	f, g, err := e.grad(model.Options{}, model.GradOptions{Input: true})
	if err != nil {
		return nil, err
	}
	d := m.Config().HiddenSize
	out := &Gradient{Logit: f, Norm: make([]float64, b.SeqLen), Times: make([]float64, b.SeqLen)}
	for tok := range b.SeqLen {
		var sq, dot float64
		for j := tok * d; j < (tok+1)*d; j++ {
			gj := float64(g.Input[j])
			sq += gj * gj
			dot += gj * float64(x[j])
		}
		out.Norm[tok], out.Times[tok] = math.Sqrt(sq), dot
	}
	return out, nil
}
