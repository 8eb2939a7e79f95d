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

// TestExamplesPanelRegression shows a regression task's rows (STS-B's scores): the predicted score and
// its error instead of classes, sorted by the size of the error, and no confusion matrix.
func TestExamplesPanelRegression(t *testing.T) {
	p := &ExamplesPanel{Page: &Root{}, label: -1, predicted: -1, open: -1, result: &protocol.ExamplesResult{
		Task: "sts-b", TaskTitle: "STS-B", Regression: true, Rows: []protocol.ExampleRow{
			{TextA: "a", TextB: "b", Label: -1, Predicted: -1, Target: 4, Score: 3.5, Error: -0.5},
			{TextA: "c", TextB: "d", Label: -1, Predicted: -1, Target: 1, Score: 1.1, Error: 0.1},
			{TextA: "e", TextB: "f", Label: -1, Predicted: -1, Target: 2, Score: 4, Error: 2},
		}}}
	p.refresh()
	if p.svg != "" || len(p.rows) != 3 {
		t.Fatalf("confusion matrix %q, %d rows", p.svg, len(p.rows))
	}
	var titles []string
	for _, col := range p.columns() {
		titles = append(titles, col.title)
	}
	if strings.Join(titles, "|") != "#|Text|Label (score)|Prediction|Error" {
		t.Errorf("columns %q", titles)
	}
	p.SortBy("error") // largest error first
	if p.rows[0] != 2 || p.rows[1] != 0 || p.rows[2] != 1 {
		t.Errorf("sorted by error: %v, want [2 0 1]", p.rows)
	}
	if got := exampleText(p.result.Rows[0]); got != "a  ‖  b" {
		t.Errorf("a pair shows as %q", got)
	}
	if signed(p.result.Rows[0].Error) != "-0.500" || score(p.result.Rows[2].Score) != "4.000" {
		t.Errorf("error %s, score %s", signed(p.result.Rows[0].Error), score(p.result.Rows[2].Score))
	}
}
