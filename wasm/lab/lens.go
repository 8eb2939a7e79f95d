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
	enc, err := l.encode(req.Text, req.Pair, req.Truncate)
	if err != nil {
		return nil, err
	}
	if len(req.MaskPositions) > 0 && l.model.model.Head() == model.CausalLM {
		return nil, errors.New("maskPositions are for a masked language model; this one predicts the next token")
	}
	report(protocol.Progress{Phase: "lens", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := lens.Run(l.model.model, l.model.tok, enc, ints(req.MaskPositions), k)
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "lens", Done: 1, Total: 1})
	return res, nil
}
