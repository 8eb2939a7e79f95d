package main

import (
	"strings"
	"testing"

	"bertology/wasm/protocol"
)

// TestExamplesPanel predicts every example of the golden SST-2 file in the page: the table holds the
// lab's rows, sorts and filters them, pages through them, and a row opened becomes the input.
func TestExamplesPanel(t *testing.T) {
	c, host := startWorkflow(t)
	handle(c, func() { c.examples.Run() })
	waitIdle(t, c)
	p := c.examples
	if c.err != "" || !p.current() {
		t.Fatalf("examples: %q", c.err)
	}
	want := labCall[protocol.ExamplesResult](t, host, protocol.OpExamples, &protocol.ExamplesRequest{MaxSeqLength: 64, BatchSize: 1})
	if len(p.result.Rows) != 12 || len(p.rows) != 12 || p.result.Rows[3] != want.Rows[3] || !strings.Contains(p.svg, `class="confusion"`) {
		t.Fatalf("%d rows (%d shown), row 3 %+v, want %+v", len(p.result.Rows), len(p.rows), p.result.Rows[3], want.Rows[3])
	}
	if got := p.pageText(); got != "rows 1–12 of 12 (12 examples in all)" {
		t.Errorf("page text %q", got)
	}

	// Sorted by confidence, most confident first; clicked again, least confident first.
	handle(c, func() { p.SortBy("confidence") })
	for _, descending := range []bool{true, false} {
		for k := 1; k < len(p.rows); k++ {
			a, b := p.result.Rows[p.rows[k-1]].Confidence, p.result.Rows[p.rows[k]].Confidence
			if descending && a < b || !descending && a > b {
				t.Errorf("descending %v: %v before %v", descending, a, b)
			}
		}
		handle(c, func() { p.SortBy("confidence") })
	}
	handle(c, func() { p.SortBy("") })

	// Filters: by outcome, by label and prediction (a confusion matrix cell), by text.
	for _, f := range []struct {
		name  string
		set   func()
		match func(r protocol.ExampleRow) bool
	}{
		{"wrong", func() { p.outcome = "wrong" }, func(r protocol.ExampleRow) bool { return !r.Correct }},
		{"label 1 predicted 0", func() { p.label, p.predicted = 1, 0 }, func(r protocol.ExampleRow) bool { return r.Label == 1 && r.Predicted == 0 }},
		{"movie", func() { p.contains = "MOVIE" }, func(r protocol.ExampleRow) bool { return strings.Contains(r.TextA, "movie") }},
	} {
		handle(c, func() { p.ClearFilters(); f.set(); p.refresh() })
		n := 0
		for _, r := range p.result.Rows {
			if f.match(r) {
				n++
			}
		}
		if len(p.rows) != n {
			t.Errorf("%s: %d rows shown, want %d", f.name, len(p.rows), n)
		}
		for _, i := range p.rows {
			if !f.match(p.result.Rows[i]) {
				t.Errorf("%s: row %d %+v shown", f.name, i, p.result.Rows[i])
			}
		}
	}
	handle(c, func() { p.ClearFilters() })

	handle(c, func() { p.Open(4) })
	waitIdle(t, c)
	if c.text != p.result.Rows[4].TextA || c.pair != "" || c.result == nil || p.open != 4 {
		t.Errorf("opened row 4: input %q / %q, want %q", c.text, c.pair, p.result.Rows[4].TextA)
	}
	if !strings.Contains(p.rowClass(4), "open") {
		t.Errorf("row 4's class %q", p.rowClass(4))
	}
}
