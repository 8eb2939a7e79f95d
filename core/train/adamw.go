package train

import (
	"errors"
	"fmt"
	"math"

	"bertology/core/model"
)

// AdamW is torch.optim.AdamW: Adam with weight decay decoupled from the gradient (Loshchilov &
// Hutter), applied as Hugging Face's Trainer sets it up: no decay on biases and LayerNorm parameters.
// Its moments live in float32, like torch's for a float32 model; each step's bias corrections and the
// update of each parameter are computed in float64, so results agree with torch's to float32 rounding.
type AdamW struct {
	Beta1, Beta2, Eps float64
	// WeightDecay is λ: each step multiplies a decayed parameter by 1 - lr·λ before the Adam update.
	WeightDecay float64

	step  int
	model *model.Model // the model it steps, once it has taken a step
	m, v  [][]float32  // first and second moments, by block of the model's parameters (Model.UpdateWith)
}

// NewAdamW returns AdamW with torch's defaults (betas 0.9 and 0.999, eps 1e-8) and the given decay.
func NewAdamW(weightDecay float64) *AdamW {
	return &AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay}
}

// Steps is the number of steps taken so far.
func (o *AdamW) Steps() int { return o.step }

// Step updates every parameter of the model with its gradient in g and learning rate lr, in the
// model's own layout: AdamW is elementwise, so it needs no names or shapes, only the moments lined up
// with the parameters and each parameter's kind for the weight decay. An AdamW steps one model; given
// another, or another model's gradient, it fails and nothing is updated.
func (o *AdamW) Step(m *model.Model, g *model.WeightGradient, lr float64) error {
	if o.model != nil && o.model != m {
		return errors.New("train: AdamW steps the model it first stepped, not another")
	}
	o.step++
	err := m.UpdateWith(g, func(i int, kind model.ParamKind, w, grad []float32) {
		o.update(i, w, grad, lr, kind == model.WeightParam)
	})
	if err != nil {
		o.step--
		return fmt.Errorf("train: %w", err)
	}
	o.model = m
	return nil
}

// update is one AdamW step of block i's parameters w with gradient g, torch's single-tensor
// algorithm:
//
//	w ← w·(1 - lr·λ)                       (decayed parameters only)
//	m ← β1·m + (1-β1)·g
//	v ← β2·v + (1-β2)·g²
//	w ← w - lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε)
func (o *AdamW) update(i int, w, g []float32, lr float64, decay bool) {
	for len(o.m) <= i {
		o.m, o.v = append(o.m, nil), append(o.v, nil)
	}
	if o.m[i] == nil {
		o.m[i], o.v[i] = make([]float32, len(w)), make([]float32, len(w))
	}
	m, v := o.m[i][:len(g)], o.v[i][:len(g)]
	w = w[:len(g)]
	t := float64(o.step)
	stepSize := lr / (1 - math.Pow(o.Beta1, t))
	rootBias2 := math.Sqrt(1 - math.Pow(o.Beta2, t))
	keep := 1.0
	if decay {
		keep = 1 - lr*o.WeightDecay
	}
	// torch casts β and 1-β, each computed in double, to float32.
	b1, b2, c1, c2 := float32(o.Beta1), float32(o.Beta2), float32(1-o.Beta1), float32(1-o.Beta2)
	for j, gj := range g {
		m[j] = b1*m[j] + c1*gj
		v[j] = b2*v[j] + c2*gj*gj
		denom := math.Sqrt(float64(v[j]))/rootBias2 + o.Eps
		w[j] = float32(float64(w[j])*keep - stepSize*float64(m[j])/denom)
	}
}
