package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vugu/vugu"

	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// ExamplesPanel is the data set example by example, as LIT's data table: each example's label, the
// model's prediction, its confidence and whether it is right (for a regression task the predicted
// score and its error), sortable and filterable, a page of rows at a time, with the confusion matrix
// beside it (examples-panel.vugu). Clicking a row opens the example in the input panel and every view;
// clicking a cell of the matrix lists its examples.
type ExamplesPanel struct {
	Page  page
	Files files
	Data  *DatasetPanel
	Form  *ImportanceForm // the data settings, shared with importance
	Heads *headMask       // the mask, as the input's prediction uses it
	Input exampleOpener

	result *protocol.ExamplesResult
	model  *protocol.ModelInfo   // the model the result came from
	data   *protocol.DatasetInfo // the data set it came from
	mask   []float32             // the mask it was computed with (nil: every head on)
	masked int                   // how many heads that are still in the weights it masked

	// The table's settings: the column sorted by and its direction, the filters, the page shown.
	sortBy     string // a column's key; "" is the file's order
	descending bool
	contains   string // text filter, as typed
	label      int    // class filter on the label, or -1
	predicted  int    // class filter on the prediction, or -1
	outcome    string // "", "right" or "wrong"
	page       int
	open       int // the row opened in the views, or -1

	rows []int // the rows shown, filtered and sorted, by index into result.Rows
	svg  string
}

// exampleOpener is the input panel as the table sees it: it takes an example's text (and second text)
// as its sentence and runs every view on it.
type exampleOpener interface {
	openExample(what, text, pair string)
}

// examplesPerPage is how many rows the table shows at once.
const examplesPerPage = 20

// confusionCell is the side of a cell of the confusion matrix.
const confusionCell = 64

// Run evaluates the model on every example of the data set, with the data settings of the importance
// form and the page's mask.
func (c *ExamplesPanel) Run() {
	switch {
	case c.Page.model() == nil:
		c.Page.fail("load a model first")
		return
	case !c.Data.loaded():
		c.Page.fail("load a data file first")
		return
	}
	form, err := c.Form.request()
	if err != nil {
		c.Page.fail(err.Error())
		return
	}
	req := &protocol.ExamplesRequest{MaxSeqLength: form.MaxSeqLength, BatchSize: form.BatchSize, Subset: form.Subset,
		HeadMask: c.Heads.forInput()}
	model, data, masked := c.Page.model(), c.Data.dataset, c.Heads.maskedCount()-c.Heads.prunedCount()
	c.Page.do("Predicting every example", func() (func(), error) {
		var res protocol.ExamplesResult
		if err := c.Page.call(protocol.OpExamples, req, &res); err != nil {
			return nil, err
		}
		return func() {
			c.result, c.model, c.data, c.mask, c.masked = &res, model, data, req.HeadMask, masked
			c.label, c.predicted, c.outcome, c.contains, c.page, c.open = -1, -1, "", "", 0, -1
			if !slices.ContainsFunc(c.columns(), func(col column) bool { return col.key == c.sortBy }) {
				c.sortBy, c.descending = "", false // the new table has no such column
			}
			c.refresh()
		}, nil
	})
}

// current reports whether the table holds the predictions of the model and data set loaded now.
func (c *ExamplesPanel) current() bool {
	return c.result != nil && c.model == c.Page.model() && c.data == c.Data.dataset
}

// canRun reports whether the data set is one the table is for: a labelled GLUE file.
// runWhy is why Run cannot apply to the data set and the model (whyNot), or "".
func (c *ExamplesPanel) runWhy() string {
	return whyNot(reason{!c.canRun(), "The table is for a labelled GLUE file and a sequence classifier."})
}

func (c *ExamplesPanel) canRun() bool {
	d := c.Data.dataset
	return d != nil && d.Task != "lm" && d.Task != "ner" && d.Split != "test"
}

