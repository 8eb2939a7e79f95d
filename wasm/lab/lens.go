package lab

import (
	"context"
	"errors"
	"fmt"

	"bertology/core/lens"
	"bertology/core/model"
	"bertology/wasm/protocol"
)

// Lens reads every depth of a language model's residual stream through the model's own head, for one
// input (the logit lens): the next token for GPT-2 and OpenAI GPT, the masked tokens for BERT's masked
// language model.
func (l *Lab) Lens(ctx context.Context, req *protocol.LensRequest, report Reporter) (*protocol.LensResult, error) {
	if req.TopK < 0 {
		return nil, fmt.Errorf("topK is %d, must not be negative", req.TopK)
	}
	k := req.TopK
	if k == 0 {
		k = defaultTopK
	}
	enc, err := l.encode(req.Text, req.Pair)
	if err != nil {
		return nil, err
	}
	m, tok := l.model.model, l.model.tok
	res := &protocol.LensResult{}
	ids, targets := enc.IDs, lens.NextTokens(enc.IDs)
	switch m.Head() {
	case model.CausalLM:
		res.Objective = "next token"
		if len(req.MaskPositions) > 0 {
			return nil, errors.New("maskPositions are for a masked language model; this one predicts the next token")
		}
	case model.MaskedLM:
		res.Objective = "masked token"
		if ids, targets, err = lens.Mask(enc.IDs, ints(req.MaskPositions), tok.Special().MASK); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("the logit lens needs a language-model head (GPT-2, OpenAI GPT or BERT's masked LM); this model is a %s", m.Head())
	}
	report(protocol.Progress{Phase: "lens", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := lens.Compute(m, ids, enc.TypeIDs, targets, k)
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "lens", Done: 1, Total: 1})
	res.Tokens, res.IDs, res.Targets = l.tokenStrings(ids), int32s(ids), int32s(targets)
	res.TargetTokens = make([]string, len(targets))
	for t, id := range targets {
		if id != lens.NoTarget {
			res.TargetTokens[t] = tok.Decode([]int{id})
		}
	}
	res.Cells = make([][]protocol.LensCell, len(r.Cells))
	for d, cells := range r.Cells {
		res.Cells[d] = make([]protocol.LensCell, len(cells))
		for t, c := range cells {
			cell := protocol.LensCell{TargetRank: c.TargetRank, TargetProb: c.TargetProb}
			for _, p := range c.Top {
				cell.Top = append(cell.Top, protocol.TokenScore{Token: tok.Decode([]int{p.ID}), ID: p.ID, Probability: p.Prob})
			}
			res.Cells[d][t] = cell
		}
	}
	return res, nil
}
