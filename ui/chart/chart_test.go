package chart

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
)

// node is a parsed SVG element.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n *node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// find returns the elements named tag under n (n included) whose class list holds class ("" = any).
func (n *node) find(tag, class string) []*node {
	var out []*node
	if n.XMLName.Local == tag && (class == "" || strings.Contains(" "+n.attr("class")+" ", " "+class+" ")) {
		out = append(out, n)
	}
	for i := range n.Children {
		out = append(out, n.Children[i].find(tag, class)...)
	}
	return out
}

func parseSVG(t *testing.T, s string) *node {
	t.Helper()
	var root node
	if err := xml.Unmarshal([]byte(s), &root); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, s)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root element is %v, want svg in the SVG namespace", root.XMLName)
	}
	for _, a := range []string{"width", "height", "viewBox"} {
		if root.attr(a) == "" {
			t.Errorf("svg has no %s: saving as PNG needs it", a)
		}
	}
	return &root
}

func floatAttr(t *testing.T, n *node, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.XMLName.Local, name, n.attr(name), err)
	}
	return v
}

// weights3 is a [2 heads, 3 tokens, 3 tokens] attention tensor whose rows sum to 1.
var weights3 = []float32{
	0.5, 0.25, 0.25, 0.1, 0.8, 0.1, 0, 0, 1,
	1, 0, 0, 0.2, 0.3, 0.5, 0.333, 0.333, 0.334,
}

func TestHeadView(t *testing.T) {
	tokens := []string{"[CLS]", "a<b", "[SEP]"}
	tests := []struct {
		name     string
		selected []int
		focus    int
	}{
		{"all heads", []int{0, 1}, -1},
		{"one head", []int{1}, -1},
		{"no heads", nil, -1},
		{"focus", []int{0, 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &HeadView{Layer: 2, Tokens: tokens, Heads: 2, Weights: weights3, Selected: tt.selected, Focus: tt.focus}
			s, err := v.SVG()
			if err != nil {
				t.Fatal(err)
			}
			root := parseSVG(t, s)
			groups := root.find("g", "head")
			if len(groups) != len(tt.selected) {
				t.Fatalf("%d head groups, want %d", len(groups), len(tt.selected))
			}
			queries := []int{0, 1, 2}
			if tt.focus >= 0 {
				queries = []int{tt.focus}
			}
			for gi, g := range groups {
				h := tt.selected[gi]
				if got := g.attr("data-head"); got != strconv.Itoa(h) {
					t.Errorf("group %d is head %s, want %d", gi, got, h)
				}
				if got, want := g.attr("stroke"), HeadColor(h, 2); got != want {
					t.Errorf("head %d colour %s, want %s", h, got, want)
				}
				lines := g.find("line", "")
				if len(lines) != 3*len(queries) {
					t.Fatalf("head %d: %d lines, want %d", h, len(lines), 3*len(queries))
				}
				for k, line := range lines {
					i, j := queries[k/3], k%3
					want := float64(weights3[(h*3+i)*3+j] / float32(len(tt.selected))) // normalised by the heads drawn
					if got := floatAttr(t, line, "stroke-opacity"); got != roundTo(want, 3) {
						t.Errorf("head %d line %d→%d opacity %v, want %v", h, i, j, got, want)
					}
					// Lines leave the query's row and reach the key's row.
					if y1, y2 := floatAttr(t, line, "y1"), floatAttr(t, line, "y2"); y1 != rowCentre(i) || y2 != rowCentre(j) {
						t.Errorf("head %d line %d→%d runs from y %v to %v, want %v to %v", h, i, j, y1, y2, rowCentre(i), rowCentre(j))
					}
				}
			}
			texts := root.find("text", "token")
			if len(texts) != 2*len(tokens) {
				t.Fatalf("%d token labels, want %d", len(texts), 2*len(tokens))
			}
			if texts[2].Text != "a<b" {
				t.Errorf("token label %q, want the token unescaped after parsing, %q", texts[2].Text, "a<b")
			}
		})
	}
}

func rowCentre(i int) float64 { return headViewTop + (float64(i)+0.5)*headViewRow }

func roundTo(v float64, decimals int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', decimals, 64), 64)
	return f
}

func TestAttentionMap(t *testing.T) {
	tokens := []string{"[CLS]", "hello", "[SEP]"}
	for _, labelled := range []bool{false, true} {
		m := &AttentionMap{Layer: 1, Head: 1, Heads: 2, Size: 3, Weights: weights3[9:], Cell: 10}
		if labelled {
			m.Tokens = tokens
		}
		s, err := m.SVG()
		if err != nil {
			t.Fatal(err)
		}
		root := parseSVG(t, s)
		if got := strings.Contains(root.attr("class"), "thumb"); got == labelled {
			t.Errorf("labelled=%v: class %q", labelled, root.attr("class"))
		}
		cells := root.find("g", "cells")
		if len(cells) != 1 {
			t.Fatalf("labelled=%v: %d cell groups, want 1", labelled, len(cells))
		}
		rects := cells[0].find("rect", "")
		if len(rects) != 9 {
			t.Fatalf("labelled=%v: %d cells, want 9", labelled, len(rects))
		}
		x0, y0 := floatAttr(t, rects[0], "x"), floatAttr(t, rects[0], "y")
		for k, r := range rects {
			i, j := k/3, k%3
			if got, want := floatAttr(t, r, "fill-opacity"), roundTo(float64(weights3[9+k]), 3); got != want {
				t.Errorf("labelled=%v: cell %d,%d opacity %v, want %v", labelled, i, j, got, want)
			}
			if x, y := floatAttr(t, r, "x"), floatAttr(t, r, "y"); x != x0+10*float64(j) || y != y0+10*float64(i) {
				t.Errorf("labelled=%v: cell %d,%d at (%v, %v), want row i down, column j across", labelled, i, j, x, y)
			}
		}
		if n := len(root.find("text", "")); labelled && n != 1+2*len(tokens) || !labelled && n != 0 {
			t.Errorf("labelled=%v: %d texts", labelled, n)
		}
	}
}

