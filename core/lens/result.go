package lens

import (
	"errors"
	"fmt"

	"bertology/core/model"
	"bertology/core/tokenizer"
)

// Result is the lens of one input, NumLayers+1 depths × T positions: one schema for the lab, which sends
// it to the page (js names), and the command line, which writes it as JSON (json names).
type Result struct {
	// Objective is "next token" for a causal language model, "masked token" for a masked one.
	Objective string   `js:"objective" json:"objective"`
	Tokens    []string `js:"tokens" json:"tokens"` // the input as the model reads it ([MASK] where masked)
	IDs       []int    `js:"ids" json:"ids"`
	// Targets are each position's expected token id (NoTarget: none), and TargetTokens their text (nil:
	// none).
	Targets      []int     `js:"targets" json:"targets"`
	TargetTokens []*string `js:"targetTokens" json:"target_tokens"`
	// Layers[d] is depth d: 0 is the embeddings' output, the last the model's own prediction.
	Layers []Depth `js:"layers" json:"layers"`
}

// Depth is the lens at one depth, at every position.
type Depth struct {
	Layer     int    `js:"layer" json:"layer"`
	Positions []Cell `js:"positions" json:"positions"`
}

// Cell is the lens at one depth and position.
type Cell struct {
	// Top are the most probable tokens, most probable first (ties: lower id first).
	Top []Prediction `js:"top" json:"top"`
	// TargetRank is the rank of the position's target token among the whole vocabulary (1: the most
	// probable; tokens of equal logit share the better rank) and TargetProb its probability; 0 and nil
	// when the position has no target.
	TargetRank int      `js:"targetRank" json:"target_rank,omitempty"`
	TargetProb *float64 `js:"targetProb" json:"target_prob,omitempty"`
}

// Prediction is one vocabulary token and its probability: under the lens, or, in the lab's forward
// result, under the model's own head.
type Prediction struct {
	Token       string  `js:"token" json:"token"` // its text; empty in what Compute returns
	ID          int     `js:"id" json:"id"`
	Probability float64 `js:"probability" json:"prob"`
}

// Run reads every depth of a language model's residual stream through its head for one encoded input,
// with the tokenizer's text for every token: a causal language model (GPT-2, OpenAI GPT) predicts each
// next token; for BERT's masked language model the positions in mask (0 is [CLS]) are replaced by [MASK]
// and predicted. topK tokens are kept per depth and position.
func Run(m *model.Model, tok tokenizer.Tokenizer, enc tokenizer.Encoding, mask []int, topK int) (*Result, error) {
	ids, targets := enc.IDs, NextTokens(enc.IDs)
	objective := "next token"
	switch m.Head() {
	case model.CausalLM:
		if len(mask) > 0 {
			return nil, errors.New("lens: positions to mask are for a masked language model; this one predicts the next token")
		}
	case model.MaskedLM, model.PreTraining:
		objective = "masked token"
		var err error
		if ids, targets, err = Mask(enc.IDs, mask, tok.Special().MASK); err != nil {
			return nil, err
		}
	default:
		// Said without the package's name: it is what a student who picked a classifier reads first.
		return nil, fmt.Errorf("the logit lens needs a language-model head (GPT-2, OpenAI GPT or BERT's masked LM); this model is a %s", m.Head())
	}
	r, err := Compute(m, ids, enc.TypeIDs, targets, topK)
	if err != nil {
		return nil, err
	}
	text := func(id int) string { return tok.Decode([]int{id}) }
	r.Objective = objective
	r.Tokens = make([]string, len(ids))
	r.TargetTokens = make([]*string, len(ids))
	for t, id := range ids {
		r.Tokens[t] = text(id)
		if target := targets[t]; target != NoTarget {
			s := text(target)
			r.TargetTokens[t] = &s
		}
	}
	for _, d := range r.Layers {
		for _, c := range d.Positions {
			for k := range c.Top {
				c.Top[k].Token = text(c.Top[k].ID)
			}
		}
	}
	return r, nil
}
