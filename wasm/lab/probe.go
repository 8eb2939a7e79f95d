package lab

import (
	"context"
	"fmt"

	"bertology/core/analysis"
	"bertology/core/probe"
	"bertology/wasm/protocol"
)

// analysisBatch is how many sequences the data-set analyses run through the model at once; they stop
// between batches when the request is cancelled.
const analysisBatch = 8

// Probe trains a linear probe on every depth's pooled hidden states of the loaded data set's examples
// and reports its accuracies per depth, as Tenney et al. (2019) do.
func (l *Lab) Probe(ctx context.Context, req *protocol.ProbeRequest, report Reporter) (*protocol.ProbeResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	opt := probe.DefaultOptions()
	if req.HeldOut != 0 {
		opt.HeldOut = req.HeldOut
	}
	if req.Lambda != nil {
		opt.Lambda = *req.Lambda
	}
	if req.Seed != 0 {
		opt.Seed = uint64(req.Seed)
	}
	if !(opt.HeldOut > 0 && opt.HeldOut < 1) {
		return nil, fmt.Errorf("heldOut is %v, want a fraction in (0, 1)", opt.HeldOut)
	}
	if opt.Lambda < 0 {
		return nil, fmt.Errorf("lambda is %v, must not be negative", opt.Lambda)
	}
	pool, poolName, err := analysis.PoolFor(req.Pool, l.model.model)
	if err != nil {
		return nil, err
	}
	data, err := l.encodeData(req.Subset, req.MaxSeqLength, true)
	if err != nil {
		return nil, err
	}
	r, err := l.analysisRunner()
	if err != nil {
		return nil, err
	}
	features, err := analysis.SentenceFeatures(ctx, r, l.model.model, data.encs, analysisBatch, l.model.tok.PadID(), pool, throttled(report).Phase("hidden states"))
	if err != nil {
		return nil, err
	}
	K := len(data.classes)
	res := &protocol.ProbeResult{Task: data.task, Pool: poolName, Samples: features.N, Dim: features.D, Classes: data.classes,
		Majority: probe.MajorityShare(data.labels, K)}
	scores, err := probe.EvaluateLayers(ctx, features.Layers, features.N, features.D, data.labels, K, opt, throttled(report).Phase("probing"))
	if err != nil {
		return nil, err
	}
	res.SetScores(scores)
	return res, nil
}
