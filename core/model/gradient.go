package model

import (
	"slices"
	"strings"

	"bertology/core/tensor"
)

// WeightGradient holds dLoss/dW for every parameter of one model, laid out as the model lays out its
// weights (a dense layer's weight [in, out], BERT's query, key and value fused), so that a training step
// adds to it and an optimiser walks it beside the weights (Model.UpdateWith) with no copy or transpose
// of either. ForwardBackward adds a batch's gradient to it when GradOptions.Into is set: a trainer keeps
// one for all its steps and zeroes it before each. It is not safe for concurrent use.
type WeightGradient struct {
	of *Model
	g  *Model // the gradients, in a model laid out as of, whose walk names them as of's parameters
	// byName is every parameter's gradient in name order, made on SumSquares' first call.
	byName []paramView
}

// NewWeightGradient returns a zero gradient of m's parameters.
func (m *Model) NewWeightGradient() *WeightGradient {
	return &WeightGradient{of: m, g: m.gradientModel()}
}

// gradientModel returns a model laid out as m with every parameter zero, to accumulate m's parameter
// gradients in: its walk, and so Weights, names and shapes them as m's own parameters, and its decoder
// shares the word embeddings' gradient when m's decoder shares their weights.
func (m *Model) gradientModel() *Model {
	g := &Model{cfg: m.cfg, head: m.head, prefix: m.prefix}
	g.layout(m.head == NoHead && m.pooler != nil)
	return g
}

// Zero sets every gradient to 0.
func (g *WeightGradient) Zero() {
	for _, b := range g.g.blocks {
		clear(b.w)
	}
}

// Weights returns the gradients under the parameters' Hugging Face names, in Hugging Face's shapes and
// layouts, as Model.Weights returns the parameters: a tied weight's once, the sum over its uses. The
// tensors are copies.
func (g *WeightGradient) Weights() map[string]*tensor.Tensor { return g.g.Weights() }

// SumSquares returns Σ g² over every gradient, summed in float64 parameter by parameter in name order
// and each parameter in Hugging Face's layout, so that the sum (and a gradient norm clipped by it) does
// not depend on how the model stores its weights.
func (g *WeightGradient) SumSquares() float64 {
	if g.byName == nil {
		var v viewer
		g.g.walk(&v)
		slices.SortFunc(v, func(a, b paramView) int { return strings.Compare(a.name, b.name) })
		g.byName = v
	}
	var sum float64
	for _, v := range g.byName {
		if !v.linear {
			for _, x := range v.p {
				sum += float64(x) * float64(x)
			}
			continue
		}
		for o := 0; o < v.out; o++ { // Hugging Face's [out, in], row by row
			for i := 0; i < v.in; i++ {
				x := float64(v.p[i*v.ldw+o])
				sum += x * x
			}
		}
	}
	return sum
}

// Scale multiplies every gradient by c in float64, rounding each product to float32.
func (g *WeightGradient) Scale(c float64) {
	for _, b := range g.g.blocks {
		for i, x := range b.w {
			b.w[i] = float32(float64(x) * c)
		}
	}
}

// paramView is where a parameter lies in a model's storage, as walk visits it: p from its first
// element, and for a dense layer's weight [in, out] in the model, ldw its row stride.
type paramView struct {
	name         string
	p            []float32
	linear       bool
	ldw, in, out int
}

// viewer is the paramVisitor that lists every parameter's paramView.
type viewer []paramView

func (v *viewer) param(p []float32, name string, _ initKind, _ ...int) {
	*v = append(*v, paramView{name: name, p: p})
}

func (v *viewer) linearWeight(w []float32, ldw int, name string, in, out int) {
	*v = append(*v, paramView{name: name, p: w, linear: true, ldw: ldw, in: in, out: out})
}
