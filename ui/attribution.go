package main

import (
	"fmt"
	"math"

	"github.com/vugu/vugu"

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
	svg, graphSVG string
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
	c.graphSVG = ""
	if g := r.Graph; g != nil {
		c.graphSVG = svgOf(c.Page, &chart.AttributionGraph{
			Title:  fmt.Sprintf("Attribution graph: the %d strongest links down from %q (≥ %.0f%% of each layer's largest)", len(g.Edges), r.Tokens[g.Target], 100*g.Threshold),
			Tokens: r.Tokens, Layers: r.Layers, Target: g.Target, Edges: g.Edges})
	}
}

// SaveJSON offers the result for download in `bertology saliency`'s schema.
func (c *Attribution) SaveJSON() { c.Files.saveFile("saliency.json", resultJSON(c.result)) }

// LoadJSON draws a result `bertology saliency --out` wrote, picked in the file input.
func (c *Attribution) LoadJSON(event vugu.DOMEvent) {
	loadResult(c.Page, c.Files, event, kindSaliency, func(name string, data []byte) (func(), error) {
		m := c.Page.model()
		var res protocol.SaliencyResult
		if _, err := readResult(c.Page, name, data, &res, kindSaliency); err != nil {
			return nil, err
		}
		return func() { c.result, c.model = &res, m; c.draw() }, nil
	})
}

// loadResult reads the JSON picked in the file input of event as the page's job and hands it to read.
func loadResult(p page, f files, event vugu.DOMEvent, kind string, read func(name string, data []byte) (func(), error)) {
	input := event.JSEventTarget()
	if input.Get("files").Length() == 0 {
		return
	}
	if p.model() == nil {
		p.fail("load a model first")
		return
	}
	p.do("Reading the "+kind+" result", func() (func(), error) {
		name, data, err := f.readFile(input)
		input.Set("value", "")
		if err != nil {
			return nil, err
		}
		return read(name, data)
	})
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

	corrupted, tokenA, tokenB string
	svg                       string

	ablation                            analysisPanel[protocol.AblateResult]
	ablateMode, ablateSubset, ablateSVG string
}

// languageModel reports whether the loaded model is a language model, whose metric is two next tokens.
func (c *Patching) languageModel() bool {
	m := c.Page.model()
	return m != nil && len(m.Labels) == 0
}

// Run asks the lab for the residual-stream and head maps; a language model's metric is the two next
// tokens typed, a classifier's its classes 1 and 0.
func (c *Patching) Run() {
	if !c.ready() {
		return
	}
	text, _, _ := c.Input.sentence()
	req := &protocol.PatchRequest{Clean: text, Corrupted: c.corrupted}
	if c.languageModel() {
		req.TokenA, req.TokenB = c.tokenA, c.tokenB
	}
	c.ask("Patching activations", protocol.OpPatch, req, c.draw)
}

// Ablate asks the lab for the metric with each head of the input ablated in turn; a mean over the
// data set's first examples typed (0: all).
func (c *Patching) Ablate() {
	if !c.ready() {
		return
	}
	text, _, _ := c.Input.sentence()
	req := &protocol.AblateRequest{Text: text, Mode: orDefault(c.ablateMode, "zero")}
	if req.Mode == "mean" {
		var err error
		if req.Subset, err = parseInt("examples", c.ablateSubset); err != nil {
			c.Page.fail(err.Error())
			return
		}
	}
	if c.languageModel() {
		req.TokenA, req.TokenB = c.tokenA, c.tokenB
	}
	c.ablation.ask("Ablating heads", protocol.OpAblate, req, c.drawAblation)
}

// SetAblateMode keeps the ablation chosen.
func (c *Patching) SetAblateMode(m string) { c.ablateMode = m }

// drawAblation maps each head's effect: the metric with the head ablated minus the metric.
func (c *Patching) drawAblation() {
	r := c.ablation.result
	change := make([]float64, len(r.Ablated))
	for i, v := range r.Ablated {
		change[i] = v - r.Metric
	}
	what := "zeroed"
	if r.Mode == "mean" {
		what = fmt.Sprintf("set to its mean over %d examples", r.MeanOver)
	}
	hr, hc, cell := headGrid(r.Layers, r.Heads)
	c.ablateSVG = svgOf(c.Page, &chart.Heatmap{Name: "ablation", Title: fmt.Sprintf("Change of %s (%.3f) with each head %s", r.MetricName, r.Metric, what),
		Rows: hr, Cols: hc, Values: change, Scale: symmetric(change), Cell: max(cell, 40), Format: "%.3f"})
}

// SaveJSON offers the patching maps for download in `bertology patch`'s schema.
func (c *Patching) SaveJSON() { c.Files.saveFile("patching.json", resultJSON(c.result)) }

// SaveAblationJSON offers the ablation for download in `bertology patch --ablate`'s schema.
func (c *Patching) SaveAblationJSON() {
	c.Files.saveFile("ablation.json", resultJSON(c.ablation.result))
}

// LoadJSON draws a patching or ablation result `bertology patch --out` wrote, picked in the file input.
func (c *Patching) LoadJSON(event vugu.DOMEvent) {
	loadResult(c.Page, c.Files, event, kindPatch, func(name string, data []byte) (func(), error) {
		m := c.Page.model()
		var p protocol.PatchResult
		var a protocol.AblateResult
		if kind, _ := resultKind(data); kind == kindAblation {
			if _, err := readResult(c.Page, name, data, &a, kindAblation); err != nil {
				return nil, err
			}
			return func() { c.ablation.result, c.ablation.model = &a, m; c.drawAblation() }, nil
		}
		if _, err := readResult(c.Page, name, data, &p, kindPatch, kindAblation); err != nil {
			return nil, err
		}
		return func() { c.result, c.model = &p, m; c.draw() }, nil
	})
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
