package model

import "errors"

// ParamKind is the role a parameter plays, which decides how a trainer initialises it and whether
// weight decay applies to it.
type ParamKind int

const (
	// WeightParam is a dense layer's weight or an embedding table.
	WeightParam ParamKind = iota
	// BiasParam is a bias or a LayerNorm shift.
	BiasParam
	// GainParam is a LayerNorm gain.
	GainParam
)

// Param describes one parameter as Hugging Face names and shapes it.
type Param struct {
	Name  string
	Shape []int
	Kind  ParamKind
}

// Update hands every parameter to f, once each (tied weights once, under the word embeddings' name),
// in a fixed order, in Hugging Face's layout, so that f may read and change it in place by name and
// shape, as an initialisation does; an optimiser step, which needs neither, walks the model's own
// layout with UpdateWith instead. Parameters the model stores in another layout (torch Linear weights,
// which it keeps transposed) are copied out and written back after f returns.
func (m *Model) Update(f func(p Param, w []float32)) {
	m.walk(&updater{f: f})
	m.packWeights()
}

// UpdateWith hands f every parameter of the model beside its gradient in g, in the model's own layout: a
// block of parameters stored together at a time (a fused weight, such as BERT's query, key and value,
// is one block), the blocks numbered by i from 0 in a fixed order, with the role kind of every value in
// the block. That is all an elementwise optimiser step needs: no copy, no transpose, and state kept by
// block. The weights are then packed again. It fails, changing nothing, when g is another model's
// gradient.
func (m *Model) UpdateWith(g *WeightGradient, f func(i int, kind ParamKind, w, grad []float32)) error {
	if g.of != m {
		return errors.New("model: the gradient is another model's")
	}
	for i, b := range m.blocks {
		f(i, b.kind, b.w, g.g.blocks[i].w)
	}
	m.packWeights()
	return nil
}

// Params lists the parameters Update hands over, in the same order, without touching them.
func (m *Model) Params() []Param {
	var l lister
	m.walk(&l)
	return l
}

// lister is the paramVisitor behind Params.
type lister []Param

func (l *lister) param(_ []float32, name string, init initKind, shape ...int) {
	*l = append(*l, Param{Name: name, Shape: shape, Kind: paramKinds[init]})
}

func (l *lister) linearWeight(_ []float32, _ int, name string, in, out int) {
	*l = append(*l, Param{Name: name, Shape: []int{out, in}, Kind: WeightParam})
}

// updater is the paramVisitor behind Update.
type updater struct {
	f       func(p Param, w []float32)
	scratch []float32 // one transposed weight at a time
}

func (u *updater) param(p []float32, name string, init initKind, shape ...int) {
	u.f(Param{Name: name, Shape: shape, Kind: paramKinds[init]}, p)
}

func (u *updater) linearWeight(w []float32, ldw int, name string, in, out int) {
	u.scratch = grow(u.scratch, in*out)
	hf := u.scratch
	for i := 0; i < in; i++ {
		for o, v := range w[i*ldw : i*ldw+out] {
			hf[o*in+i] = v
		}
	}
	u.f(Param{Name: name, Shape: []int{out, in}, Kind: WeightParam}, hf)
	for i := 0; i < in; i++ {
		row := w[i*ldw : i*ldw+out]
		for o := range row {
			row[o] = hf[o*in+i]
		}
	}
}

var paramKinds = map[initKind]ParamKind{initWeight: WeightParam, initBias: BiasParam, initGain: GainParam}
