package analysis

import (
	"context"

	"bertology/core/model"
	"bertology/core/patching"
	"bertology/core/progress"
	"bertology/core/tokenizer"
)

// HeadMeans is patching.HeadMeans over the encodings as a data-set pass on r: each example a batch of
// its own (no padding, whose positions would count in the means), their sums added in order, so the
// means are the same wherever the batches ran. report follows the examples.
func HeadMeans(ctx context.Context, r Runner, m *model.Model, encs []tokenizer.Encoding, report progress.Func) ([][]float32, error) {
	batches, err := passBatches(m, encs, 1, 0)
	if err != nil {
		return nil, err
	}
	var acc patching.Means
	err = runPass(ctx, r, Pass{Keep: KeepHeads}, batches, func(k int, kept *Kept) error {
		b := batches[k].Batch
		return acc.Add(kept.Heads, b.Size*b.SeqLen)
	}, report)
	if err != nil {
		return nil, err
	}
	return acc.Result()
}
