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
	Page *Root

	mask string // BERT: the positions to mask, comma-separated

	result *protocol.LensResult
	model  *protocol.ModelInfo
	svg    string
}

// Run asks the lab for the lens of the page's input.
func (c *Lens) Run() {
	p := c.Page
	if p.info == nil {
		p.err = "load a model first"
		return
	}
	req := &protocol.LensRequest{Text: p.text, Pair: p.pair}
	if c.masked() {
		for _, f := range strings.FieldsFunc(c.mask, func(r rune) bool { return r == ',' || r == ' ' }) {
			at, err := parseInt("positions to mask", f)
			if err != nil {
				p.err = err.Error()
				return
			}
			req.MaskPositions = append(req.MaskPositions, int32(at))
		}
	}
	model := p.info
	p.do("Computing the logit lens", func() (func(), error) {
		var res protocol.LensResult
		if err := p.call(protocol.OpLens, req, &res); err != nil {
			return nil, err
		}
		return func() {
			c.result, c.model = &res, model
			c.draw()
		}, nil
	})
}

func (c *Lens) current() bool { return c.result != nil && c.model == c.Page.info }

// masked reports whether the model predicts masked tokens (BERT, DistilBERT) rather than the next one.
func (c *Lens) masked() bool {
	t := c.Page.info.Type
	return t != "gpt2" && t != "openai-gpt"
}

func (c *Lens) draw() {
	r := c.result
	T := len(r.Tokens)
	tab := &chart.LensTable{Title: fmt.Sprintf("Logit lens: the %s each depth would predict", r.Objective),
		Depths: depthNames(len(r.Cells)), Tokens: r.Tokens, Targets: r.TargetTokens}
	for _, cells := range r.Cells {
		for t := range T {
			top := cells[t].Top[0]
			tab.Top = append(tab.Top, top.Token)
			tab.Prob = append(tab.Prob, top.Probability)
			tab.Hit = append(tab.Hit, int32(top.ID) == r.Targets[t])
		}
	}
	c.svg = c.Page.draw(tab)
}