func TestBars(t *testing.T) {
	b := &Bars{Title: "Prediction", Labels: []string{"negative", "positive"}, Values: []float64{0.25, 0.75}}
	s, err := b.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	bars := root.find("g", "bars")[0].find("rect", "")
	if len(bars) != 2 {
		t.Fatalf("%d bars, want 2", len(bars))
	}
	for i, v := range b.Values {
		if got := floatAttr(t, bars[i], "width"); got != barLength*v {
			t.Errorf("bar %d width %v, want %v", i, got, barLength*v)
		}
	}
	if !strings.Contains(s, ">75.0%<") {
		t.Errorf("no 75.0%% label in %s", s)
	}
}

func TestChartErrors(t *testing.T) {
	tests := []struct {
		name  string
		chart interface{ SVG() (string, error) }
		want  string
	}{
		{"head view size", &HeadView{Tokens: []string{"a"}, Heads: 2, Weights: []float32{1}}, "head view: 1 attention weights, want heads × tokens × tokens = 2 × 1 × 1"},
		{"head view head", &HeadView{Layer: 3, Tokens: []string{"a"}, Heads: 1, Weights: []float32{1}, Selected: []int{1}, Focus: -1}, "head view: head 1 does not exist (layer 3 has 1 heads)"},
		{"map size", &AttentionMap{Layer: 1, Head: 2, Size: 2, Weights: []float32{1}}, "attention map of layer 1 head 2: 1 weights, want 2 × 2"},
		{"map labels", &AttentionMap{Size: 1, Weights: []float32{1}, Tokens: []string{"a", "b"}}, "2 token labels for 1 tokens"},
		{"bars", &Bars{Title: "p", Labels: []string{"a"}}, `bar chart "p": 1 labels for 0 values`},
	}
	for _, tt := range tests {
		_, err := tt.chart.SVG()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestModelView(t *testing.T) {
	// Two layers: the first with both heads of weights3, the second pruned to its head 1.
	v := &ModelView{Tokens: 3, Weights: [][]float32{weights3, weights3[9:]}, Heads: []int{2, 1}, Thumb: 30}
	s, err := v.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	thumbs := root.find("g", "thumb")
	want := [][2]string{{"0", "0"}, {"0", "1"}, {"1", "0"}}
	if len(thumbs) != len(want) {
		t.Fatalf("%d thumbnails, want %d", len(thumbs), len(want))
	}
	for k, th := range thumbs {
		if l, h := th.attr("data-layer"), th.attr("data-head"); l != want[k][0] || h != want[k][1] {
			t.Errorf("thumbnail %d is layer %s head %s, want %v", k, l, h, want[k])
		}
		rects := th.find("g", "cells")[0].find("rect", "")
		if len(rects) != 9 {
			t.Fatalf("thumbnail %d has %d cells, want 9", k, len(rects))
		}
		// Layer 1's only head is layer 0's head 1: the same weights.
		offset := 9 * (k % 2)
		if k == 2 {
			offset = 9
		}
		for c, r := range rects {
			if got, w := floatAttr(t, r, "fill-opacity"), roundTo(float64(weights3[offset+c]), 3); got != w {
				t.Errorf("thumbnail %d cell %d opacity %v, want %v", k, c, got, w)
			}
			if got := floatAttr(t, r, "width"); got != 10 {
				t.Errorf("thumbnail %d cell width %v, want Thumb/T = 10", k, got)
			}
		}
	}
	if _, err := (&ModelView{Tokens: 3, Weights: [][]float32{weights3}, Heads: []int{3}}).SVG(); err == nil ||
		!strings.Contains(err.Error(), "model view: layer 0 has 18 attention weights, want heads × tokens × tokens = 3 × 3 × 3") {
		t.Errorf("mismatched weights: error %v", err)
	}
}

func TestModelViewPoolsLongInputs(t *testing.T) {
	// 3 tokens in blocks of 2: cells (0-1, 0-1), (0-1, 2), (2, 0-1), (2, 2), each the block's maximum.
	v := &ModelView{Tokens: 3, Weights: [][]float32{weights3[:9]}, Heads: []int{1}, Thumb: 30, MaxCells: 2}
	s, err := v.SVG()
	if err != nil {
		t.Fatal(err)
	}
	rects := parseSVG(t, s).find("g", "cells")[0].find("rect", "")
	want := []float64{0.8, 0.25, 0, 1}
	if len(rects) != len(want) {
		t.Fatalf("%d cells, want %d", len(rects), len(want))
	}
	for k, r := range rects {
		if got := floatAttr(t, r, "fill-opacity"); got != want[k] {
			t.Errorf("block %d opacity %v, want %v", k, got, want[k])
		}
		if got := floatAttr(t, r, "width"); got != 15 {
			t.Errorf("block %d width %v, want Thumb/2 = 15", k, got)
		}
	}
}
