package main

import (
	"fmt"

	"bertology/core/induction"
	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// Induction scores every head of a causal language model as an induction head and as a previous-token
// head, on repeated random tokens (Olsson et al. 2022; core/induction), and draws one layer × head map
// per score, with the heads that score highest.
type Induction struct {
	analysisPanel[protocol.InductionResult]
	Files files
	Tabs  tabs

	length, sequences string // the settings' fields, as typed

	svg string
}

// inductionTitles are the maps' titles, by score key: short, so that the three maps fit side by side
// in a narrow window; the panel's hint says what each is.
var inductionTitles = map[string]string{
	induction.PrefixMatchingKey: "Prefix matching",
	induction.CopyingKey:        "Copying",
	induction.PreviousTokenKey:  "Previous token",
}

// unavailable says why the model loaded cannot be scored, "" when it can: the scores need a causal
// language model, whose positions attend only to earlier ones and predict the next token.
func (c *Induction) unavailable() string {
	m := c.Page.model()
	if m == nil || m.CausalLM {
		return ""
	}
	return fmt.Sprintf("Induction heads are found in causal language models, such as GPT-2; this model is %s.", m.Architecture)
}

// lengthDefault is the repeat length the lab takes when the field is empty, as the field shows it.
func (c *Induction) lengthDefault() string {
	m := c.Page.model()
	if m == nil {
		return fmt.Sprint(induction.DefaultLength)
	}
	// The page does not know whether the tokenizer has a BOS token (0 stands for one): with one, the
	// repeats have one position less.
	return fmt.Sprint(induction.LengthFor(m.MaxPositions, 0))
}

// Run asks the lab for the scores.
func (c *Induction) Run() {
	if !c.ready() {
		return
	}
	if why := c.unavailable(); why != "" {
		c.Page.fail(why)
		return
	}
	req := &protocol.InductionRequest{}
	var err error
	if req.Length, err = parseInt("repeat length", orDefault(c.length, c.lengthDefault())); err == nil {
		req.Sequences, err = parseInt("sequences", c.sequences)
	}
	if err != nil {
		c.Page.fail(err.Error())
		return
	}
	c.ask("Finding induction heads", protocol.OpInduction, req, c.draw)
}

func (c *Induction) draw() {
	r := c.result
	rows, cols, cell := headGrid(r.Layers, r.Heads)
	var maps []*chart.Heatmap
	for _, key := range induction.Keys {
		s := r.Score(key)
		values := make([]float64, len(s.Data))
		for k, v := range s.Data {
			values[k] = float64(v)
		}
		// Fixed scales, so that a model without induction heads looks like one: attention from 0 to 1,
		// copying from −1 (suppresses what it attends to) to 1 (copies it).
		scale := chart.Scale{Min: 0, Max: 1}
		if key == induction.CopyingKey {
			scale = chart.Scale{Min: -1, Max: 1, Diverging: true}
		}
		// The highest heads one a line, so that the maps stay narrow.
		var top []string
		for k, h := range r.Top[key] {
			line := fmt.Sprintf("L%d H%d %.2f", h.Layer, h.Head, h.Score)
			if k == 0 {
				line = "highest: " + line
			}
			top = append(top, line)
		}
		maps = append(maps, &chart.Heatmap{Name: key, Title: inductionTitles[key], Rows: rows, Cols: cols, Values: values,
			Scale: scale, Cell: cell, Format: "%.3f", Notes: top})
	}
	c.svg = svgOf(c.Page, &chart.SmallMultiples{Class: "induction",
		Title: fmt.Sprintf("Scores per head over %d sequences; columns are heads", r.Sequences),
		Maps:  maps, Columns: 3})
}

// sequenceText describes the sequences the scores came from.
func (c *Induction) sequenceText() string {
	r := c.result
	bos := ""
	if r.BOS != "" {
		bos = r.BOS + " + "
	}
	return fmt.Sprintf("Each sequence: %s%d random tokens + the same %d again (seeds %d to %d).", bos, r.Length, r.Length, r.Seed, r.Seed+uint64(r.Sequences)-1)
}
