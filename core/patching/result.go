package patching

import (
	"context"

	"bertology/core/model"
	"bertology/core/progress"
)

// Result is the patching of one clean and corrupted pair, one schema for the lab (js names) and the
// command line (json names).
type Result struct {
	CleanTokens     []string `js:"cleanTokens" json:"clean_tokens"`
	CorruptedTokens []string `js:"corruptedTokens" json:"corrupted_tokens"`
	Metric          string   `js:"metric" json:"metric"` // what is measured, e.g. logit[positive] − logit[negative]
	CleanMetric     float64  `js:"cleanMetric" json:"clean_metric"`
	CorruptedMetric float64  `js:"corruptedMetric" json:"corrupted_metric"`
	Layers          int      `js:"layers" json:"layers"`
	Heads           int      `js:"heads" json:"heads"`
	// Residual [layers+1, T]: block l's input patched at one position (the last row: the last block's
	// output); HeadOutputs [layers, heads]: one head's output patched at every position.
	Residual    []float64 `js:"residual" json:"residual"`
	HeadOutputs []float64 `js:"headOutputs" json:"heads_map"`
}

// Compute patches clean into corrupted: the residual map, then the head map.
func Compute(ctx context.Context, m *model.Model, clean, corrupted *model.Batch, mt Metric, p progress.Func) (*Result, error) {
	rm, err := ResidualMap(ctx, m, clean, corrupted, mt, phase(p, "residual stream"))
	if err != nil {
		return nil, err
	}
	hm, err := HeadMap(ctx, m, clean, corrupted, mt, phase(p, "heads"))
	if err != nil {
		return nil, err
	}
	layers, heads := m.Shape()
	return &Result{CleanMetric: rm.Clean, CorruptedMetric: rm.Corrupted, Layers: layers, Heads: heads,
		Residual: rm.Scores, HeadOutputs: hm.Scores}, nil
}

func phase(p progress.Func, name string) progress.Func {
	if p == nil {
		return nil
	}
	return func(r progress.Report) {
		r.Phase = name
		p(r)
	}
}
