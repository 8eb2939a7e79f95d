package lab

import (
	"context"
	"fmt"

	"bertology/core/bertology"
	"bertology/wasm/protocol"
)

// MaskingLoop runs the iterative masking loop on the batches of the last importance request.
func (l *Lab) MaskingLoop(ctx context.Context, req *protocol.MaskingLoopRequest, report Reporter) (*protocol.MaskingResult, error) {
	e, err := l.evaluation()
	if err != nil {
		return nil, err
	}
	threshold, amount := req.Threshold, req.Amount
	if threshold == 0 {
		threshold = bertology.DefaultMaskingThreshold
	}
	if amount == 0 {
		amount = bertology.DefaultMaskingAmount
	}
	if !(threshold > 0 && threshold < 1) {
		return nil, fmt.Errorf("threshold is %g, must be between 0 and 1 (a fraction of the original score)", threshold)
	}
	if !(amount > 0 && amount <= 1) {
		return nil, fmt.Errorf("amount is %g, must be a fraction of the heads, more than 0 and at most 1", amount)
	}
	iopt := e.opt
	if req.Mode != "" {
		if iopt.Mode, err = bertology.ParseMode(req.Mode); err != nil {
			return nil, err
		}
	}
	metric, score, err := e.score(req.Metric)
	if err != nil {
		return nil, err
	}
	var unmasked *bertology.Importance
	if iopt.Mode == e.opt.Mode { // the importance just computed with every head on is the loop's start
		unmasked = l.work.unmasked
	}
	r, err := l.runner()
	if err != nil {
		return nil, err
	}
	masking, err := bertology.MaskHeads(ctx, r, e.batches, bertology.MaskingOptions{
		Threshold:  threshold,
		Amount:     amount,
		Importance: iopt,
		Score:      score,
		Progress:   throttled(report),
		Unmasked:   unmasked,
	})
	if err != nil {
		return nil, err
	}
	l.work.finalMask = masking.Final
	n := len(masking.Final)
	res := &protocol.MaskingResult{
		Metric:        metric,
		OriginalScore: finite(masking.OriginalScore),
		Threshold:     finite(masking.OriginalScore * threshold),
		FinalMask:     masking.Final,
		FinalScore:    finite(masking.FinalScore),
		Ended:         masking.Ended,
	}
	for _, r := range masking.Rounds {
		step := protocol.MaskingStep{
			Fraction:  float64(n-r.Remaining) / float64(n),
			Remaining: r.Remaining,
			Score:     finite(r.Score),
			Masked:    make([]int32, len(r.Masked)),
			Mask:      r.Mask,
		}
		for i, h := range r.Masked {
			step.Masked[i] = int32(h)
		}
		res.Rounds = append(res.Rounds, step)
	}
	return res, nil
}
