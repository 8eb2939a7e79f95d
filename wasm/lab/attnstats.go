package lab

import (
	"context"

	"bertology/core/analysis"
	"bertology/wasm/protocol"
)

// defaultTopHeads is how many heads the attnStats op lists per statistic unless asked otherwise.
const defaultTopHeads = 5

// AttnStats computes Clark et al.'s (2019) statistics of every head over the loaded data set's examples.
func (l *Lab) AttnStats(ctx context.Context, req *protocol.AttnStatsRequest, report Reporter) (*protocol.AttnStatsResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	top := req.Top
	if top <= 0 {
		top = defaultTopHeads
	}
	data, err := l.encodeData(req.Subset, req.MaxSeqLength, false)
	if err != nil {
		return nil, err
	}
	runner, err := l.analysisRunner()
	if err != nil {
		return nil, err
	}
	tok := l.model.tok
	r, err := analysis.AttentionStats(ctx, runner, l.model.model, tok, data.encs, analysisBatch, throttled(report).Phase("attention"))
	if err != nil {
		return nil, err
	}
	res := r.Summarize(top)
	res.Task, res.SpecialTokens = data.task, analysis.SpecialTokens(tok)
	return res, nil
}
