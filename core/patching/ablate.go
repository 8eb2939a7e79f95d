package patching

import (
	"context"
	"fmt"

	"bertology/core/model"
	"bertology/core/progress"
)

// Ablation is the metric of an example with each head ablated in turn, [layers*heads] row-major; a
// pruned head's entry is the unablated metric.
type Ablation struct {
	Layers, Heads int
	Metric        float64   // unablated
	Ablated       []float64 // the metric with the head's output replaced
}

// HeadMeans returns each head's output averaged over every position of every example ([layers][heads
// kept·head_dim]), what mean ablation replaces a head's output with.
func HeadMeans(m *model.Model, examples []*model.Batch) ([][]float32, error) {
	if len(examples) == 0 {
		return nil, fmt.Errorf("mean ablation needs at least one example")
	}
	layers, _ := m.Shape()
	sums := make([][]float64, layers)
	rows := 0
	for i, b := range examples {
		c, err := Run(m, b)
		if err != nil {
			return nil, fmt.Errorf("example %d: %w", i, err)
		}
		for l, h := range c.Heads {
			width := len(h) / (b.Size * b.SeqLen)
			if sums[l] == nil {
				sums[l] = make([]float64, width)
			}
			for j, v := range h {
				sums[l][j%width] += float64(v)
			}
		}
		rows += b.Size * b.SeqLen
	}
	means := make([][]float32, layers)
	for l, s := range sums {
		means[l] = make([]float32, len(s))
		for j, v := range s {
			means[l][j] = float32(v / float64(rows))
		}
	}
	return means, nil
}

// Ablate runs b with each head's output, in turn, set to zero (means nil) or to its mean (HeadMeans) at
// every position, and reads the metric.
func Ablate(ctx context.Context, m *model.Model, b *model.Batch, mt Metric, means [][]float32, p progress.Func) (*Ablation, error) {
	if err := mt.check(m, b); err != nil {
		return nil, err
	}
	layers, heads := m.Shape()
	hd := m.Config().HeadDim()
	out, err := m.Forward(b, model.Options{})
	if err != nil {
		return nil, err
	}
	res := &Ablation{Layers: layers, Heads: heads, Metric: mt.value(m, b, out), Ablated: make([]float64, layers*heads)}
	for l := range layers {
		for h := range heads {
			res.Ablated[l*heads+h] = res.Metric
		}
		for i, h := range m.Heads(l) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			hook := &model.Hook{Heads: func(hl int, merged []float32) {
				if hl != l {
					return
				}
				width := len(merged) / (b.Size * b.SeqLen)
				for r := 0; r < b.Size*b.SeqLen; r++ {
					at := r*width + i*hd
					if means == nil {
						clear(merged[at : at+hd])
					} else {
						copy(merged[at:at+hd], means[l][i*hd:])
					}
				}
			}}
			out, err := m.Forward(b, model.Options{Hook: hook})
			if err != nil {
				return nil, err
			}
			res.Ablated[l*heads+h] = mt.value(m, b, out)
		}
		p.Send(progress.Report{Done: l + 1, Total: layers})
	}
	return res, nil
}
