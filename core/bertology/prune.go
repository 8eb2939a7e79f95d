package bertology

import (
	"context"
	"time"

	"bertology/core/checkpoint"
	"bertology/core/model"
	"bertology/core/progress"
	"bertology/core/prune"
)

// Pruning is what PruneAndCompare did: the heads it removed, the pruned model, and how the model
// compares before and after.
type Pruning struct {
	Heads      map[int][]int          // the heads removed, by layer
	Checkpoint *checkpoint.Checkpoint // the pruned model's, to save
	Model      *model.Model           // the pruned model

	ParamsBefore, ParamsAfter int
	// Masked evaluates the original model with the heads masked, Pruned the pruned model; TimeMasked
	// and TimePruned are the time the model itself took on each (not the time spent reporting).
	Masked, Pruned         *Importance
	TimeMasked, TimePruned time.Duration
}

// PruneAndCompare removes heads (by layer; when nil, the heads mask switches off) from the weights of
// ck, the checkpoint of m, and evaluates m with mask and the pruned model on the batches, as
// run_bertology.py's prune_heads does. The mask still applies to the pruned model: its zeros are gone
// from the weights, and any other value scales a head that is left.
func PruneAndCompare(ctx context.Context, ck *checkpoint.Checkpoint, m *model.Model, batches []*model.Batch,
	mask []float32, heads map[int][]int, report progress.Func) (*Pruning, error) {
	if heads == nil {
		layers, perLayer := m.Shape()
		heads = HeadsToPrune(mask, layers, perLayer)
	}
	p := &Pruning{Heads: heads, ParamsBefore: m.NumParams()}
	var err error
	if p.Masked, p.TimeMasked, err = timedEvaluate(ctx, m, batches, mask, report.Phase("timing the model with the heads masked")); err != nil {
		return nil, err
	}
	report.Send(progress.Report{Phase: "pruning", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.Checkpoint, err = prune.Heads(ck, heads); err != nil {
		return nil, err
	}
	if p.Model, err = model.New(p.Checkpoint); err != nil {
		return nil, err
	}
	p.ParamsAfter = p.Model.NumParams()
	if p.Pruned, p.TimePruned, err = timedEvaluate(ctx, p.Model, batches, mask, report.Phase("timing the pruned model")); err != nil {
		return nil, err
	}
	return p, nil
}

// timedEvaluate is Evaluate on m, with the time the model took.
func timedEvaluate(ctx context.Context, m *model.Model, batches []*model.Batch, mask []float32, report progress.Func) (*Importance, time.Duration, error) {
	r := &timedRunner{Runner: ModelRunner{Model: m}}
	imp, err := Evaluate(ctx, r, batches, mask, report)
	return imp, r.elapsed, err
}

// timedRunner measures the time its Runner spends on batches.
type timedRunner struct {
	Runner
	elapsed time.Duration
}

func (r *timedRunner) Run(b *model.Batch, headMask []float32, want Want) (*Step, error) {
	start := time.Now()
	defer func() { r.elapsed += time.Since(start) }()
	return r.Runner.Run(b, headMask, want)
}
