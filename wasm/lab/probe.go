package lab

import (
	"context"
	"fmt"
	"strings"

	"bertology/core/analysis"
	"bertology/core/checkpoint"
	"bertology/core/probe"
	"bertology/core/tokenizer"
	"bertology/wasm/protocol"
)

// analysisBatch is how many sequences the data-set analyses run through the model at once; the lab
// checks for cancellation between batches.
const analysisBatch = 8

var pools = map[string]probe.Pool{"first": probe.First, "last": probe.Last, "mean": probe.Mean}

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
	if req.Pool == "" {
		req.Pool = "first"
		if t := l.model.model.Config().ModelType; t == checkpoint.GPT2 || t == checkpoint.OpenAIGPT {
			req.Pool = "last"
		}
	}
	pool, ok := pools[req.Pool]
	if !ok {
		return nil, fmt.Errorf("pool %q: want first, last or mean", req.Pool)
	}
	data, err := l.encodeData(req.Subset, req.MaxSeqLength, true)
	if err != nil {
		return nil, err
	}
	features, err := l.sentenceFeatures(ctx, data.encs, pool, report)
	if err != nil {
		return nil, err
	}
	K := len(data.classes)
	res := &protocol.ProbeResult{Task: data.task, Pool: req.Pool, Samples: features.N, Dim: features.D, Classes: data.classes,
		Majority: probe.MajorityShare(data.labels, K)}
	scores := make([]probe.Score, len(features.Layers))
	for d, x := range features.Layers {
		report(protocol.Progress{Phase: "probing", Done: d, Total: len(features.Layers)})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if scores[d], err = probe.Evaluate(x, features.N, features.D, data.labels, K, opt); err != nil {
			return nil, fmt.Errorf("depth %d: %w", d, err)
		}
		s := scores[d]
		res.Layers = append(res.Layers, protocol.ProbeLayer{Layer: d, Train: s.Train, HeldOut: s.HeldOut, NTrain: s.NTrain,
			NHeldOut: s.NHeldOut, Loss: s.Loss, Iterations: s.Iterations})
	}
	report(protocol.Progress{Phase: "probing", Done: len(features.Layers), Total: len(features.Layers)})
	curve := probe.HeldOutAccuracies(scores)
	if e, err := probe.ExpectedLayer(curve); err == nil {
		res.ExpectedLayer = &e
	} else {
		res.Notes = append(res.Notes, note(err))
	}
	if c, err := probe.CentreOfGravity(curve); err == nil {
		res.CentreOfGravity = &c
	} else {
		res.Notes = append(res.Notes, note(err))
	}
	return res, nil
}

// note is why a summary of the probe is undefined, without the package's prefix.
func note(err error) string { return strings.TrimPrefix(err.Error(), "probe: ") }

// sentenceFeatures pools every encoding's hidden states at every depth, analysisBatch encodings at a
// time, stopping between batches when ctx is cancelled.
func (l *Lab) sentenceFeatures(ctx context.Context, encs []tokenizer.Encoding, pool probe.Pool, report Reporter) (*analysis.Features, error) {
	m, padID := l.model.model, l.model.tok.PadID()
	f := &analysis.Features{Layers: make([][]float64, m.Config().NumLayers+1), D: m.Config().HiddenSize}
	for first := 0; first < len(encs); first += analysisBatch {
		report(protocol.Progress{Phase: "hidden states", Done: first, Total: len(encs)})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part, err := analysis.SentenceFeatures(m, encs[first:min(first+analysisBatch, len(encs))], analysisBatch, padID, pool, nil)
		if err != nil {
			return nil, err
		}
		for d := range f.Layers {
			f.Layers[d] = append(f.Layers[d], part.Layers[d]...)
		}
		f.N += part.N
	}
	report(protocol.Progress{Phase: "hidden states", Done: len(encs), Total: len(encs)})
	return f, nil
}
