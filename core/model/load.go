package model

import (
	"fmt"
	"slices"
	"strings"

	"bertology/core/tensor"
)

// loader is the paramVisitor that copies a checkpoint's tensors into the model, checking each shape
// against the config. It remembers the first error; later visits do nothing.
type loader struct {
	weights map[string]*tensor.Tensor
	prefix  string // the base model's prefix, tried added or removed when a name is missing
	err     error
}

// find looks a tensor up under name, then under the variants Hugging Face also loads: with the base
// model's prefix removed or added, and with LayerNorm's old "gamma"/"beta" for "weight"/"bias".
func (ld *loader) find(name string) (*tensor.Tensor, string) {
	other := ld.prefix + name
	if strings.HasPrefix(name, ld.prefix) {
		other = name[len(ld.prefix):]
	}
	for _, n := range []string{name, other} {
		for _, alt := range []string{n, oldLayerNormName(n)} {
			if t, ok := ld.weights[alt]; ok && alt != "" {
				return t, alt
			}
		}
	}
	return nil, ""
}

// oldLayerNormName is name with TensorFlow-era "gamma"/"beta" in place of a final "weight"/"bias", or
// "" when it ends in neither.
func oldLayerNormName(name string) string {
	if s, ok := strings.CutSuffix(name, ".weight"); ok {
		return s + ".gamma"
	}
	if s, ok := strings.CutSuffix(name, ".bias"); ok {
		return s + ".beta"
	}
	return ""
}

func (ld *loader) has(name string) bool {
	t, _ := ld.find(name)
	return t != nil
}

// get returns the named tensor's data after checking its shape, or nil after recording an error.
func (ld *loader) get(name string, shape []int) []float32 {
	if ld.err != nil {
		return nil
	}
	t, found := ld.find(name)
	if t == nil {
		ld.err = fmt.Errorf("%s: missing from the checkpoint (want shape %v)", name, shape)
		return nil
	}
	if !slices.Equal(t.Shape, shape) {
		ld.err = fmt.Errorf("%s: shape %v, config wants %v", found, t.Shape, shape)
		return nil
	}
	return t.Data
}

func (ld *loader) param(p []float32, name string, _ initKind, shape ...int) {
	if data := ld.get(name, shape); data != nil {
		copy(p, data)
	}
}

func (ld *loader) linearWeight(w []float32, ldw int, name string, in, out int) {
	data := ld.get(name, []int{out, in})
	if data == nil {
		return
	}
	for o := 0; o < out; o++ {
		row := data[o*in : (o+1)*in]
		for i, v := range row {
			w[i*ldw+o] = v
		}
	}
}

// shapeChecker is the paramVisitor that checks every tensor a model needs against a measured model
// (see newParam), so that a config that does not fit the checkpoint is refused before the
// model is allocated. It records the first error in the loader, as loading would.
type shapeChecker struct{ *loader }

func (c shapeChecker) param(_ []float32, name string, _ initKind, shape ...int) { c.get(name, shape) }

func (c shapeChecker) linearWeight(_ []float32, _ int, name string, in, out int) {
	c.get(name, []int{out, in})
}
