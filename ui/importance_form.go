package main

import (
	"strconv"

	"github.com/vugu/vugu"

	"bertology/core/bertology"
	"bertology/wasm/protocol"
)

// ImportanceForm holds the settings of head importance, which the masking loop and pruning reuse, and
// starts it over the loaded data set (importance-form.vugu, in the data panel).
type ImportanceForm struct {
	Page       page
	Data       *DatasetPanel
	Importance *ImportancePanel

	// The fields, as typed; empty shows the default.
	maxSeqLength, batchSize, subset, mode string
	byLayer, global                       bool
	workers                               string // how many workers the passes run on; "" or 0: one per core
}

// defaultBatchSize is the batch size field's text while it is empty.
var defaultBatchSize = strconv.Itoa(bertology.DefaultBatchSize)

// RunImportance computes head importance and attention entropy over the data set.
func (c *ImportanceForm) RunImportance(event vugu.DOMEvent) {
	event.PreventDefault()
	switch {
	case c.Page.model() == nil:
		c.Page.fail("load a model first")
		return
	case !c.Data.loaded():
		c.Page.fail("load a data file first")
		return
	}
	req, err := c.request()
	if err != nil {
		c.Page.fail(err.Error())
		return
	}
	c.Importance.run(req)
}

func (c *ImportanceForm) request() (*protocol.ImportanceRequest, error) {
	req := &protocol.ImportanceRequest{Mode: c.mode}
	var err error
	if req.MaxSeqLength, err = parseInt("tokens per example", orDefault(c.maxSeqLength, c.defaultMaxLen())); err != nil {
		return nil, err
	}
	if req.BatchSize, err = parseInt("batch size", orDefault(c.batchSize, defaultBatchSize)); err != nil {
		return nil, err
	}
	if req.Subset, err = parseInt("examples", c.subset); err != nil {
		return nil, err
	}
	byLayer, global := c.byLayer, c.global
	req.NormalizeByLayer, req.NormalizeGlobal = &byLayer, &global
	return req, nil
}

// defaultMaxLen is run_bertology.py's --max_seq_length, or the model's positions if fewer.
func (c *ImportanceForm) defaultMaxLen() string {
	n := bertology.DefaultMaxSeqLength
	if info := c.Page.model(); info != nil {
		n = min(n, info.MaxPositions)
	}
	return strconv.Itoa(n)
}

// SetWorkers sets how many workers the data-set passes run on (importance, evaluation, the masking
// loop, probe features, attention statistics); their results are the same whatever the number.
func (c *ImportanceForm) SetWorkers(event vugu.DOMEvent) {
	setField(&c.workers, event)
	n, err := parseInt("workers", c.workers)
	if err != nil {
		c.Page.fail(err.Error())
		return
	}
	c.Page.do("Setting the workers", func() (func(), error) {
		var info workersInfo
		if err := c.Page.call(opSetWorkers, &setWorkersRequest{Count: n}, &info); err != nil {
			return nil, err
		}
		return func() { c.workers = strconv.Itoa(info.Count) }, nil
	})
}

// SetMode follows the importance mode selector.
func (c *ImportanceForm) SetMode(event vugu.DOMEvent) { c.mode = event.PropString("target", "value") }

// toggle follows a checkbox.
func toggle(b *bool) { *b = !*b }
