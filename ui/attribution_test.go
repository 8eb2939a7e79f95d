package main

import (
	"fmt"
	"strings"
	"testing"

	"bertology/core/golden"
	"bertology/wasm/protocol"
)

// TestAttributionGraphPanel: attention attribution on the golden BERT draws its graph, one line per
// edge of the lab's graph with the edge's value in its tooltip; the result saved as JSON reads back,
// and is refused by the patching panel and for a model of another shape.
func TestAttributionGraphPanel(t *testing.T) {
	c, _ := startRoot(t)
	handle(c, func() { c.SetText(event{value: "the quick brown fox"}); c.ShowAnalysis("attribution") })
	a := c.attribution
	a.method, a.steps = "attention", "8"
	handle(c, a.Run)
	waitIdle(t, c)
	if c.err != "" || !a.current() || a.result.Graph == nil {
		t.Fatalf("error %q, result %v", c.err, a.result)
	}
	g := a.result.Graph
	if got := count(a.graphSVG, "<line "); got != len(g.Edges) || len(g.Edges) == 0 || len(g.Edges) > 20 {
		t.Errorf("%d lines for %d edges", got, len(g.Edges))
	}
	for _, e := range g.Edges {
		if tip := fmt.Sprintf("%.4f</title></line>", e.Value); !strings.Contains(a.graphSVG, tip) {
			t.Errorf("edge %+v: no tooltip ending %q", e, tip)
		}
	}
	data := resultJSON(a.result)
	var back protocol.SaliencyResult
	if kind, err := readResult(a.Page, "s.json", data, &back, kindSaliency); err != nil || kind != kindSaliency || len(back.Graph.Edges) != len(g.Edges) || back.Logit != a.result.Logit {
		t.Errorf("read back: %v, %q, %+v", err, kind, back.Graph)
	}
	var p protocol.PatchResult
	if _, err := readResult(a.Page, "s.json", data, &p, kindPatch, kindAblation); err == nil || !strings.Contains(err.Error(), "s.json holds a saliency result; this panel draws a patching result") {
		t.Errorf("a saliency result as patching: %v", err)
	}
	other := *a.result
	other.Layers = 12
	if _, err := readResult(a.Page, "s.json", resultJSON(&other), &back, kindSaliency); err == nil || !strings.Contains(err.Error(), "12 layers × 4 heads; the model loaded has 3 × 4") {
		t.Errorf("another model's result: %v", err)
	}
	other = *a.result
	other.Tokens = append([]string{"Ġqzxv"}, other.Tokens[1:]...)
	if _, err := readResult(a.Page, "s.json", resultJSON(&other), &back, kindSaliency); err == nil || !strings.Contains(err.Error(), `has no token ["Ġqzxv"]`) {
		t.Errorf("another model's tokens: %v", err)
	}
	if _, err := readResult(a.Page, "x.json", []byte(`{"loss": 1}`), &back, kindSaliency); err == nil || !strings.Contains(err.Error(), "not a result of bertology") {
		t.Errorf("another JSON: %v", err)
	}
}

// TestAblationPanel: zero ablation on the golden BERT maps each head's change of the metric; GPT-2's
// patching takes its two next tokens from the text fields.
func TestAblationPanel(t *testing.T) {
	c, host := startRoot(t)
	handle(c, func() { c.SetText(event{value: "the quick brown fox"}); c.ShowAnalysis("attribution") })
	p := c.patching
	if p.languageModel() {
		t.Error("BERT's classifier taken for a language model")
	}
	handle(c, p.Ablate)
	waitIdle(t, c)
	if c.err != "" || !p.ablation.current() {
		t.Fatalf("error %q", c.err)
	}
	r := p.ablation.result
	if got := cells(p.ablateSVG); got != 12 {
		t.Errorf("%d cells, want 3 layers × 4 heads", got)
	}
	for i, v := range r.Ablated {
		if tip := fmt.Sprintf("<title>layer %d, %d: %.3f</title>", i/4, i%4, v-r.Metric); !strings.Contains(p.ablateSVG, tip) {
			t.Errorf("no cell %s", tip)
		}
	}
	var back protocol.AblateResult
	if kind, err := readResult(p.Page, "a.json", resultJSON(r), &back, kindPatch, kindAblation); err != nil || kind != kindAblation || back.Metric != r.Metric {
		t.Errorf("read back: %v %q", err, kind)
	}

	host.dirs["gpt2/"] = readDir(t, golden.Path(t, "gpt2", "model"))
	handle(c, func() { c.SetURL(event{value: "gpt2/"}); c.LoadURL(event{}) })
	waitIdle(t, c)
	handle(c, func() { c.SetText(event{value: "the quick brown fox"}) })
	if !p.languageModel() {
		t.Fatal("GPT-2 not taken for a language model")
	}
	p.corrupted, p.tokenA, p.tokenB = "the quick brown dog", "a", "quick brown"
	handle(c, p.Run)
	waitIdle(t, c)
	if !strings.Contains(c.err, `"quick brown" is `) || !strings.Contains(c.err, "not one") {
		t.Errorf("a word of several tokens: error %q", c.err)
	}
	p.tokenB = "b"
	handle(c, p.Run)
	waitIdle(t, c)
	if c.err != "" || !p.current() || p.result.Metric != "logit[a] − logit[b]" {
		t.Fatalf("error %q, result %+v", c.err, p.result)
	}
	if got := count(p.svg, `<g class="heatmap"`); got != 2 {
		t.Errorf("%d maps, want 2", got)
	}
}
