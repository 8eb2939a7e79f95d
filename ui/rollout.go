package main

import (
	"fmt"

	"github.com/vugu/vugu"

	"bertology/core/rollout"
	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// rolloutResidual is the residual weight field while it is empty: Abnar & Zuidema's, the core's default.
var rolloutResidual = fieldText(rollout.DefaultOptions().Residual)

// Rollout shows where each position's information comes from, for the input sentence: one layer's
// attention with its heads combined, the attention rollout up to that layer, and the attention flow
// through the whole model (Abnar & Zuidema 2020), side by side.
type Rollout struct {
	analysisPanel[protocol.RolloutResult]
	Files files
	Input input
	Tabs  tabs

	residual string // the residual weight field
	reduce   string // "mean" or "max"

	layer int
	svg   string
}

// Run asks the lab for the rollout and flow of the page's input.
func (c *Rollout) Run() {
	if !c.ready() {
		return
	}
	residual, err := parseFloat("residual weight", orDefault(c.residual, rolloutResidual), 0, 1)
	if err != nil {
		c.Page.fail(err.Error())
		return
	}
	text, pair, truncate := c.Input.sentence()
	req := &protocol.RolloutRequest{Text: text, Pair: pair, Truncate: truncate, Residual: &residual, Reduce: c.reduce}
	c.ask("Computing rollout and flow", protocol.OpRollout, req, func() {
		c.layer = c.result.Layers - 1
		c.draw()
	})
}

// SetReduce follows the head-combination selector.
func (c *Rollout) SetReduce(event vugu.DOMEvent) { c.reduce = event.PropString("target", "value") }

// SetLayer follows the layer selector.
func (c *Rollout) SetLayer(event vugu.DOMEvent) {
	if c.result == nil {
		return
	}
	if l, ok := indexOf(event, c.result.Layers); ok {
		c.layer = l
		c.draw()
	}
}

func (c *Rollout) draw() {
	r := c.result
	T := len(r.Tokens)
	cell := tokenCell(T)
	slice := func(t *protocol.Tensor, l int) []float64 {
		out := make([]float64, T*T)
		for k := range out {
			out[k] = float64(t.Data[l*T*T+k])
		}
		return out
	}
	// Each map runs from 0 to its own largest weight: spread over many tokens, the weights are small.
	heat := func(name, title string, values []float64) *chart.Heatmap {
		return &chart.Heatmap{Name: name, Title: title, Rows: r.Tokens, Cols: r.Tokens, Values: values,
			Scale: chart.Scale{Min: 0, Max: maxOf(values, 1e-9)}, Cell: cell}
	}
	maps := []*chart.Heatmap{
		heat("attention", c.attentionTitle(), slice(r.Attention, c.layer)),
		heat("rollout", fmt.Sprintf("Rollout up to layer %d", c.layer), slice(r.Rollout, c.layer)),
	}
	if r.Flow != nil {
		maps = append(maps, heat("flow", fmt.Sprintf("Flow through all %d layers", r.Layers), rowShares(slice(r.Flow, 0), T)))
	}
	c.svg = svgOf(c.Page, &chart.SmallMultiples{Class: "rollout-maps",
		Title: fmt.Sprintf("Rows: output positions; columns: input tokens (residual weight %g)", r.Residual), Maps: maps})
}

// attentionTitle names the combined attention of the layer shown: the mean (or maximum) of its heads, of
// those a pruned model kept in it, or, with none left, the identity that passes every token on.
func (c *Rollout) attentionTitle() string {
	r := c.result
	heads := r.Heads
	if r.Kept != nil {
		heads = len(r.Kept[c.layer])
	}
	if heads == 0 {
		return fmt.Sprintf("Attention, layer %d (every head pruned: the identity)", c.layer)
	}
	if r.Kept != nil {
		return fmt.Sprintf("Attention, layer %d (%s of its %d heads left)", c.layer, r.Reduce, heads)
	}
	return fmt.Sprintf("Attention, layer %d (%s of %d heads)", c.layer, r.Reduce, heads)
}

// rowShares divides each row of the [T, T] matrix m by its sum, leaving rows of zeros alone: the lab
// sends the raw attention flow, which Abnar & Zuidema show as each output position's shares.
func rowShares(m []float64, T int) []float64 {
	for i := range T {
		row := m[i*T : (i+1)*T]
		sum := 0.0
		for _, v := range row {
			sum += v
		}
		if sum > 0 {
			for j := range row {
				row[j] /= sum
			}
		}
	}
	return m
}
