package saliency

import (
	"context"
	"fmt"
	"math"

	"bertology/core/model"
	"bertology/core/progress"
)

// Baseline is the input integrated gradients start from.
type Baseline int

const (
	// Zero is the all-zero residual stream.
	Zero Baseline = iota
	// Pad is the embedding layer's output for a sequence of the pad token (keeping positions and
	// token types), the input with every token replaced by [PAD].
	Pad
)

// ParseBaseline reads "zero" and "pad".
func ParseBaseline(s string) (Baseline, error) {
	switch s {
	case "zero", "":
		return Zero, nil
	case "pad":
		return Pad, nil
	}
	return 0, fmt.Errorf("baseline %q: want \"zero\" or \"pad\"", s)
}

// Completeness compares the sum of attributions with the change of f they should add up to.
type Completeness struct {
	Sum      float64 `js:"sum" json:"sum"`            // Σ attributions
	Target   float64 `js:"target" json:"target"`      // f(x) − f(baseline)
	RelError float64 `js:"relError" json:"rel_error"` // |Sum − Target| / |Target| (|Sum − Target| when Target is 0)
}

func completeness(sum, target float64) Completeness {
	c := Completeness{Sum: sum, Target: target, RelError: math.Abs(sum - target)}
	if target != 0 {
		c.RelError /= math.Abs(target)
	}
	return c
}

// Integrated is the integrated-gradients attribution of each token.
type Integrated struct {
	Logit, BaselineLogit float64   // f(x), f(baseline)
	Attributions         []float64 // [T] Σ_j (x−x')_tj · mean over steps of ∂f/∂x_tj at x' + α(x−x')
	Completeness         Completeness
	Steps                int
}

// IntegratedGradients attributes f(x) − f(baseline) to the tokens of b with a Riemann sum over steps
// midpoints α = (k+½)/steps of the straight path from the baseline to x. pad is the pad token's id, read
// for the Pad baseline. It stops when ctx is cancelled and tells p after each step.
func IntegratedGradients(ctx context.Context, m *model.Model, b *model.Batch, t Target, base Baseline, pad, steps int, p progress.Func) (*Integrated, error) {
	if steps < 1 {
		return nil, fmt.Errorf("integrated gradients need at least one step, got %d", steps)
	}
	e, err := newExplained(m, b, t)
	if err != nil {
		return nil, err
	}
	x, err := e.embeddings(b)
	if err != nil {
		return nil, err
	}
	x0 := make([]float32, len(x))
	if base == Pad {
		if pad < 0 || pad >= m.Config().VocabSize {
			return nil, fmt.Errorf("pad token %d is outside the vocabulary of %d", pad, m.Config().VocabSize)
		}
		pb := *b
		pb.InputIDs = make([]int, len(b.InputIDs))
		for i := range pb.InputIDs {
			pb.InputIDs[i] = pad
		}
		if x0, err = e.embeddings(&pb); err != nil {
			return nil, err
		}
	}
	res := &Integrated{Steps: steps}
	if res.Logit, err = e.f(model.Options{Embeddings: x}); err != nil {
		return nil, err
	}
	if res.BaselineLogit, err = e.f(model.Options{Embeddings: x0}); err != nil {
		return nil, err
	}
	avg := make([]float64, len(x))
	xa := make([]float32, len(x))
	for k := range steps {
		alpha := (float64(k) + 0.5) / float64(steps)
		for j := range xa {
			xa[j] = float32(float64(x0[j]) + alpha*float64(x[j]-x0[j]))
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		_, g, err := e.grad(model.Options{Embeddings: xa}, model.GradOptions{Input: true})
		if err != nil {
			return nil, err
		}
		for j, v := range g.Input {
			avg[j] += float64(v) / float64(steps)
		}
		p.Send(progress.Report{Done: k + 1, Total: steps})
	}
	d := m.Config().HiddenSize
	res.Attributions = make([]float64, b.SeqLen)
	var sum float64
	for tok := range b.SeqLen {
		var a float64
		for j := tok * d; j < (tok+1)*d; j++ {
			a += float64(x[j]-x0[j]) * avg[j]
		}
		res.Attributions[tok] = a
		sum += a
	}
	res.Completeness = completeness(sum, res.Logit-res.BaselineLogit)
	return res, nil
}
