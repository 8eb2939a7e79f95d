package lab

import (
	"bertology/core/analysis"
	"bertology/core/tokenizer"
	"context"
	"errors"
	"fmt"

	"bertology/core/model"
	"bertology/core/patching"
	"bertology/core/saliency"
	"bertology/wasm/protocol"
)

// Saliency explains one logit of one input: each token's saliency, or each head's attention
// attribution.
func (l *Lab) Saliency(ctx context.Context, req *protocol.SaliencyRequest, report Reporter) (*protocol.SaliencyResult, error) {
	base, err := saliency.ParseBaseline(req.Baseline)
	if err != nil {
		return nil, err
	}
	if req.Steps < 0 {
		return nil, fmt.Errorf("steps is %d, must not be negative", req.Steps)
	}
	enc, err := l.encode(req.Text, req.Pair, req.Truncate)
	if err != nil {
		return nil, err
	}
	m := l.model.model
	opt := saliency.Options{Method: req.Method, Target: -1, Steps: req.Steps, Baseline: base}
	if req.Target != nil {
		opt.Target = *req.Target
	}
	return saliency.Explain(ctx, m, l.model.tok, analysis.Batch(m, []tokenizer.Encoding{enc}, 0), l.tokenStrings(enc.IDs), opt, throttled(report))
}

// Patch patches a clean input's residual stream and heads' outputs into a corrupted one.
func (l *Lab) Patch(ctx context.Context, req *protocol.PatchRequest, report Reporter) (*protocol.PatchResult, error) {
	clean, err := l.encode(req.Clean, "", false)
	if err != nil {
		return nil, fmt.Errorf("clean: %w", err)
	}
	corrupted, err := l.encode(req.Corrupted, "", false)
	if err != nil {
		return nil, fmt.Errorf("corrupted: %w", err)
	}
	if len(clean.IDs) != len(corrupted.IDs) {
		return nil, fmt.Errorf("the clean text is %d tokens, the corrupted %d: they must be as long", len(clean.IDs), len(corrupted.IDs))
	}
	m := l.model.model
	mt := patching.Metric{A: 1, B: 0}
	switch {
	case req.A != nil && req.B != nil:
		mt = patching.Metric{A: *req.A, B: *req.B}
	case m.Head() != model.SequenceClassification:
		return nil, errors.New("a language model needs the two next tokens a and b")
	}
	res, err := patching.Compute(ctx, m, analysis.Batch(m, []tokenizer.Encoding{clean}, 0), analysis.Batch(m, []tokenizer.Encoding{corrupted}, 0), mt, throttled(report))
	if err != nil {
		return nil, err
	}
	res.CleanTokens, res.CorruptedTokens = l.tokenStrings(clean.IDs), l.tokenStrings(corrupted.IDs)
	res.Metric = fmt.Sprintf("logit[%s] − logit[%s]", saliency.TargetName(m, l.model.tok, mt.A), saliency.TargetName(m, l.model.tok, mt.B))
	return res, nil
}
