package model

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
// in a fixed order, in Hugging Face's layout, so that f may read and change it in place: an optimiser
// step lines w up with the gradients ForwardBackward returns by the same name. Parameters the model
// stores in another layout (torch Linear weights, which it keeps transposed) are copied out and written
// back after f returns.
func (m *Model) Update(f func(p Param, w []float32)) {
	m.walk(&updater{f: f})
	m.packWeights()
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
