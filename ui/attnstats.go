package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"bertology/core/attnstats"
	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// AttnStats computes Clark et al.'s (2019) attention statistics of every head over the loaded data
// set and draws one layer × head map per statistic, with the heads that score highest.
type AttnStats struct {
	analysisPanel[protocol.AttnStatsResult]
	Files files
	Data  *DatasetPanel // the data set the statistics average over
	Tabs  tabs

	subset, maxLen string // the settings' fields, as typed

	svg string
}

// attnStatsTop is how many heads each statistic lists.
const attnStatsTop = 3

// attnStatsTitles are the maps' titles.
var attnStatsTitles = [attnstats.NumStatistics]string{
	attnstats.ToFirst:   "Attention to the first token ([CLS])",
	attnstats.ToSpecial: "Attention to special tokens ([SEP])",
	attnstats.ToPunct:   "Attention to punctuation",
	attnstats.ToPrev:    "Attention to the previous token",
	attnstats.ToNext:    "Attention to the next token",
	attnstats.Distance:  "Mean attention distance (tokens)",
	attnstats.Entropy:   "Attention entropy (nats)",
}

// Run asks the lab for the statistics.
func (c *AttnStats) Run() {
	if !c.ready() {
		return
	}
	req := &protocol.AttnStatsRequest{Top: attnStatsTop}
	var err error
	if req.Subset, err = parseInt("examples", c.subset); err == nil {
		req.MaxSeqLength, err = parseInt("tokens per example", orDefault(c.maxLen, probeMaxLen))
	}
	if err != nil {
		c.Page.fail(err.Error())
		return
	}
	c.ask("Computing attention statistics", protocol.OpAttnStats, req, c.draw)
}

func (c *AttnStats) draw() {
	r := c.result
	rows, cols, cell := headGrid(r.Layers, r.Heads)
	var maps []*chart.Heatmap
	for s := range attnstats.NumStatistics {
		key := s.Key()
		st := r.Statistics[key]
		if st == nil {
			continue
		}
		values := make([]float64, len(st.Data))
		for k, v := range st.Data {
			values[k] = float64(v)
		}
		// Each map runs from 0 to its own largest value, so that the heads that stand out show.
		format := "%.2f"
		if s == attnstats.Distance || s == attnstats.Entropy {
			format = "%.1f"
		}
		var top []string
		for _, h := range r.Top[key] {
			top = append(top, fmt.Sprintf("L%d H%d %.2f", h.Layer, h.Head, h.Score))
		}
		maps = append(maps, &chart.Heatmap{Name: key, Title: attnStatsTitles[s], Rows: rows, Cols: cols, Values: values,
			Scale: chart.Scale{Min: 0, Max: maxOf(values, 1e-9)}, Cell: cell, Format: format,
			Notes: []string{"highest: " + strings.Join(top, ", ")}})
	}
	title := fmt.Sprintf("Attention statistics over %d examples (%d tokens); columns are heads", r.Examples, r.Tokens)
	// Only a pruned head has no attention to the first token: it has no statistics, grey in the maps.
	if first := r.Statistics[attnstats.ToFirst.Key()]; first != nil && slices.ContainsFunc(first.Data, func(v float32) bool { return math.IsNaN(float64(v)) }) {
		title += "; grey heads are pruned"
	}
	c.svg = svgOf(c.Page, &chart.SmallMultiples{Class: "attn-stats",
		Title: title,
		Maps:  maps, Columns: 3})
}
