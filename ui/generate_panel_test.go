package main

import (
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
)

// TestGeneratePanel: for BERT the tab is disabled with its reason; for stories260K the panel generates
// run.c's greedy tokens after "Once upon a time", their pieces make up the text, and clicking one runs
// the views on the text up to it.
func TestGeneratePanel(t *testing.T) {
	c, host := startRoot(t)
	p := c.generate
	why := c.analysisUnavailable("generate")
	if !strings.Contains(why, "causal language models") {
		t.Errorf("BERT: the tab is not disabled with a reason (%q)", why)
	}
	handle(c, p.Run)
	if c.err != why {
		t.Errorf("BERT: error %q, want %q", c.err, why)
	}

	host.dirs["stories/"] = readDir(t, golden.Path(t, "stories260K", "hf"))
	handle(c, func() { c.SetURL(event{value: "stories/"}); c.LoadURL(event{}) })
	waitIdle(t, c)
	if why := c.analysisUnavailable("generate"); why != "" {
		t.Fatalf("stories260K: unavailable %q", why)
	}
	p.maxNew = "6"
	handle(c, p.Run)
	waitIdle(t, c)
	if c.err != "" || !p.current() {
		t.Fatalf("error %q", c.err)
	}
	var g struct {
		Runs map[string]struct {
			RunCIDs []int `json:"run_c_ids"`
		} `json:"runs"`
	}
	golden.Decode(t, golden.Path(t, "stories260K", "generation.json"), &g)
	r := p.result
	if want := g.Runs["once_upon_a_time"].RunCIDs; !slices.Equal(r.PromptIDs, want[:5]) || !slices.Equal(r.IDs, want[5:11]) {
		t.Errorf("ids %v %v, want %v %v", r.PromptIDs, r.IDs, want[:5], want[5:11])
	}
	text := r.PromptText
	for i := range r.IDs {
		text += p.piece(i)
	}
	if text != r.Text || r.PromptText != "Once upon a time" {
		t.Errorf("prompt %q and pieces make %q, want %q", r.PromptText, text, r.Text)
	}
	handle(c, func() { p.Show(2) })
	waitIdle(t, c)
	if c.text != r.Prefixes[2] || c.result == nil || len(c.result.Tokens) != 8 || p.tokenClass(2) != "token generated active" {
		t.Errorf("after clicking token 3: input %q, %v tokens, class %q", c.text, c.result, p.tokenClass(2))
	}
}
