package main

import (
	"fmt"
	"strings"
	"testing"

	"bertology/core/golden"
	"bertology/core/induction"
)

// TestInductionPanel: for BERT the tab is disabled with its reason and the panel refuses to run; for
// GPT-2 the panel draws the three layer × head maps whose tooltips hold the lab's scores.
func TestInductionPanel(t *testing.T) {
	c, host := startRoot(t)
	p := c.induction
	why := c.analysisUnavailable("induction")
	if !strings.Contains(why, "causal language models") || !strings.Contains(why, "BertForSequenceClassification") {
		t.Errorf("BERT: the tab is not disabled with a reason (%q)", why)
	}
	handle(c, func() { c.ShowAnalysis("induction") })
	if c.currentAnalysis() != analyses[0].name {
		t.Errorf("BERT: the induction tab shows (%q)", c.currentAnalysis())
	}
	handle(c, p.Run)
	if c.err != why {
		t.Errorf("BERT: error %q, want %q", c.err, why)
	}

	host.dirs["gpt2/"] = readDir(t, golden.Path(t, "gpt2", "model"))
	handle(c, func() { c.SetURL(event{value: "gpt2/"}); c.LoadURL(event{}) })
	waitIdle(t, c)
	if why := c.analysisUnavailable("induction"); why != "" || c.currentAnalysis() != "induction" {
		t.Fatalf("GPT-2: unavailable %q, tab %q", why, c.currentAnalysis())
	}
	if got := p.lengthDefault(); got != "31" {
		t.Errorf("GPT-2's 64 positions: default repeat length %s, want 31", got)
	}
	p.sequences = "2"
	handle(c, p.Run)
	waitIdle(t, c)
	if c.err != "" || !p.current() {
		t.Fatalf("error %q", c.err)
	}
	r := p.result
	if r.Length != 31 || r.Sequences != 2 || r.BOS != "<|endoftext|>" {
		t.Errorf("repeats of %d tokens, %d sequences, BOS %q; want 31, 2, <|endoftext|>", r.Length, r.Sequences, r.BOS)
	}
	if got := count(p.svg, `<g class="heatmap"`); got != 3 {
		t.Errorf("%d maps, want 3", got)
	}
	if got := cells(p.svg); got != 3*3*4 {
		t.Errorf("%d cells, want 3 scores × 3 layers × 4 heads", got)
	}
	for _, key := range induction.Keys {
		if !strings.Contains(p.svg, inductionTitles[key]) {
			t.Errorf("no map titled %q", inductionTitles[key])
		}
		for at, v := range r.Score(key).Data {
			tip := fmt.Sprintf("<title>layer %d, %d: %.3f</title>", at/4, at%4, v)
			if !strings.Contains(p.svg, tip) {
				t.Errorf("%s: no cell %s", key, tip)
			}
		}
	}
	if !strings.Contains(p.sequenceText(), "<|endoftext|> + 31 random tokens + the same 31 again (seeds 1 to 2)") {
		t.Errorf("sequence text %q", p.sequenceText())
	}
}
