package lab

import (
	"context"

	"bertology/core/analysis"
	"bertology/core/attnstats"
	"bertology/core/f64"
	"bertology/wasm/protocol"
)

// defaultTopHeads is how many heads the attnStats op lists per statistic unless asked otherwise.
const defaultTopHeads = 5

// statistics names the statistics of package attnstats on the wire, in its order.
var statistics = [attnstats.NumStatistics]struct{ key, title string }{
	attnstats.ToFirst:   {"toFirst", "Attention to the first token ([CLS])"},
	attnstats.ToSpecial: {"toSpecial", "Attention to special tokens ([SEP])"},
	attnstats.ToPunct:   {"toPunct", "Attention to punctuation"},
	attnstats.ToPrev:    {"toPrev", "Attention to the previous token"},
	attnstats.ToNext:    {"toNext", "Attention to the next token"},
	attnstats.Distance:  {"distance", "Mean attention distance (tokens)"},
	attnstats.Entropy:   {"entropy", "Attention entropy (nats)"},
}

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
	tok := l.model.tok
	r, err := analysis.AttentionStats(ctx, l.model.model, tok, data.encs, analysisBatch, throttled(report).Phase("attention"))
	if err != nil {
		return nil, err
	}
	res := &protocol.AttnStatsResult{Task: data.task, Examples: r.Examples, Tokens: r.Tokens, Layers: r.Layers, Heads: r.Heads,
		SpecialTokens: analysis.SpecialTokens(tok)}
	for s := range attnstats.NumStatistics {
		st := protocol.AttnStatistic{Key: statistics[s].key, Title: statistics[s].title,
			Values: protocol.Tensor{Shape: []int{r.Layers, r.Heads}, Data: f64.ToFloat32(r.Mean[s])},
			Top:    append([]protocol.HeadScore{}, r.Top(s, top)...)}
		res.Statistics = append(res.Statistics, st)
	}
	return res, nil
}
