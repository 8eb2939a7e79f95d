package lab

import (
	"context"
	"fmt"

	"bertology/core/analysis"
	"bertology/core/rollout"
	"bertology/wasm/protocol"
)

// defaultMaxFlowTokens is the longest input whose attention flow the rollout op computes unless asked
// otherwise: flow costs tokens⁴ × layers, about a second for 32 tokens through BERT-base in the browser.
const defaultMaxFlowTokens = 32

// Rollout computes one input's attention with its heads combined, its attention rollout after every
// layer and, for inputs of up to MaxFlowTokens tokens, its attention flow (Abnar & Zuidema 2020).
func (l *Lab) Rollout(ctx context.Context, req *protocol.RolloutRequest, report Reporter) (*protocol.RolloutResult, error) {
	opt := rollout.DefaultOptions()
	if req.Residual != nil {
		opt.Residual = *req.Residual
	}
	var err error
	if opt.Reduce, err = rollout.ParseHeadReduce(req.Reduce); err != nil {
		return nil, err
	}
	maxFlow := req.MaxFlowTokens
	if maxFlow == 0 {
		maxFlow = defaultMaxFlowTokens
	}
	if maxFlow < 0 {
		return nil, fmt.Errorf("maxFlowTokens is %d, must not be negative", maxFlow)
	}
	enc, err := l.encode(req.Text, req.Pair, req.Truncate)
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "attention", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	att, err := analysis.Attention(l.model.model, enc)
	if err != nil {
		return nil, err
	}
	withFlow := att.T <= maxFlow
	res, err := rollout.Compute(ctx, att, opt, withFlow, throttled(report))
	if err != nil {
		return nil, err
	}
	res.Tokens, res.IDs = l.tokenStrings(enc.IDs), enc.IDs
	if !withFlow {
		res.FlowNote = fmt.Sprintf("attention flow skipped: the input has %d tokens, more than %d (its cost grows as tokens⁴ × layers)", att.T, maxFlow)
	}
	return res, nil
}
