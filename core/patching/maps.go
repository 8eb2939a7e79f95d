package patching

import (
	"context"

	"bertology/core/model"
	"bertology/core/progress"
)

// Map is the normalised metric of patched runs, row-major: [layers+1, T] for the residual stream (row l
// patches block l's input, the last row the last block's output), [layers, heads] for the heads.
type Map struct {
	Rows, Cols       int
	Scores           []float64
	Clean, Corrupted float64 // the metric of the two unpatched runs
}

// ResidualMap patches the residual stream of clean into corrupted at every layer and position, one
// at a time. It tells p after each layer and stops when ctx is cancelled.
func ResidualMap(ctx context.Context, m *model.Model, clean, corrupted *model.Batch, mt Metric, p progress.Func) (*Map, error) {
	layers, _ := m.Shape()
	return patchMap(ctx, m, clean, corrupted, mt, layers+1, clean.SeqLen, p, func(l, pos int) Site {
		return Site{Residual: true, Layer: l, Pos: pos}
	})
}

// HeadMap patches each head's output of clean into corrupted, one head at a time, at every position.
// A pruned head's cell is the corrupted run's, 0.
func HeadMap(ctx context.Context, m *model.Model, clean, corrupted *model.Batch, mt Metric, p progress.Func) (*Map, error) {
	layers, heads := m.Shape()
	kept := make([][]int, layers)
	for l := range kept {
		kept[l] = m.Heads(l)
	}
	return patchMap(ctx, m, clean, corrupted, mt, layers, heads, p, func(l, h int) Site {
		for i, k := range kept[l] {
			if k == h {
				return Site{Layer: l, Head: i}
			}
		}
		return Site{Layer: -1} // pruned: patches nothing
	})
}

func patchMap(ctx context.Context, m *model.Model, clean, corrupted *model.Batch, mt Metric, rows, cols int,
	p progress.Func, site func(r, c int) Site) (*Map, error) {
	if err := mt.check(m, clean, corrupted); err != nil {
		return nil, err
	}
	src, err := Run(m, clean)
	if err != nil {
		return nil, err
	}
	bad, err := Run(m, corrupted)
	if err != nil {
		return nil, err
	}
	res := &Map{Rows: rows, Cols: cols, Scores: make([]float64, rows*cols),
		Clean: mt.value(m, clean, src.Output), Corrupted: mt.value(m, corrupted, bad.Output)}
	for r := range rows {
		for c := range cols {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			out, err := Patch(m, corrupted, src, []Site{site(r, c)})
			if err != nil {
				return nil, err
			}
			res.Scores[r*cols+c] = normalised(mt.value(m, corrupted, out), res.Corrupted, res.Clean)
		}
		p.Send(progress.Report{Done: r + 1, Total: rows})
	}
	return res, nil
}
