package main

import (
	"fmt"
	"math"

	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// Attribution colours the input sentence's tokens by how much one logit rests on each (core/saliency), or
// maps each head's attention attribution; Patching maps where the input's prediction is computed, by
// patching its activations into a corrupted sentence (core/patching). Both are the "Attribution" tab.
type Attribution struct {
	analysisPanel[protocol.SaliencyResult]
	Files files
	Input input
	Tabs  tabs

	method, steps string
	svg           string
}

// Run asks the lab to explain the predicted logit of the page's input.
func (c *Attribution) Run() {
	if !c.ready() {
		return
	}
	text, pair, truncate := c.Input.sentence()
	req := &protocol.SaliencyRequest{Text: text, Pair: pair, Truncate: truncate, Method: orDefault(c.method, "ig")}
	var err error
	if req.Steps, err = parseInt("steps", c.steps); err != nil {
		c.Page.fail(err.Error())
		return
	}
	c.ask("Computing saliency", protocol.OpSaliency, req, c.draw)
}

// SetMethod keeps the method chosen.
func (c *Attribution) SetMethod(m string) { c.method = m }

func (c *Attribution) draw() {
	r := c.result
	scale := symmetric(r.Scores)
	title := fmt.Sprintf("%s of logit %q (%.3f)", methodNames[r.Method], r.TargetName, r.Logit)
	var notes []string
	for _, cp := range r.Completeness {
		notes = append(notes, fmt.Sprintf("Σ %.4f vs %.4f (error %.2g%%)", cp.Sum, cp.Target, 100*cp.RelError))
	}
	h := &chart.Heatmap{Name: "saliency", Title: title, Scale: scale, Cell: 44, Format: "%.4f", Values: r.Scores}
	if r.Layers > 0 {
		h.Rows, h.Cols, h.Cell = headGrid(r.Layers, r.Heads)
	} else {
		h.Rows, h.Cols = []string{"token"}, r.Tokens
	}
	if len(notes) > 2 {
		notes = []string{notes[0] + " …per layer"}
	}
	h.Notes = notes
	c.svg = svgOf(c.Page, h)
}

// methods are the methods offered, in the menu's order.
var methods = []string{"ig", "grad", "gradxinput", "attention"}

// methodNames are the methods as the page names them.
var methodNames = map[string]string{
	"grad": "Gradient norm", "gradxinput": "Gradient × input", "ig": "Integrated gradients", "attention": "Attention attribution",
}

// symmetric is a diverging scale centred on 0 that holds every value.
func symmetric(v []float64) chart.Scale {
	m := 1e-9
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return chart.Scale{Min: -m, Max: m, Diverging: true}
}

// Patching patches the page's input (clean) into a corrupted sentence of as many tokens.
type Patching struct {
	analysisPanel[protocol.PatchResult]
	Files files
	Input input
	Tabs  tabs

	corrupted string
	svg       string
}

// Run asks the lab for the residual-stream and head maps; a language model's metric is not chosen on
// the page, so the panel is for classifiers.
func (c *Patching) Run() {
	if !c.ready() {
		return
	}
	text, _, _ := c.Input.sentence()
	c.ask("Patching activations", protocol.OpPatch, &protocol.PatchRequest{Clean: text, Corrupted: c.corrupted}, c.draw)
}

func (c *Patching) draw() {
	r := c.result
	rows := make([]string, r.Layers+1)
	for l := range r.Layers {
		rows[l] = fmt.Sprintf("layer %d in", l)
	}
	rows[r.Layers] = "output"
	hr, hc, cell := headGrid(r.Layers, r.Heads)
	scale := chart.Scale{Min: -1, Max: 1, Diverging: true}
	c.svg = svgOf(c.Page, &chart.SmallMultiples{Class: "patching",
		Title: fmt.Sprintf("%s: clean %.3f, corrupted %.3f; 1 = clean", r.Metric, r.CleanMetric, r.CorruptedMetric),
		Maps: []*chart.Heatmap{
			{Name: "residual", Title: "Residual stream", Rows: rows, Cols: r.CleanTokens, Values: r.Residual, Scale: scale, Cell: 40, Format: "%.3f"},
			{Name: "heads", Title: "Head outputs", Rows: hr, Cols: hc, Values: r.HeadOutputs, Scale: scale, Cell: cell, Format: "%.3f"},
		}, Columns: 2})
}
