package main

import (
	"fmt"
	"strings"

	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// AttnStats computes Clark et al.'s (2019) attention statistics of every head over the loaded data
// set and draws one layer × head map per statistic, with the heads that score highest.
type AttnStats struct {
	Page *Root

	subset, maxLen string // the settings' fields, as typed

	result *protocol.AttnStatsResult
	model  *protocol.ModelInfo
	svg    string
}

// attnStatsTop is how many heads each statistic lists.
const attnStatsTop = 3

// Run asks the lab for the statistics.
func (c *AttnStats) Run() {
	p := c.Page
	if p.info == nil {
		p.err = "load a model first"
		return
	}
	req := &protocol.AttnStatsRequest{Top: attnStatsTop}
	var err error
	if req.Subset, err = parseInt("examples", c.subset); err == nil {
		req.MaxSeqLength, err = parseInt("tokens per example", orDefault(c.maxLen, probeMaxLen))
	}
	if err != nil {
		p.err = err.Error()
		return
	}
	model := p.info
	p.do("Computing attention statistics", func() (func(), error) {
		var res protocol.AttnStatsResult
		if err := p.call(protocol.OpAttnStats, req, &res); err != nil {
			return nil, err
		}
		return func() {
			c.result, c.model = &res, model
			c.draw()
		}, nil
	})
}

func (c *AttnStats) current() bool { return c.result != nil && c.model == c.Page.info }

func (c *AttnStats) draw() {
	r := c.result
	rows, cols := make([]string, r.Layers), make([]string, r.Heads)
	for l := range rows {
		rows[l] = fmt.Sprintf("layer %d", l)
	}
	for h := range cols {
		cols[h] = fmt.Sprint(h)
	}
	cell := max(12, min(28, 240/float64(max(r.Layers, r.Heads))))
	var maps []*chart.Heatmap
	for _, st := range r.Statistics {
		values := make([]float64, len(st.Values.Data))
		for k, v := range st.Values.Data {
			values[k] = float64(v)
		}
		// Each map runs from 0 to its own largest value, so that the heads that stand out show.
		format := "%.2f"
		if st.Key == "distance" || st.Key == "entropy" {
			format = "%.1f"
		}
		var top []string
		for _, h := range st.Top {
			top = append(top, fmt.Sprintf("L%d H%d %.2f", h.Layer, h.Head, h.Score))
		}
		maps = append(maps, &chart.Heatmap{Name: st.Key, Title: st.Title, Rows: rows, Cols: cols, Values: values,
			Scale: chart.Scale{Min: 0, Max: maxOf(values, 1e-9)}, Cell: cell, Format: format,
			Notes: []string{"highest: " + strings.Join(top, ", ")}})
	}
	c.svg = c.Page.draw(&chart.SmallMultiples{Class: "attn-stats",
		Title: fmt.Sprintf("Attention statistics over %d examples (%d tokens); columns are heads", r.Examples, r.Tokens),
		Maps:  maps, Columns: 3})
}
