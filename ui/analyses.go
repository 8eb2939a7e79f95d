package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"

	"bertology/wasm/protocol"
)

// The section "Beyond attention maps": one panel per analysis (hidden.vugu, rollout.vugu, lens.vugu on
// the input sentence; probe.vugu and attn-stats.vugu on the loaded data set; induction.vugu on random
// tokens; attribution.vugu and patching.vugu, the Attribution tab, on the input sentence), shown one at a time by tabs. Every panel stays on the page while hidden, so that what it computed survives switching tabs.
// The panels get the page as page and files, as the workflow's panels do, the input panel as input,
// the tabs as tabs, and the data panel itself when they run over the data set.

// analyses are the panels' names, in the order of their tabs, with the tabs' labels.
var analyses = []struct{ name, label string }{
	{"hidden", "Hidden states"},
	{"rollout", "Rollout & flow"},
	{"lens", "Logit lens"},
	{"probe", "Probes"},
	{"attnstats", "Attention statistics"},
	{"induction", "Induction heads"},
	{"generate", "Generate"},
	{"attribution", "Attribution"},
}

// input is the input panel as the analyses of one input see it: the sentence they analyse. Root is
// the input panel.
type input interface {
	// sentence is the text typed, the second text of a pair ("" when there is none), and whether an
	// input longer than the model's maximum is cut down to it.
	sentence() (text, pair string, truncate bool)
}

// tabs is the section's tabs as a panel sees them. Root holds them.
type tabs interface {
	// panelStyle hides the named panel when it is not the one shown.
	panelStyle(name string) string
}

func (c *Root) sentence() (string, string, bool) { return c.text, c.pair, c.truncate }

// analysisPanel is what every analysis panel has: the page it asks, and the result it last got with
// the model that computed it.
type analysisPanel[R any] struct {
	Page   page
	result *R
	model  *protocol.ModelInfo
}

// ready reports whether a model is loaded to analyse; when none is, it says so on the page.
func (a *analysisPanel[R]) ready() bool {
	if a.Page.model() == nil {
		a.Page.fail("load a model first")
		return false
	}
	return true
}

// ask runs the analysis op on req as the page's job, named what; once the lab answers, it keeps the
// result, with the model it came from, and calls show.
func (a *analysisPanel[R]) ask(what, op string, req any, show func()) {
	model := a.Page.model()
	a.Page.do(what, func() (func(), error) {
		var res R
		if err := a.Page.call(op, req, &res); err != nil {
			return nil, err
		}
		return func() {
			a.result, a.model = &res, model
			show()
		}, nil
	})
}

// current reports whether there is a result for the model loaded now.
func (a *analysisPanel[R]) current() bool { return a.result != nil && a.model == a.Page.model() }

// ShowAnalysis switches to the named panel.
func (c *Root) ShowAnalysis(name string) { c.analysis = name }

func (c *Root) analysisTabClass(name string) string {
	if c.currentAnalysis() == name {
		return "tab active"
	}
	return "tab"
}

// currentAnalysis is the panel shown: the one chosen, or the first when none is or the model loaded
// cannot have the one chosen.
func (c *Root) currentAnalysis() string {
	if c.analysis == "" || c.analysisUnavailable(c.analysis) != "" {
		return analyses[0].name
	}
	return c.analysis
}

// analysisUnavailable says why the model loaded cannot have the named analysis, whose tab is then
// disabled; "" when it can.
func (c *Root) analysisUnavailable(name string) string {
	switch name {
	case "induction":
		return c.induction.unavailable()
	case "generate":
		return c.generate.unavailable()
	}
	return ""
}

// panelStyle hides a panel that is not the current one.
func (c *Root) panelStyle(name string) string {
	if c.currentAnalysis() == name {
		return ""
	}
	return "display:none"
}

// Cancel asks the lab to stop what it is doing; the work then fails with an error that says so.
func (c *Root) Cancel() { c.Host.Cancel() }

// Helpers of the panels.

// setField stores an input element's value in a panel's field.
func setField(dst *string, event vugu.DOMEvent) { *dst = event.PropString("target", "value") }

// fill puts value into the input element el after each render, when the field holds something else (Vugu
// may make the element anew). A .value property in the template would go through Vugu's fixed 16 KB
// render buffer, which a long paste does not fit: the render fails. fill sets the property directly,
// as Chart.show does a chart's SVG. Every field of the page is filled so.
func fill(el js.Value, value string) {
	if el.Get("value").String() != value {
		el.Set("value", value)
	}
}

// depthName names depth d of a model's hidden states: 0 is the embeddings' output, d > 0 the output of
// layer d−1 (layers are counted from 0 on this page, as in the head and model views).
func depthName(d int) string {
	if d == 0 {
		return "embeddings"
	}
	return fmt.Sprintf("layer %d", d-1)
}

// depthNames names depths 0 to n-1.
func depthNames(n int) []string {
	names := make([]string, n)
	for d := range names {
		names[d] = depthName(d)
	}
	return names
}

// maxOf is the largest of values that is not NaN, and at least floor.
func maxOf(values []float64, floor float64) float64 {
	for _, v := range values {
		if v > floor { // false for NaN
			floor = v
		}
	}
	return floor
}

// tokenCell is the side of one cell of a token × token map: large for short inputs, small enough for
// long ones to fit the page.
func tokenCell(tokens int) float64 {
	return max(8, min(24, 380/float64(max(tokens, 1))))
}

// orDefault is a field's text, or def while it is empty.
func orDefault(field, def string) string {
	if field == "" {
		return def
	}
	return field
}

// fieldText writes a default value as a field shows it.
func fieldText(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// parseInt reads a whole number typed into a field named what; empty is 0.
func parseInt(what, s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%s: %q is not a whole number of 0 or more", what, s)
	}
	return v, nil
}

// parseFloat reads a number typed into a field named what, which must lie in [lo, hi].
func parseFloat(what, s string, lo, hi float64) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v >= lo && v <= hi) {
		return 0, fmt.Errorf("%s: %q is not a number from %g to %g", what, s, lo, hi)
	}
	return v, nil
}

// indexOf reads a select element's value as an index below n.
func indexOf(event vugu.DOMEvent, n int) (int, bool) {
	i, err := strconv.Atoi(event.PropString("target", "value"))
	return i, err == nil && i >= 0 && i < n
}

// seq is 0, 1, …, n-1, for the templates' loops.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// headGrid is a layers × heads heatmap's row and column labels ("layer 0", …; "0", …) and its cell size
// in pixels, smaller as the grid grows so that it stays about 240 pixels across.
func headGrid(layers, heads int) (rows, cols []string, cell float64) {
	rows, cols = make([]string, layers), make([]string, heads)
	for l := range rows {
		rows[l] = fmt.Sprintf("layer %d", l)
	}
	for h := range cols {
		cols[h] = fmt.Sprint(h)
	}
	return rows, cols, max(12, min(28, 240/float64(max(layers, heads))))
}