// refresh filters and sorts the rows and draws the confusion matrix.
func (c *ExamplesPanel) refresh() {
	r := c.result
	c.rows = c.rows[:0]
	text := strings.ToLower(strings.TrimSpace(c.contains))
	for i, row := range r.Rows {
		switch {
		case text != "" && !strings.Contains(strings.ToLower(row.TextA), text) && !strings.Contains(strings.ToLower(row.TextB), text),
			c.label >= 0 && row.Label != c.label,
			c.predicted >= 0 && row.Predicted != c.predicted,
			c.outcome == "right" && !row.Correct,
			c.outcome == "wrong" && row.Correct:
			continue
		}
		c.rows = append(c.rows, i)
	}
	if key := c.sortBy; key != "" {
		slices.SortStableFunc(c.rows, func(a, b int) int {
			o := compareRows(key, &r.Rows[a], &r.Rows[b])
			if c.descending {
				o = -o
			}
			return o
		})
	}
	c.page = min(c.page, max(0, (len(c.rows)-1)/examplesPerPage))
	c.svg = ""
	if !r.Regression {
		c.svg = svgOf(c.Page, &chart.Confusion{Classes: r.Classes, Counts: r.Confusion, Selected: [2]int{c.label, c.predicted}, Cell: confusionCell})
	}
}

