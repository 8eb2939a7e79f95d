package lab

import (
	"context"
	"fmt"

	"bertology/core/analysis"
	"bertology/core/bertology"
	"bertology/core/checkpoint"
	"bertology/core/model"
	"bertology/core/probe"
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

// AnalyzeBatch runs each batch of the request through the loaded model, as analysis.Pass.Run does, and
// answers what the pass keeps of each: what a shard does for the lab whose probe or attention statistics
// it shares.
func (l *Lab) AnalyzeBatch(ctx context.Context, req *protocol.AnalyzeBatchRequest, _ Reporter) (*protocol.AnalyzeBatchResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	p := analysis.Pass{Keep: analysis.Keep(req.Keep), Pool: probe.Pool(req.Pool), Special: req.Special}
	res := &protocol.AnalyzeBatchResult{}
	for i := range req.Batches {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		kept, err := p.Run(l.model.model, passBatchOf(&req.Batches[i]))
		if err != nil {
			if len(req.Batches) > 1 {
				return nil, fmt.Errorf("batch %d of %d: %w", i+1, len(req.Batches), err)
			}
			return nil, err
		}
		res.Kept = append(res.Kept, protocol.KeptBatch{Features: kept.Features, Attention: kept.Attention, Heads: kept.Heads})
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
	// Run sends a request of op (runBatch or analyzeBatch) to a shard that holds the model, waits for
	// its answer and decodes it into res. A shard that dies on the way is replaced, and the request
	// sent again.
	Run(op string, req, res any) error
}

// runner is what the workflow's data-set passes run on: the pool of shards when there is one
// (onShards), else the model itself.
func (l *Lab) runner() (bertology.Runner, error) {
	r, ok, err := l.onShards()
	if err != nil {
		return nil, err
	}
	if !ok {
		return bertology.ModelRunner{Model: l.model.model}, nil
	}
	return r, nil
}

// analysisRunner is what the analyses' data-set passes run on: the pool of shards when there is one
// (onShards), else the model itself.
func (l *Lab) analysisRunner() (analysis.Runner, error) {
	r, ok, err := l.onShards()
	if err != nil {
		return nil, err
	}
	if !ok {
		return analysis.ModelRunner{Model: l.model.model}, nil
	}
	return r, nil
}

// onShards returns the runner of the pool of shards, given the loaded model first if it does not hold
// it; ok is false when there is no pool of more than one shard, and the lab runs its passes itself.
func (l *Lab) onShards() (r shardRunner, ok bool, err error) {
	pool := l.pool
	if pool == nil {
		pool = hostShards()
	}
	if pool == nil || pool.Concurrency() < 2 {
		return shardRunner{}, false, nil
	}
	if l.shared != l.model || pool.ModelVersion() != l.sharedVersion {
		// The exported checkpoint holds the weights as float32, so a shard's model computes what
		// the lab's computes, also after pruning.
		files, err := checkpoint.Files(l.model.checkpoint(), "F32")
		if err != nil {
			return shardRunner{}, false, fmt.Errorf("giving the model to the workers: %w", err)
		}
		l.sharedVersion++
		if err := pool.SetModel(l.sharedVersion, files); err != nil {
			return shardRunner{}, false, fmt.Errorf("giving the model to the workers: %w", err)
		}
		l.shared = l.model
	}
	c := l.model.model.Config()
	return shardRunner{pool: pool, layers: c.NumLayers, heads: c.NumHeads}, true, nil
}

// shardRunner is a bertology.GroupRunner and an analysis.Runner that runs batches on the shards,
// several in one message when they are short. The passes add up the answers in batch order, so the
// results are those of the model itself, whatever the shards.
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
	var res protocol.RunBatchResult
	if err := r.pool.Run(protocol.OpRunBatch, req, &res); err != nil {
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

// Keep runs the batches on a shard with analyzeBatch.
func (r shardRunner) Keep(p analysis.Pass, batches []analysis.PassBatch) ([]*analysis.Kept, error) {
	req := &protocol.AnalyzeBatchRequest{Keep: int(p.Keep), Pool: int(p.Pool), Special: p.Special}
	for _, b := range batches {
		m := protocol.AnalysisBatch{Batch: batchMessage(b.Batch), Tokens: b.Tokens}
		for _, w := range b.Words {
			m.Words = append(m.Words, int32s(w))
		}
		req.Batches = append(req.Batches, m)
	}
	var res protocol.AnalyzeBatchResult
	if err := r.pool.Run(protocol.OpAnalyzeBatch, req, &res); err != nil {
		return nil, fmt.Errorf("on a worker: %w", err)
	}
	kept := make([]*analysis.Kept, len(res.Kept))
	for i, k := range res.Kept {
		kept[i] = &analysis.Kept{Features: k.Features, Attention: k.Attention, Heads: k.Heads}
	}
	return kept, nil
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

// passBatchOf converts the message of an analysis's batch back.
func passBatchOf(m *protocol.AnalysisBatch) analysis.PassBatch {
	b := analysis.PassBatch{Batch: batchOf(&m.Batch), Tokens: m.Tokens}
	for _, w := range m.Words {
		b.Words = append(b.Words, ints(w))
	}
	return b
}
