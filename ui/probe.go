package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vugu/vugu"

	"bertology/core/bertology"
	"bertology/core/probe"
	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// Probe trains a linear probe on every depth's hidden states of the loaded data set and draws the
// accuracy against depth (Tenney et al. 2019), with the majority-class baseline.
type Probe struct {
	analysisPanel[protocol.ProbeResult]
	Files files
	Data  *DatasetPanel // the data set the probes learn from
	Tabs  tabs

	// The settings' fields, as typed.
	pool, subset, maxLen, heldOut, lambda string

	svg string
}

// The settings' fields while they are empty: the core's defaults (the attention statistics share
// probeMaxLen).
var (
	probeHeldOut = fieldText(probe.DefaultOptions().HeldOut)
	probeLambda  = fieldText(probe.DefaultOptions().Lambda)
	probeMaxLen  = strconv.Itoa(bertology.DefaultMaxSeqLength)
)

// Run asks the lab to train the probes.
func (c *Probe) Run() {
	if !c.ready() {
		return
	}
	req, err := c.request()
	if err != nil {
		c.Page.fail(err.Error())
		return
	}
	c.ask("Training probes", protocol.OpProbe, req, c.draw)
}

func (c *Probe) request() (*protocol.ProbeRequest, error) {
	req := &protocol.ProbeRequest{Pool: c.pool}
	var err error
	if req.Subset, err = parseInt("examples", c.subset); err != nil {
		return nil, err
	}
	if req.MaxSeqLength, err = parseInt("tokens per example", orDefault(c.maxLen, probeMaxLen)); err != nil {
		return nil, err
	}
	if req.HeldOut, err = parseFloat("held-out share", orDefault(c.heldOut, probeHeldOut), 0.01, 0.99); err != nil {
		return nil, err
	}
	lambda, err := parseFloat("λ", orDefault(c.lambda, probeLambda), 0, 1e6)
	if err != nil {
		return nil, err
	}
	req.Lambda = &lambda
	return req, nil
}

// SetPool follows the pooling selector.
func (c *Probe) SetPool(event vugu.DOMEvent) { c.pool = event.PropString("target", "value") }

func (c *Probe) draw() {
	r := c.result
	held := chart.Series{Name: "held-out accuracy", Colour: chart.HeadColor(0, 2)}
	train := chart.Series{Name: "training accuracy", Colour: "#9aa3b5"}
	var ticks []string
	for _, l := range r.Layers {
		ticks = append(ticks, strings.TrimPrefix(depthName(l.Layer), "layer "))
		held.Values = append(held.Values, l.HeldOut)
		train.Values = append(train.Values, l.Train)
	}
	c.svg = svgOf(c.Page, &chart.LineChart{Title: fmt.Sprintf("Probe accuracy by depth (%s, %s pooling)", r.Task, r.Pool),
		XLabel: "hidden state: the embeddings, or the output of layer", YLabel: "accuracy", XTicks: ticks, Series: []chart.Series{held, train},
		References: []chart.Reference{{Name: "majority class", Value: r.Majority}}, YMin: 0, YMax: 1, Width: 420, Height: 220})
}

// summary says what the probe found, in one line.
func (c *Probe) summary() string {
	r := c.result
	s := fmt.Sprintf("%d examples of %d dimensions, %d held out; majority class %.0f%%.", r.Samples, r.Dim, r.Layers[0].NHeldOut, 100*r.Majority)
	if r.ExpectedLayer != nil {
		s += fmt.Sprintf(" Expected layer %.2f.", *r.ExpectedLayer)
	}
	if r.CentreOfGravity != nil {
		s += fmt.Sprintf(" Centre of gravity %.2f.", *r.CentreOfGravity)
	}
	for _, n := range r.Notes {
		s += " " + n + "."
	}
	return s
}

func percentText(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }
