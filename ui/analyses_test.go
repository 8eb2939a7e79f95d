package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
	"bertology/wasm/protocol"
)

// count returns the number of times open occurs in svg.
func count(svg, open string) int { return strings.Count(svg, open) }

// cells counts the cells of the heatmaps in an SVG document: rects with a tooltip.
func cells(svg string) int { return count(svg, "</title></rect>") }

func TestHiddenPanel(t *testing.T) {
	c, _ := startRoot(t)
	h := c.hidden
	handle(c, h.Run)
	waitIdle(t, c)
	if c.err != "" || !h.current() {
		t.Fatalf("error %q", c.err)
	}
	T := len(h.result.Tokens) // [CLS] the quick brown fox jump ##ed over the lazy dog [SEP]
	if T != 12 || len(h.result.Layers) != 4 {
		t.Fatalf("%d tokens, %d depths", T, len(h.result.Layers))
	}
	if got := cells(h.cosineSVG); got != T*T {
		t.Errorf("cosine map: %d cells, want %d", got, T*T)
	}
	if got := count(h.pcaSVG, "<circle "); got != T {
		t.Errorf("scatter: %d points, want %d", got, T)
	}
	if !strings.Contains(h.cosineSVG, "embeddings") {
		t.Errorf("the first depth shown is not the embeddings'")
	}
	handle(c, func() { h.SetDepth(event{value: "3"}) })
	if h.depth != 3 || !strings.Contains(h.cosineSVG, "layer 2") || !strings.Contains(h.pcaSVG, "layer 2") {
		t.Errorf("depth %d after choosing the output of layer 2", h.depth)
	}
	handle(c, func() { h.SetDepth(event{value: "4"}) }) // no such depth: ignored
	if h.depth != 3 {
		t.Errorf("depth %d after choosing one that does not exist", h.depth)
	}
}

func TestRolloutPanel(t *testing.T) {
	c, _ := startRoot(t)
	r := c.rollout
	handle(c, r.Run)
	waitIdle(t, c)
	if c.err != "" || !r.current() {
		t.Fatalf("error %q", c.err)
	}
	T := len(r.result.Tokens)
	if got := count(r.svg, `<g class="heatmap"`); got != 3 {
		t.Errorf("%d maps, want attention, rollout and flow", got)
	}
	if got := cells(r.svg); got != 3*T*T {
		t.Errorf("%d cells, want 3 × %d", got, T*T)
	}
	if r.layer != 2 || !strings.Contains(r.svg, "Rollout up to layer 2") {
		t.Errorf("layer %d shown first, want the last", r.layer)
	}
	handle(c, func() { r.SetLayer(event{value: "0"}) })
	if !strings.Contains(r.svg, "Attention, layer 0 (mean of 4 heads)") {
		t.Errorf("layer 0 not drawn")
	}

	// A long input: no flow, and the page says why.
	handle(c, func() {
		c.SetText(event{value: strings.Repeat("fox ", 40)})
		r.residual = "0.2"
		r.Run()
	})
	waitIdle(t, c)
	if r.result.Residual != 0.2 || !strings.Contains(r.result.FlowNote, "42 tokens, more than 32") || count(r.svg, `<g class="heatmap"`) != 2 {
		t.Errorf("residual %v, flow note %q", r.result.Residual, r.result.FlowNote)
	}

	handle(c, func() { r.residual = "2"; r.Run() })
	if !strings.Contains(c.err, "residual weight") || c.busy != "" {
		t.Errorf("residual weight 2: error %q", c.err)
	}
}

func TestLensPanel(t *testing.T) {
	c, host := startRoot(t)
	l := c.lens
	handle(c, l.Run)
	waitIdle(t, c)
	if !strings.HasPrefix(c.err, "lens: the logit lens needs a language-model head") {
		t.Errorf("lens of a classifier: error %q", c.err)
	}
	host.dirs["gpt2/"] = readDir(t, golden.Path(t, "gpt2", "model"))
	handle(c, func() { c.SetURL(event{value: "gpt2/"}); c.LoadURL(event{}) })
	waitIdle(t, c)
	if l.masked() {
		t.Error("GPT-2 asks for positions to mask")
	}
	handle(c, l.Run)
	waitIdle(t, c)
	if c.err != "" || !l.current() {
		t.Fatalf("error %q", c.err)
	}
	T, depths := len(l.result.Tokens), len(l.result.Layers)
	if got := count(l.svg, `<g class="cell">`); got != depths*T {
		t.Errorf("%d cells, want %d depths × %d tokens", got, depths, T)
	}
	if !strings.Contains(l.svg, ">layer 2<") || !strings.Contains(l.svg, "next token") {
		t.Errorf("the table lacks its last depth or its objective")
	}
}

// loadData loads the golden SST-2 file into the page's lab, as the data panel does.
func loadData(t *testing.T, host *labHost) {
	b, err := os.ReadFile(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := host.lab.Handle(context.Background(), protocol.OpLoadDataset, map[string]any{"name": "dev.tsv", "bytes": b}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestProbePanel(t *testing.T) {
	c, host := startRoot(t)
	p := c.probe
	handle(c, p.Run)
	waitIdle(t, c)
	if !strings.HasPrefix(c.err, "probe: no data set is loaded") {
		t.Errorf("no data: error %q", c.err)
	}
	loadData(t, host)
	handle(c, func() { p.heldOut = "0.5"; p.Run() })
	waitIdle(t, c)
	if c.err != "" || !p.current() {
		t.Fatalf("error %q", c.err)
	}
	held := p.svg[strings.Index(p.svg, `data-series="held-out accuracy"`):]
	held = held[:strings.Index(held, "</g>")]
	if got := count(held, "<circle "); got != 4 {
		t.Errorf("held-out accuracy: %d points, want one per depth, 4", got)
	}
	if count(p.svg, `<g class="reference"`) != 1 || !strings.Contains(p.svg, "majority class (0.5)") {
		t.Errorf("no majority baseline")
	}
	if s := p.summary(); !strings.HasPrefix(s, "12 examples of 32 dimensions, 6 held out; majority class 50%.") {
		t.Errorf("summary %q", s)
	}

	handle(c, func() { p.lambda = "x"; p.Run() })
	if !strings.HasPrefix(c.err, "λ: ") {
		t.Errorf("λ x: error %q", c.err)
	}
}

func TestAttnStatsPanel(t *testing.T) {
	c, host := startRoot(t)
	loadData(t, host)
	a := c.attnStats
	handle(c, a.Run)
	waitIdle(t, c)
	if c.err != "" || !a.current() {
		t.Fatalf("error %q", c.err)
	}
	if got := count(a.svg, `<g class="heatmap"`); got != 7 {
		t.Errorf("%d maps, want one per statistic, 7", got)
	}
	if got := cells(a.svg); got != 7*3*4 {
		t.Errorf("%d cells, want 7 statistics × 3 layers × 4 heads", got)
	}
	if got := count(a.svg, "highest: L"); got != 7 {
		t.Errorf("%d lists of top heads, want 7", got)
	}
	for _, title := range attnStatsTitles {
		if !strings.Contains(a.svg, title) {
			t.Errorf("no map titled %q", title)
		}
	}
}

// TestRowShares: the page shows the raw attention flow the lab sends as each row's shares.
func TestRowShares(t *testing.T) {
	got := rowShares([]float64{1, 3, 0, 0}, 2)
	if want := []float64{0.25, 0.75, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("rows of 2: %v, want %v", got, want)
	}
	got = rowShares([]float64{0.5, 0.25, 0.25, 0, 0, 0, 2, 2, 4}, 3)
	if want := []float64{0.5, 0.25, 0.25, 0, 0, 0, 0.25, 0.25, 0.5}; !slices.Equal(got, want) {
		t.Errorf("rows of 3: %v, want %v", got, want)
	}
}

func TestAnalysisTabs(t *testing.T) {
	c, _ := startRoot(t)
	if c.panelStyle("hidden") != "" || c.panelStyle("probe") == "" {
		t.Errorf("at first: hidden %q, probe %q", c.panelStyle("hidden"), c.panelStyle("probe"))
	}
	handle(c, func() { c.ShowAnalysis("probe") })
	if c.panelStyle("probe") != "" || c.panelStyle("hidden") == "" || c.analysisTabClass("probe") != "tab active" {
		t.Errorf("after choosing probes: hidden %q, probe %q", c.panelStyle("hidden"), c.panelStyle("probe"))
	}
}
