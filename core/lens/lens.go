// Package lens implements the logit lens (nostalgebraist 2020, "interpreting GPT: the logit lens"): the
// residual stream after every layer is read out through the model's own final LayerNorm and language-model
// head, as if that layer were the last, to show how a prediction forms with depth. It works for causal
// language models (GPT-2, OpenAI GPT, Llama), where each position predicts the next token, and for BERT's masked
// language model, where a masked position predicts the token that was there.
//
// Depth 0 is the embeddings' output and depth NumLayers the last block's; the lens at the last depth is
// exactly the model's own prediction.
package lens

import (
	"fmt"

	"bertology/core/f64"
	"bertology/core/model"
)

// NoTarget marks a position without a target token.
const NoTarget = -1

// Compute runs the model on one sequence of token ids (typeIDs: BERT's token types, nil for zeros) and
// reads every depth of its residual stream out through the model's head, keeping the topK most probable
// tokens at every depth and position. targets (nil: none) gives each position's expected token or NoTarget;
// NextTokens and Mask build them. The result has ids, no text: Run adds the tokens' text and the objective.
func Compute(m *model.Model, ids, typeIDs, targets []int, topK int) (*Result, error) {
	T, V := len(ids), m.Config().VocabSize
	if T == 0 {
		return nil, fmt.Errorf("lens: no tokens")
	}
	if topK < 1 {
		return nil, fmt.Errorf("lens: top-k %d, want at least 1", topK)
	}
	if targets == nil {
		targets = make([]int, T)
		for i := range targets {
			targets[i] = NoTarget
		}
	}
	if len(targets) != T {
		return nil, fmt.Errorf("lens: %d targets for %d tokens", len(targets), T)
	}
	for t, id := range targets {
		if id != NoTarget && (id < 0 || id >= V) {
			return nil, fmt.Errorf("lens: target %d at position %d is outside the vocabulary of %d", id, t, V)
		}
	}
	stream, err := m.ResidualStream(&model.Batch{Size: 1, SeqLen: T, InputIDs: ids, TokenTypeIDs: typeIDs})
	if err != nil {
		return nil, fmt.Errorf("lens: %w", err)
	}
	r := &Result{IDs: ids, Targets: targets, Layers: make([]Depth, len(stream))}
	probs := make([]float64, V)
	for d, s := range stream {
		logits, err := m.HeadLogits(s.Data, T)
		if err != nil {
			return nil, fmt.Errorf("lens: %w", err)
		}
		r.Layers[d] = Depth{Layer: d, Positions: make([]Cell, T)}
		for t := range T {
			row := logits[t*V : (t+1)*V]
			f64.Softmax(probs, row)
			c := Cell{Top: top(probs, topK)}
			if id := targets[t]; id != NoTarget {
				p := probs[id]
				c.TargetRank, c.TargetProb = rank(row, id), &p
			}
			r.Layers[d].Positions[t] = c
		}
	}
	return r, nil
}

// NextTokens returns the targets of a causal language model: each position's next token, and NoTarget
// for the last.
func NextTokens(ids []int) []int {
	targets := make([]int, len(ids))
	for t := range ids {
		targets[t] = NoTarget
		if t+1 < len(ids) {
			targets[t] = ids[t+1]
		}
	}
	return targets
}

// Mask returns a copy of ids with the listed positions replaced by maskID, and the targets of a masked
// language model: the original token at each masked position, NoTarget elsewhere.
func Mask(ids, positions []int, maskID int) (masked, targets []int, err error) {
	masked = append([]int(nil), ids...)
	targets = make([]int, len(ids))
	for t := range targets {
		targets[t] = NoTarget
	}
	for _, p := range positions {
		if p < 0 || p >= len(ids) {
			return nil, nil, fmt.Errorf("lens: mask position %d outside 0..%d", p, len(ids)-1)
		}
		targets[p], masked[p] = ids[p], maskID
	}
	return masked, targets, nil
}

// top returns the k most probable entries of p (fewer when p is shorter), most probable first, ties by
// lower id.
func top(p []float64, k int) []Prediction {
	ids := f64.TopK(p, k)
	out := make([]Prediction, len(ids))
	for i, id := range ids {
		out[i] = Prediction{ID: id, Probability: p[id]}
	}
	return out
}

// rank returns 1 + the number of tokens whose logit is above the target's.
func rank(logits []float32, target int) int {
	r := 1
	for _, v := range logits {
		if v > logits[target] {
			r++
		}
	}
	return r
}