// compareRows orders two rows by the column key.
func compareRows(key string, a, b *protocol.ExampleRow) int {
	switch key {
	case "text":
		return cmp.Compare(a.TextA+"\t"+a.TextB, b.TextA+"\t"+b.TextB)
	case "label":
		return cmp.Compare(a.Label, b.Label)
	case "predicted":
		return cmp.Compare(a.Predicted, b.Predicted)
	case "confidence":
		return cmp.Compare(a.Confidence, b.Confidence)
	case "correct":
		return cmp.Compare(boolInt(a.Correct), boolInt(b.Correct))
	case "target":
		return cmp.Compare(a.Target, b.Target)
	case "score":
		return cmp.Compare(a.Score, b.Score)
	case "error":
		return cmp.Compare(math.Abs(a.Error), math.Abs(b.Error))
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// column is one column of the table: its key for sorting and its heading.
type column struct{ key, title string }

// columns are the table's columns for the task.
func (c *ExamplesPanel) columns() []column {
	if c.result.Regression {
		return []column{{"", "#"}, {"text", "Text"}, {"target", "Label (score)"}, {"score", "Prediction"}, {"error", "Error"}}
	}
	return []column{{"", "#"}, {"text", "Text"}, {"label", "Label"}, {"predicted", "Prediction"}, {"confidence", "Confidence"}, {"correct", "Right?"}}
}

// heading is a column's heading, with an arrow on the one sorted by.
func (c *ExamplesPanel) heading(col column) string {
	switch {
	case col.key == "" && c.sortBy == "":
		return col.title + " ▲"
	case col.key != c.sortBy:
		return col.title
	case c.descending:
		return col.title + " ▼"
	}
	return col.title + " ▲"
}

// SortBy sorts by a column; its heading clicked again turns the order round. The "#" column goes back
// to the file's order.
func (c *ExamplesPanel) SortBy(key string) {
	if key == c.sortBy {
		c.descending = !c.descending
	} else {
		c.sortBy, c.descending = key, key == "confidence" || key == "error"
	}
	c.page = 0
	c.refresh()
}

// SetContains follows the text filter.
func (c *ExamplesPanel) SetContains(event vugu.DOMEvent) {
	c.contains = event.PropString("target", "value")
	c.page = 0
	c.refresh()
}

// SetLabel, SetPredicted and SetOutcome follow the filters' selectors.
func (c *ExamplesPanel) SetLabel(event vugu.DOMEvent) {
	c.label = classChoice(event)
	c.page = 0
	c.refresh()
}
func (c *ExamplesPanel) SetPredicted(event vugu.DOMEvent) {
	c.predicted = classChoice(event)
	c.page = 0
	c.refresh()
}
func (c *ExamplesPanel) SetOutcome(event vugu.DOMEvent) {
	c.outcome = event.PropString("target", "value")
	c.page = 0
	c.refresh()
}

// classChoice reads a class selector: a class id, or -1 for any.
func classChoice(event vugu.DOMEvent) int {
	i, err := strconv.Atoi(event.PropString("target", "value"))
	if err != nil {
		return -1
	}
	return i
}

// ClearFilters shows every row again.
func (c *ExamplesPanel) ClearFilters() {
	c.label, c.predicted, c.outcome, c.contains, c.page = -1, -1, "", "", 0
	c.refresh()
}

// PickCell filters the table to the examples of the confusion matrix's cell clicked; the same cell
// clicked again clears the filter.
func (c *ExamplesPanel) PickCell(event vugu.DOMEvent) {
	cell := event.JSEventTarget().Call("closest", "g.cell")
	if !cell.Truthy() {
		return
	}
	l, errL := strconv.Atoi(cell.Call("getAttribute", "data-label").String())
	p, errP := strconv.Atoi(cell.Call("getAttribute", "data-predicted").String())
	if errL != nil || errP != nil {
		return
	}
	if l == c.label && p == c.predicted {
		l, p = -1, -1
	}
	c.label, c.predicted, c.page = l, p, 0
	c.refresh()
}

// TurnPage turns to the previous (by -1) or next (by 1) page of rows.
func (c *ExamplesPanel) TurnPage(by int) {
	c.page = max(0, min(c.page+by, (len(c.rows)-1)/examplesPerPage))
}

// shown are the rows of the page shown.
func (c *ExamplesPanel) shown() []int {
	lo := min(c.page*examplesPerPage, len(c.rows))
	return c.rows[lo:min(lo+examplesPerPage, len(c.rows))]
}

// pageText says which rows are shown.
func (c *ExamplesPanel) pageText() string {
	n := len(c.rows)
	if n == 0 {
		return "no example matches the filters"
	}
	lo := c.page*examplesPerPage + 1
	return fmt.Sprintf("rows %d–%d of %d (%d examples in all)", lo, min(lo+examplesPerPage-1, n), n, len(c.result.Rows))
}

// Open opens row i in the input panel and every view.
func (c *ExamplesPanel) Open(i int) {
	row := c.result.Rows[i]
	c.open = i
	c.Input.openExample(fmt.Sprintf("Opening example %d", i+1), row.TextA, row.TextB)
}

// rowClass marks the row opened and the wrong predictions.
func (c *ExamplesPanel) rowClass(i int) string {
	s := "example"
	if !c.result.Regression && !c.result.Rows[i].Correct {
		s += " wrong"
	}
	if i == c.open {
		s += " open"
	}
	return s
}

// className names class i, or "" for none (-1).
func (c *ExamplesPanel) className(i int) string {
	if i < 0 || i >= len(c.result.Classes) {
		return ""
	}
	return c.result.Classes[i]
}

// exampleText is a row's text as the table shows it: a pair joined by a bar, cut to a length that
// keeps the table readable (the input panel gets the whole of it).
func exampleText(r protocol.ExampleRow) string {
	s := r.TextA
	if r.TextB != "" {
		s += "  ‖  " + r.TextB
	}
	return cutText(s, 160)
}

// cutText cuts s to at most n characters, ending in "…" when it was longer.
func cutText(s string, n int) string {
	if runes := []rune(s); len(runes) > n {
		return string(runes[:n-1]) + "…"
	}
	return s
}

// summary states the evaluation the table comes from.
func (c *ExamplesPanel) summary() string {
	ev := c.result.Evaluation
	s := fmt.Sprintf("%s, %d examples: %s %s", c.result.TaskTitle, ev.Examples, metricName(ev.Metric), metricValue(ev.Metrics[ev.Metric]))
	if !c.result.Regression {
		right := 0
		for _, r := range c.result.Rows {
			right += boolInt(r.Correct)
		}
		s += fmt.Sprintf("; %d right, %d wrong", right, len(c.result.Rows)-right)
	}
	if c.masked > 0 {
		s += fmt.Sprintf(" (with %d heads masked)", c.masked)
	}
	return s
}

// maskChanged reports whether heads were masked or unmasked since the table was computed.
func (c *ExamplesPanel) maskChanged() bool { return !slices.Equal(c.mask, c.Heads.forInput()) }

// outcomeMark marks a right prediction and a wrong one.
func outcomeMark(right bool) string {
	if right {
		return "✓ right"
	}
	return "✗ wrong"
}

func percent(p float64) string { return fmt.Sprintf("%.1f%%", 100*p) }

func signed(v float64) string { return fmt.Sprintf("%+.3f", v) }

func score(v float64) string { return fmt.Sprintf("%.3f", v) }

// openExample sets the input to an example of the data set and runs every view on it: the input's
// prediction and attention views, and the analysis of the input shown in its tab, if it has run.
func (c *Root) openExample(what, text, pair string) {
	c.text, c.pair = text, pair
	var again func()
	switch a := c.currentAnalysis(); {
	case a == "hidden" && c.hidden.current():
		again = c.hidden.Run
	case a == "rollout" && c.rollout.current():
		again = c.rollout.Run
	case a == "lens" && c.lens.current():
		again = c.lens.Run
	}
	c.do(what, func() (func(), error) {
		show := c.runInput()
		return func() {
			show()
			if again != nil && c.err == "" {
				again()
			}
		}, nil
	})
}
