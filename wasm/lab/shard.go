package lab

import (
	"context"
	"fmt"

	"bertology/core/bertology"
	"bertology/core/checkpoint"
	"bertology/core/model"
	"bertology/wasm/protocol"
)

// RunBatch runs each batch of the request through the loaded model, as bertology.ModelRunner does: what
// a shard does for the lab whose data-set pass it shares.
func (l *Lab) RunBatch(ctx context.Context, req *protocol.RunBatchRequest, _ Reporter) (*protocol.RunBatchResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	mask := req.HeadMask
	if len(mask) == 0 {
		mask = nil
	}
	want := bertology.Want{HeadMaskGrad: req.Want.HeadMaskGrad, Attentions: req.Want.Attentions}
	res := &protocol.RunBatchResult{}
	for i := range req.Batches {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		step, err := bertology.ModelRunner{Model: l.model.model}.Run(batchOf(&req.Batches[i]), mask, want)
		if err != nil {
			if len(req.Batches) > 1 {
				return nil, fmt.Errorf("batch %d of %d: %w", i+1, len(req.Batches), err)
			}
			return nil, err
		}
		res.Steps = append(res.Steps, protocol.Step{Logits: step.Logits, Loss: step.Loss, HeadMaskGrad: step.HeadMaskGrad, Attentions: step.Attentions})
	}
	return res, nil
}

// shards is a pool of labs in other workers that run a pass's batches, several at once (in the
// browser, public/shards.js behind globalThis.bertologyShards). Each shard holds a copy of the model
// it was last given.
type shards interface {
	// Concurrency is how many batches the pool takes at once; below 2, the lab runs its passes
	// itself.
	Concurrency() int
	// ModelVersion is the version of the model the pool holds, 0 for none.
	ModelVersion() int
	// SetModel gives the pool the model its shards are to run from now on, as the files of a model
	// directory.
	SetModel(version int, files map[string][]byte) error
	// Run runs a request's batches on a shard that holds the model, and waits for its answer.
	Run(req *protocol.RunBatchRequest) (*protocol.RunBatchResult, error)
}

// runner is what the lab's data-set passes run on: the pool of shards when there is one with more
// than one shard, given the loaded model first if it does not hold it, else the model itself.
func (l *Lab) runner() (bertology.Runner, error) {
	local := bertology.ModelRunner{Model: l.model.model}
	pool := l.pool
	if pool == nil {
		pool = hostShards()
	}
	if pool == nil || pool.Concurrency() < 2 {
		return local, nil
	}
	if l.shared != l.model || pool.ModelVersion() != l.sharedVersion {
		// The exported checkpoint holds the weights as float32, so a shard's model computes what
		// the lab's computes, also after pruning.
		files, err := checkpoint.Files(l.model.checkpoint(), "F32")
		if err != nil {
			return nil, fmt.Errorf("giving the model to the workers: %w", err)
		}
		l.sharedVersion++
		if err := pool.SetModel(l.sharedVersion, files); err != nil {
			return nil, fmt.Errorf("giving the model to the workers: %w", err)
		}
		l.shared = l.model
	}
	layers, heads := local.Shape()
	return shardRunner{pool: pool, layers: layers, heads: heads}, nil
}

// shardRunner is a bertology.GroupRunner that runs batches on the shards, several in one message when
// they are short. ComputeImportance adds up the steps in batch order, so the results are those of the
// model itself, whatever the shards.
type shardRunner struct {
	pool          shards
	layers, heads int
}

// shardGroupTokens is how many tokens the batches of one message hold at least (when there are enough
// batches to keep every shard busy): about 40 SST-2 sentences, whose pass on a small model takes
// longer than the message's ~1 ms round trip.
const shardGroupTokens = 1024

func (r shardRunner) Concurrency() int           { return r.pool.Concurrency() }
func (r shardRunner) Shape() (layers, heads int) { return r.layers, r.heads }
func (r shardRunner) GroupTokens() int           { return shardGroupTokens }

func (r shardRunner) Run(b *model.Batch, headMask []float32, want bertology.Want) (*bertology.Step, error) {
	steps, err := r.RunGroup([]*model.Batch{b}, headMask, want)
	if err != nil {
		return nil, err
	}
	return steps[0], nil
}

func (r shardRunner) RunGroup(batches []*model.Batch, headMask []float32, want bertology.Want) ([]*bertology.Step, error) {
	req := &protocol.RunBatchRequest{HeadMask: headMask, Want: protocol.Want{HeadMaskGrad: want.HeadMaskGrad, Attentions: want.Attentions}}
	for _, b := range batches {
		req.Batches = append(req.Batches, batchMessage(b))
	}
	res, err := r.pool.Run(req)
	if err != nil {
		return nil, fmt.Errorf("on a worker: %w", err)
	}
	if len(res.Steps) != len(batches) {
		return nil, fmt.Errorf("on a worker: %d steps for %d batches", len(res.Steps), len(batches))
	}
	steps := make([]*bertology.Step, len(res.Steps))
	for i, s := range res.Steps {
		steps[i] = &bertology.Step{Logits: s.Logits, Loss: s.Loss, HeadMaskGrad: s.HeadMaskGrad, Attentions: s.Attentions}
	}
	return steps, nil
}

// batchMessage and batchOf convert a batch to the message that carries it and back.
func batchMessage(b *model.Batch) protocol.Batch {
	return protocol.Batch{
		Size: b.Size, SeqLen: b.SeqLen,
		InputIDs: int32s(b.InputIDs), AttentionMask: int32s(b.AttentionMask), TokenTypeIDs: int32s(b.TokenTypeIDs),
		Labels: int32s(b.Labels), Targets: b.Targets,
	}
}

func batchOf(m *protocol.Batch) *model.Batch {
	return &model.Batch{
		Size: m.Size, SeqLen: m.SeqLen,
		InputIDs: ints(m.InputIDs), AttentionMask: ints(m.AttentionMask), TokenTypeIDs: ints(m.TokenTypeIDs),
		Labels: ints(m.Labels), Targets: m.Targets,
	}
}
