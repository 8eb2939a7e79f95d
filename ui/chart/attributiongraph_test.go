package chart

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"bertology/core/saliency"
)

func TestAttributionGraph(t *testing.T) {
	g := &AttributionGraph{Title: "Attribution graph", Tokens: []string{"[CLS]", "good", "[SEP]"}, Layers: 2, Target: 0,
		Edges: []saliency.Edge{{Layer: 1, From: 1, To: 0, Value: 0.8}, {Layer: 0, From: 1, To: 1, Value: -0.4}, {Layer: 0, From: 0, To: 1, Value: 0.2}}}
	s, err := g.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	lines := root.find("g", "edges")[0].find("line", "")
	if len(lines) != len(g.Edges) {
		t.Fatalf("%d lines for %d edges", len(lines), len(g.Edges))
	}
	for i, l := range lines {
		e := g.Edges[i]
		// width ∝ |value|: 0.5 px plus the rest of 8 px shared out by the strongest edge's value.
		if w, want := floatAttr(t, l, "stroke-width"), 0.5+7.5*math.Abs(e.Value)/0.8; math.Abs(w-want) > 0.01 {
			t.Errorf("edge %d: width %v, want %v", i, w, want)
		}
		tip := l.Children[0].Text
		if !strings.HasPrefix(tip, "layer "+string(rune('0'+e.Layer))) || !strings.Contains(tip, g.Tokens[e.From]) {
			t.Errorf("edge %d: title %q", i, tip)
		}
		// The line runs up from the key's row (layer l's input) to the query's (its output).
		if y1, y2 := floatAttr(t, l, "y1"), floatAttr(t, l, "y2"); y1 <= y2 {
			t.Errorf("edge %d runs from y %v to %v, not upwards", i, y1, y2)
		}
		var r, gr, b int
		if _, err := fmt.Sscanf(l.attr("stroke"), "rgb(%d,%d,%d)", &r, &gr, &b); err != nil || (e.Value < 0) != (r > b) {
			t.Errorf("edge %d of value %v: stroke %s", i, e.Value, l.attr("stroke"))
		}
	}
	// Three rows of three tokens and their labels; bold: [CLS] at the top, good in layer 1's input, and
	// [CLS], good at the bottom.
	texts := root.find("g", "tokens")[0].find("text", "")
	if len(texts) != 3*4 {
		t.Fatalf("%d texts, want 3 rows of a label and 3 tokens", len(texts))
	}
	bold := 0
	for _, n := range texts {
		if n.attr("font-weight") == "bold" {
			bold++
		}
	}
	if bold != 4 {
		t.Errorf("%d bold tokens, want 4", bold)
	}
	if len(root.find("g", "legend")) != 1 {
		t.Error("no legend")
	}
	for _, bad := range []*AttributionGraph{
		{Tokens: []string{"a"}, Layers: 1, Target: 1},
		{Tokens: []string{"a", "b"}, Layers: 1, Edges: []saliency.Edge{{Layer: 1, From: 0, To: 0}}},
		{Tokens: []string{"a", "b"}, Layers: 1, Edges: []saliency.Edge{{Layer: 0, From: 2, To: 0}}},
	} {
		if _, err := bad.SVG(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
