package lab

import (
	"context"
	"fmt"

	"bertology/core/induction"
	"bertology/wasm/protocol"
)

// inductionTop is how many heads the induction op lists per score.
const inductionTop = 3

// Induction scores every head of the loaded causal language model as an induction head (prefix
// matching, copying) and as a previous-token head, on repeated random tokens (core/induction). A field
// left at 0 takes its default.
func (l *Lab) Induction(ctx context.Context, req *protocol.InductionRequest, report Reporter) (*protocol.InductionResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	opt := induction.Options{Sequences: induction.DefaultSequences, Seed: induction.DefaultSeed, Top: inductionTop}
	if req.Length < 0 || req.Sequences < 0 || req.Seed < 0 {
		return nil, fmt.Errorf("length %d, sequences %d and seed %d must not be negative", req.Length, req.Sequences, req.Seed)
	}
	opt.BOS, opt.Special = induction.SpecialTokens(l.model.tok)
	opt.Length = induction.LengthFor(l.model.info.MaxPositions, opt.BOS)
	if req.Length > 0 {
		opt.Length = req.Length
	}
	if req.Sequences > 0 {
		opt.Sequences = req.Sequences
	}
	if req.Seed > 0 {
		opt.Seed = uint64(req.Seed)
	}
	res, err := induction.Run(ctx, l.model.model, opt, throttled(report))
	if err != nil {
		return nil, err
	}
	if opt.BOS != induction.NoBOS {
		res.BOS = l.tokenStrings([]int{opt.BOS})[0]
	}
	return res, nil
}
