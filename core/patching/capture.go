package patching

import (
	"slices"

	"bertology/core/model"
)

// Capture holds a pass's activations: the residual stream before each block and after the last
// ([layers+1][T*D]) and each layer's heads' outputs before the output projection ([layers][T*A]).
type Capture struct {
	Residual [][]float32
	Heads    [][]float32
	Output   *model.Output
}

// Run runs b, capturing its activations.
func Run(m *model.Model, b *model.Batch) (*Capture, error) {
	layers, _ := m.Shape()
	c := &Capture{Residual: make([][]float32, layers+1), Heads: make([][]float32, layers)}
	hook := &model.Hook{
		Residual: func(l int, x []float32) { c.Residual[l] = slices.Clone(x) },
		Heads:    func(l int, merged []float32) { c.Heads[l] = slices.Clone(merged) },
	}
	out, err := m.Forward(b, model.Options{Hook: hook})
	if err != nil {
		return nil, err
	}
	c.Output = out
	return c, nil
}

// Site is what one patched run copies from the source capture: the residual stream at (Layer, Pos)
// rows (Pos < 0: every position), or head Head's output of layer Layer at every position.
type Site struct {
	Residual   bool
	Layer, Pos int
	Head       int // the head's index in the layer's kept heads (Model.Heads)
}

// Patch runs b with the activations at sites copied from src.
func Patch(m *model.Model, b *model.Batch, src *Capture, sites []Site) (*model.Output, error) {
	d := m.Config().HiddenSize
	hd := m.Config().HeadDim()
	hook := &model.Hook{
		Residual: func(l int, x []float32) {
			for _, s := range sites {
				if !s.Residual || s.Layer != l {
					continue
				}
				if s.Pos < 0 {
					copy(x, src.Residual[l])
				} else {
					copy(x[s.Pos*d:(s.Pos+1)*d], src.Residual[l][s.Pos*d:])
				}
			}
		},
		Heads: func(l int, merged []float32) {
			for _, s := range sites {
				if s.Residual || s.Layer != l {
					continue
				}
				copyHead(merged, src.Heads[l], s.Head, hd, len(src.Heads[l])/b.SeqLen)
			}
		},
	}
	return m.Forward(b, model.Options{Hook: hook})
}

// copyHead copies head h's columns of [T, width] src into dst.
func copyHead(dst, src []float32, h, hd, width int) {
	for r := 0; r < len(dst)/width; r++ {
		at := r*width + h*hd
		copy(dst[at:at+hd], src[at:at+hd])
	}
}
