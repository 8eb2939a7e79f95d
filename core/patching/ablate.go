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
// kept·head_dim]), what mean ablation replaces a head's output with: the examples' HeadSums added in
// order (Means).
func HeadMeans(m *model.Model, examples []*model.Batch) ([][]float32, error) {
	var acc Means
	for i, b := range examples {
		s, err := HeadSums(m, b)
		if err != nil {
			return nil, fmt.Errorf("example %d: %w", i, err)
		}
		if err := acc.Add(s, b.Size*b.SeqLen); err != nil {
			return nil, fmt.Errorf("example %d: %w", i, err)
		}
	}
	return acc.Result()
}

// HeadSums runs b and returns each layer's heads' outputs summed over every position of b ([layers][heads
// kept·head_dim]): what a data-set pass keeps of a batch for HeadMeans.
func HeadSums(m *model.Model, b *model.Batch) ([][]float64, error) {
	c, err := Run(m, b)
	if err != nil {
		return nil, err
	}
	sums := make([][]float64, len(c.Heads))
	for l, h := range c.Heads {
		width := len(h) / (b.Size * b.SeqLen)
		sums[l] = make([]float64, width)
		for j, v := range h {
			sums[l][j%width] += float64(v)
		}
	}
	return sums, nil
}

// Means adds up batches' HeadSums, in order, into each head's mean output.
type Means struct {
	sums [][]float64
	rows int
}

// Add adds one batch's HeadSums over its rows positions.
func (a *Means) Add(sums [][]float64, rows int) error {
	if a.sums == nil {
		a.sums = make([][]float64, len(sums))
		for l, s := range sums {
			a.sums[l] = make([]float64, len(s))
		}
	}
	if len(sums) != len(a.sums) {
		return fmt.Errorf("head sums of %d layers, want %d", len(sums), len(a.sums))
	}
	for l, s := range sums {
		if len(s) != len(a.sums[l]) {
			return fmt.Errorf("layer %d: head sums of width %d, want %d", l, len(s), len(a.sums[l]))
		}
		for j, v := range s {
			a.sums[l][j] += v
		}
	}
	a.rows += rows
	return nil
}

// Result is each head's mean output ([layers][heads kept·head_dim]).
func (a *Means) Result() ([][]float32, error) {
	if a.rows == 0 {
		return nil, fmt.Errorf("mean ablation needs at least one example")
	}
	means := make([][]float32, len(a.sums))
	for l, s := range a.sums {
		means[l] = make([]float32, len(s))
		for j, v := range s {
			means[l][j] = float32(v / float64(a.rows))
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
