package lab

import (
	"context"
	"fmt"
	"slices"

	"bertology/core/analysis"
	"bertology/core/f64"
	"bertology/core/rollout"
	"bertology/wasm/protocol"
)

// defaultMaxFlowTokens is the longest input whose attention flow the rollout op computes unless asked
// otherwise: flow costs tokens⁴ × layers, about a second for 32 tokens through BERT-base in the browser.
const defaultMaxFlowTokens = 32

var headReductions = map[string]rollout.HeadReduce{"mean": rollout.MeanHeads, "max": rollout.MaxHeads}

// Rollout computes one input's attention with its heads combined, its attention rollout after every
// layer and, for inputs of up to MaxFlowTokens tokens, its attention flow (Abnar & Zuidema 2020).
func (l *Lab) Rollout(ctx context.Context, req *protocol.RolloutRequest, report Reporter) (*protocol.RolloutResult, error) {
	opt := rollout.DefaultOptions()
	if req.Residual != nil {
		opt.Residual = *req.Residual
	}
	if req.Reduce == "" {
		req.Reduce = "mean"
	}
	var ok bool
	if opt.Reduce, ok = headReductions[req.Reduce]; !ok {
		return nil, fmt.Errorf("reduce %q: want mean or max", req.Reduce)
	}
	maxFlow := req.MaxFlowTokens
	if maxFlow == 0 {
		maxFlow = defaultMaxFlowTokens
	}
	if maxFlow < 0 {
		return nil, fmt.Errorf("maxFlowTokens is %d, must not be negative", maxFlow)
	}
	enc, err := l.encode(req.Text, req.Pair)
	if err != nil {
		return nil, err
	}

	const steps = 3 // attention, rollout, flow
	report(protocol.Progress{Phase: "attention", Done: 0, Total: steps})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	att, err := analysis.Attention(l.model.model, enc)
	if err != nil {
		return nil, err
	}
	// The raw attention is what rollout multiplies, without the residual: the mean of the heads, or
	// their maximum with rows renormalised.
	raw := opt
	raw.Residual = 0
	combined, err := rollout.Augment(att, raw)
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "rollout", Done: 1, Total: steps})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rolled, err := rollout.Rollout(att, opt)
	if err != nil {
		return nil, err
	}
	L, T := len(att.Layers), att.T
	res := &protocol.RolloutResult{
		Tokens: l.tokenStrings(enc.IDs), Layers: L, Heads: att.Heads, Residual: opt.Residual, Reduce: req.Reduce,
		Attention: protocol.Tensor{Shape: []int{L, T, T}, Data: f64.ToFloat32(slices.Concat(combined...))},
		Rollout:   protocol.Tensor{Shape: []int{L, T, T}, Data: f64.ToFloat32(slices.Concat(rolled...))},
	}
	report(protocol.Progress{Phase: "flow", Done: 2, Total: steps})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if T > maxFlow {
		res.FlowNote = fmt.Sprintf("attention flow skipped: the input has %d tokens, more than %d (its cost grows as tokens⁴ × layers)", T, maxFlow)
	} else {
		flow, err := rollout.Flow(att, opt, L)
		if err != nil {
			return nil, err
		}
		normalizeRows(flow, T)
		res.Flow = protocol.Tensor{Shape: []int{T, T}, Data: f64.ToFloat32(flow)}
	}
	report(protocol.Progress{Phase: "flow", Done: steps, Total: steps})
	return res, nil
}

// normalizeRows divides each row of the [T, T] matrix m by its sum, leaving rows of zeros alone.
func normalizeRows(m []float64, T int) {
	for i := range T {
		row := m[i*T : (i+1)*T]
		sum := 0.0
		for _, v := range row {
			sum += v
		}
		if sum > 0 {
			for j := range row {
				row[j] /= sum
			}
		}
	}
}
