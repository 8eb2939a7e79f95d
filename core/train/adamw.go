package train

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"bertology/core/model"
	"bertology/core/tensor"
)

// AdamW is torch.optim.AdamW: Adam with weight decay decoupled from the gradient (Loshchilov &
// Hutter), applied as Hugging Face's Trainer sets it up: no decay on biases and LayerNorm parameters.
// Its moments live in float32, like torch's for a float32 model; each step's bias corrections and the
// update of each parameter are computed in float64, so results agree with torch's to float32 rounding.
type AdamW struct {
	Beta1, Beta2, Eps float64
	// WeightDecay is λ: each step multiplies a decayed parameter by 1 - lr·λ before the Adam update.
	WeightDecay float64

	step int
	m, v map[string][]float32 // first and second moments by parameter name
}

// NewAdamW returns AdamW with torch's defaults (betas 0.9 and 0.999, eps 1e-8) and the given decay.
func NewAdamW(weightDecay float64) *AdamW {
	return &AdamW{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay,
		m: map[string][]float32{}, v: map[string][]float32{}}
}

// Steps is the number of steps taken so far.
func (o *AdamW) Steps() int { return o.step }

// Step updates every parameter of the model that grads has a gradient for (by Hugging Face name and
// layout, as ForwardBackward returns them) with learning rate lr. A parameter without a gradient is
// left alone, as torch skips a parameter whose grad is None, though the step count behind the bias
// corrections is shared by all parameters rather than kept per parameter; a gradient for no
// parameter, or of the wrong size, is an error and nothing is updated.
func (o *AdamW) Step(m *model.Model, grads map[string]*tensor.Tensor, lr float64) error {
	known := map[string]bool{}
	for _, p := range m.Params() {
		known[p.Name] = true
		if g, ok := grads[p.Name]; ok && len(g.Data) != tensor.NumElements(p.Shape) {
			return fmt.Errorf("train: gradient of %s has %d values, the parameter %d", p.Name, len(g.Data), tensor.NumElements(p.Shape))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(grads)) {
		if !known[name] {
			return fmt.Errorf("train: gradient for %s, which the model does not have", name)
		}
	}
	o.step++
	m.Update(func(p model.Param, w []float32) {
		if g, ok := grads[p.Name]; ok {
			o.update(p.Name, w, g.Data, lr, p.Kind == model.WeightParam)
		}
	})
	return nil
}

// update is one AdamW step of parameter w with gradient g, torch's single-tensor algorithm:
//
//	w ← w·(1 - lr·λ)                       (decayed parameters only)
//	m ← β1·m + (1-β1)·g
//	v ← β2·v + (1-β2)·g²
//	w ← w - lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + ε)
func (o *AdamW) update(name string, w, g []float32, lr float64, decay bool) {
	m, ok := o.m[name]
	if !ok {
		m, o.v[name] = make([]float32, len(w)), make([]float32, len(w))
		o.m[name] = m
	}
	v := o.v[name]
	t := float64(o.step)
	stepSize := lr / (1 - math.Pow(o.Beta1, t))
	rootBias2 := math.Sqrt(1 - math.Pow(o.Beta2, t))
	keep := 1.0
	if decay {
		keep = 1 - lr*o.WeightDecay
	}
	// torch casts β and 1-β, each computed in double, to float32.
	b1, b2, c1, c2 := float32(o.Beta1), float32(o.Beta2), float32(1-o.Beta1), float32(1-o.Beta2)
	for i, gi := range g {
		m[i] = b1*m[i] + c1*gi
		v[i] = b2*v[i] + c2*gi*gi
		denom := math.Sqrt(float64(v[i]))/rootBias2 + o.Eps
		w[i] = float32(float64(w[i])*keep - stepSize*float64(m[i])/denom)
	}
}
