package bertology

import (
	"context"

	"bertology/core/model"
	"bertology/core/progress"
)

// Evaluate runs the batches through r under headMask (nil: every head on) for the outputs alone: the
// logits and the loss, from which TaskMetrics and the masking loop's scores come. It computes neither
// importance nor entropy, as run_bertology.py's compute_heads_importance when asked for neither.
func Evaluate(ctx context.Context, r Runner, batches []*model.Batch, headMask []float32, report progress.Func) (*Importance, error) {
	return ComputeImportance(ctx, r, batches, Options{HeadMask: headMask, Progress: report})
}
