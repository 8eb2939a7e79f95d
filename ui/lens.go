package main

import (
	"fmt"
	"strings"

	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// Lens shows the logit lens of the input sentence: what a language model would predict at every
// position if each depth were its last.
type Lens struct {
	analysisPanel[protocol.LensResult]
	Files files
	Input input
	Tabs  tabs

	mask string // BERT: the positions to mask, comma-separated
	svg  string
}

// Run asks the lab for the lens of the page's input.
func (c *Lens) Run() {
	if !c.ready() {
		return
	}
	text, pair, truncate := c.Input.sentence()
	req := &protocol.LensRequest{Text: text, Pair: pair, Truncate: truncate}
	if c.masked() {
		for _, f := range strings.FieldsFunc(c.mask, func(r rune) bool { return r == ',' || r == ' ' }) {
			at, err := parseInt("positions to mask", f)
			if err != nil {
				c.Page.fail(err.Error())
				return
			}
			req.MaskPositions = append(req.MaskPositions, int32(at))
		}
	}
	c.ask("Computing the logit lens", protocol.OpLens, req, c.draw)
}

// masked reports whether the model predicts masked tokens (BERT, DistilBERT) rather than the next one.
// unavailable is why the loaded model cannot have the logit lens, or "".
func (c *Lens) unavailable() string {
	m := c.Page.model()
	if m == nil || m.LMHead {
		return ""
	}
	return fmt.Sprintf("The logit lens needs a language-model head (GPT-2, OpenAI GPT, Llama or BERT's masked LM); this model is %s.", m.Architecture)
}

func (c *Lens) masked() bool {
	t := c.Page.model().Type
	return t != "gpt2" && t != "openai-gpt" && t != "llama"
}

func (c *Lens) draw() {
	r := c.result
	T := len(r.Tokens)
	tab := &chart.LensTable{Title: fmt.Sprintf("Logit lens: the %s each depth would predict", r.Objective),
		Depths: depthNames(len(r.Layers)), Tokens: r.Tokens, Targets: make([]string, T)}
	for t, target := range r.TargetTokens {
		if target != nil {
			tab.Targets[t] = *target
		}
	}
	for _, d := range r.Layers {
		for t := range T {
			top := d.Positions[t].Top[0]
			tab.Top = append(tab.Top, top.Token)
			tab.Prob = append(tab.Prob, top.Probability)
			tab.Hit = append(tab.Hit, top.ID == r.Targets[t])
		}
	}
	c.svg = svgOf(c.Page, tab)
}
