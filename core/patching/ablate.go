package patching

import (
	"context"
	"fmt"

	"bertology/core/model"
	"bertology/core/progress"
)

// Ablation is the metric of an example with each head ablated in turn, [layers*heads] row-major; a
// pruned head's entry is the unablated metric. One schema for the lab (js names) and the command line
// (json names); Ablate fills the numbers, its caller the names.
type Ablation struct {
	Tokens     []string  `js:"tokens" json:"tokens"`
	MetricName string    `js:"metricName" json:"metric_name"`       // e.g. logit[positive] − logit[negative]
	Mode       string    `js:"mode" json:"mode"`                    // AblateZero or AblateMean
	MeanOver   int       `js:"meanOver" json:"mean_over,omitempty"` // the examples a mean ablation averages
	Layers     int       `js:"layers" json:"layers"`
	Heads      int       `js:"heads" json:"heads"`
	Metric     float64   `js:"metric" json:"metric"`   // unablated
	Ablated    []float64 `js:"ablated" json:"ablated"` // the metric with the head's output replaced
}

// The ablations Ablate runs.
const (
	AblateZero = "zero" // a head's output set to 0
	AblateMean = "mean" // a head's output set to its mean over a data set (HeadMeans)
)

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
	res := &Ablation{Mode: AblateZero, Layers: layers, Heads: heads, Metric: mt.value(m, b, out), Ablated: make([]float64, layers*heads)}
	if means != nil {
		res.Mode = AblateMean
	}
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
