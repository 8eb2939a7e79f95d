package rollout

import (
	"context"
	"slices"

	"bertology/core/f64"
	"bertology/core/progress"
	"bertology/core/tensor"
)

// Result is the rollout and flow of one input: one schema for the lab, which sends it to the page (js
// names), and the command line, which writes it as JSON (json names). Every map has rows for output
// positions and columns for input tokens, like an attention map.
type Result struct {
	Tokens []string `js:"tokens" json:"tokens"`
	IDs    []int    `js:"ids" json:"ids"`
	Layers int      `js:"layers" json:"layers"`
	Heads  int      `js:"heads" json:"heads"` // per layer, before pruning
	// Kept lists, for a pruned model, each layer's heads by their original numbers (rollout and flow
	// combine those; a layer with none passes every token on to itself); nil when nothing is pruned.
	Kept     [][]int `js:"kept" json:"kept,omitempty"`
	Residual float64 `js:"residual" json:"residual"`
	Reduce   string  `js:"reduce" json:"reduce"` // how the heads were combined: mean or max
	// Attention [layers, T, T] is each layer's raw attention with its heads combined (Augment without the
	// residual).
	Attention *tensor.Tensor `js:"attention" json:"attention"`
	// Rollout [layers, T, T] is the rollout after each layer; the last is the whole model's.
	Rollout *tensor.Tensor `js:"rollout" json:"rollout"`
	// Flow [T, T] is the raw maximum flow from the inputs through every layer (see Flow: Abnar & Zuidema
	// divide each row by its sum to show it); nil when skipped, with the reason in FlowNote.
	Flow     *tensor.Tensor `js:"flow" json:"flow"`
	FlowNote string         `js:"flowNote" json:"flow_note,omitempty"`
}

// Compute returns the combined attention, the rollout after every layer and, if withFlow, the attention
// flow through every layer of one input's attention a; the caller fills in Tokens and IDs, and FlowNote
// when it leaves flow out. Flow costs about T⁴ × layers, so the caller decides whether to pay it. ctx
// cancels between the steps, which report sends as the phases "rollout" and "flow".
func Compute(ctx context.Context, a *Attention, opt Options, withFlow bool, report progress.Func) (*Result, error) {
	phases := []string{"rollout"}
	if withFlow {
		phases = append(phases, "flow")
	}
	step := func(done int) error {
		report.Send(progress.Report{Phase: phases[min(done, len(phases)-1)], Done: done, Total: len(phases)})
		return ctx.Err()
	}
	if err := step(0); err != nil {
		return nil, err
	}
	// The raw attention is what rollout multiplies, without the residual: the mean of the heads, or their
	// maximum with rows renormalised.
	raw := opt
	raw.Residual = 0
	combined, err := Augment(a, raw)
	if err != nil {
		return nil, err
	}
	rolled, err := Rollout(a, opt)
	if err != nil {
		return nil, err
	}
	L, T := len(a.Layers), a.T
	res := &Result{Layers: L, Heads: a.Heads, Kept: a.Kept, Residual: opt.Residual, Reduce: opt.Reduce.String(),
		Attention: tensor.FromData(f64.ToFloat32(slices.Concat(combined...)), L, T, T),
		Rollout:   tensor.FromData(f64.ToFloat32(slices.Concat(rolled...)), L, T, T)}
	if withFlow {
		if err := step(1); err != nil {
			return nil, err
		}
		flow, err := Flow(a, opt, L)
		if err != nil {
			return nil, err
		}
		res.Flow = tensor.FromData(f64.ToFloat32(flow), T, T)
	}
	return res, step(len(phases))
}
