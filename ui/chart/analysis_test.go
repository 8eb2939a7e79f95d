package chart

import (
	"math"
	"strings"
	"testing"
)

func TestScale(t *testing.T) {
	tests := []struct {
		scale Scale
		v     float64
		want  string
	}{
		{Scale{Min: 0, Max: 1}, 0, "rgb(255,255,255)"},
		{Scale{Min: 0, Max: 1}, 1, "rgb(23,64,140)"},
		{Scale{Min: 0, Max: 1}, 2, "rgb(23,64,140)"}, // clamped
		{Scale{Min: 0, Max: 2}, 1, "rgb(139,160,198)"},
		{Scale{Min: -1, Max: 1, Diverging: true}, 0, "rgb(255,255,255)"},
		{Scale{Min: -1, Max: 1, Diverging: true}, -1, "rgb(165,28,36)"},
		{Scale{Min: -0.5, Max: 1, Diverging: true}, 0.5, "rgb(139,160,198)"},
		{Scale{Min: 0, Max: 1}, math.NaN(), "rgb(220,220,220)"},
		{Scale{Min: 1, Max: 1}, 1, "rgb(255,255,255)"}, // no range: all white
	}
	for _, tt := range tests {
		if got := tt.scale.Colour(tt.v); got != tt.want {
			t.Errorf("%+v.Colour(%v) = %s, want %s", tt.scale, tt.v, got, tt.want)
		}
	}
	s := Scale{Min: 0, Max: 1}
	if s.Ink(0.9) != "#fff" || s.Ink(0.1) != "#000" {
		t.Errorf("ink on 0.9 %s, on 0.1 %s", s.Ink(0.9), s.Ink(0.1))
	}
}

func TestHeatmap(t *testing.T) {
	h := &Heatmap{Name: "cos", Title: "Cosine", Rows: []string{"a", "b<c"}, Cols: []string{"x", "y", "z"},
		Values: []float64{1, 0.5, -1, 0, math.NaN(), 0.25}, Scale: Scale{Min: -1, Max: 1, Diverging: true}, Cell: 12,
		Notes: []string{"top: L0 H1"}}
	s, err := h.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	maps := root.find("g", "heatmap")
	if len(maps) != 1 || maps[0].attr("data-name") != "cos" {
		t.Fatalf("%d heatmap groups", len(maps))
	}
	rects := root.find("g", "cells")[0].find("rect", "")
	if len(rects) != 6 {
		t.Fatalf("%d cells, want 6", len(rects))
	}
	x0, y0 := floatAttr(t, rects[0], "x"), floatAttr(t, rects[0], "y")
	for k, r := range rects {
		i, j := k/3, k%3
		if got, want := r.attr("fill"), h.Scale.Colour(h.Values[k]); got != want {
			t.Errorf("cell %d,%d fill %s, want %s", i, j, got, want)
		}
		if x, y := floatAttr(t, r, "x"), floatAttr(t, r, "y"); x != x0+12*float64(j) || y != y0+12*float64(i) {
			t.Errorf("cell %d,%d at (%v, %v)", i, j, x, y)
		}
	}
	if got := rects[1].find("title", "")[0].Text; got != "a, y: 0.50" {
		t.Errorf("tooltip %q", got)
	}
	if got := rects[4].find("title", "")[0].Text; got != "b<c, y: none" {
		t.Errorf("tooltip of NaN %q", got)
	}
	if n := len(root.find("g", "legend")[0].find("rect", "")); n != legendSteps {
		t.Errorf("legend has %d swatches", n)
	}
	if notes := root.find("text", "note"); len(notes) != 1 || notes[0].Text != "top: L0 H1" {
		t.Errorf("notes %+v", notes)
	}

	h.Values = h.Values[:5]
	if _, err := h.SVG(); err == nil || !strings.Contains(err.Error(), "5 values for 2 rows × 3 columns") {
		t.Errorf("short values: error %v", err)
	}
}

func TestSmallMultiples(t *testing.T) {
	var maps []*Heatmap
	for _, name := range []string{"a", "b", "c"} {
		maps = append(maps, &Heatmap{Name: name, Title: name, Rows: []string{"0", "1"}, Cols: []string{"0", "1", "2"},
			Values: make([]float64, 6), Scale: Scale{Max: 1}, Cell: 10})
	}
	s, err := (&SmallMultiples{Class: "stats", Title: "Statistics", Maps: maps, Columns: 2}).SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	if root.attr("class") != "stats" {
		t.Errorf("class %q", root.attr("class"))
	}
	groups := root.find("g", "heatmap")
	if len(groups) != 3 {
		t.Fatalf("%d maps, want 3", len(groups))
	}
	for k, g := range groups {
		if g.attr("data-name") != maps[k].Name || len(g.find("g", "cells")[0].find("rect", "")) != 6 {
			t.Errorf("map %d: name %q", k, g.attr("data-name"))
		}
	}
	// Two a row: the third map starts a second row, under the first.
	var at []string
	for _, g := range root.Children {
		if g.XMLName.Local == "g" {
			at = append(at, g.attr("transform"))
		}
	}
	if len(at) != 3 || at[0] == at[1] || !strings.HasPrefix(at[2], strings.Split(at[0], ",")[0]+",") {
		t.Errorf("placement %q", at)
	}
}

func TestScatter(t *testing.T) {
	s := &Scatter{Title: "PCA", XLabel: "PC1", YLabel: "PC2", Labels: []string{"[CLS]", "a", "[SEP]"},
		X: []float64{-1, 0, 1}, Y: []float64{0, 2, -2}, Side: 200}
	out, err := s.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, out)
	circles := root.find("g", "points")[0].find("circle", "")
	if len(circles) != 3 {
		t.Fatalf("%d points, want 3", len(circles))
	}
	// One scale for both axes: x spans 2 and y 4, so x steps are half the y steps.
	dx := floatAttr(t, circles[1], "cx") - floatAttr(t, circles[0], "cx")
	dy := floatAttr(t, circles[0], "cy") - floatAttr(t, circles[1], "cy") // y grows upwards
	if math.Abs(dy-2*dx) > 0.02 || dx <= 0 {
		t.Errorf("steps dx %v, dy %v: want dy = 2 dx > 0", dx, dy)
	}
	labels := root.find("g", "labels")[0].find("text", "")
	if len(labels) != 3 || labels[2].Text != "[SEP]" {
		t.Errorf("labels %+v", labels)
	}
	s.X = s.X[:2]
	if _, err := s.SVG(); err == nil {
		t.Error("no error for 2 x values and 3 labels")
	}
}

func TestLineChart(t *testing.T) {
	c := &LineChart{Title: "Probe", XLabel: "depth", YLabel: "accuracy", XTicks: []string{"emb", "1", "2"},
		Series: []Series{
			{Name: "held out", Colour: "#00f", Values: []float64{0.5, 0.75, 1}},
			{Name: "train", Colour: "#0a0", Values: []float64{1, math.NaN(), 1}},
		},
		References: []Reference{{Name: "majority", Value: 0.5}}, YMin: 0, YMax: 1, Width: 200, Height: 100}
	s, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	series := root.find("g", "series")
	if len(series) != 2 || series[0].attr("data-series") != "held out" {
		t.Fatalf("%d series", len(series))
	}
	held := series[0].find("circle", "")
	if len(held) != 3 {
		t.Fatalf("held out: %d points, want 3", len(held))
	}
	// Equal steps across, and accuracy 1 at the top of the area, 0.5 halfway.
	x0, x1, x2 := floatAttr(t, held[0], "cx"), floatAttr(t, held[1], "cx"), floatAttr(t, held[2], "cx")
	if math.Abs((x1-x0)-(x2-x1)) > 0.02 || math.Abs(x2-x0-200) > 0.02 {
		t.Errorf("x positions %v %v %v", x0, x1, x2)
	}
	y0, y2 := floatAttr(t, held[0], "cy"), floatAttr(t, held[2], "cy")
	if math.Abs((y0-y2)-50) > 0.02 {
		t.Errorf("y of 0.5 is %v, of 1 is %v: want 50 pixels apart", y0, y2)
	}
	if n := len(series[1].find("circle", "")); n != 2 {
		t.Errorf("train: %d points, want 2 (one value missing)", n)
	}
	if d := series[1].find("path", "")[0].attr("d"); strings.Count(d, "M") != 2 {
		t.Errorf("train's line %q should break at the gap", d)
	}
	ref := root.find("g", "reference")
	if len(ref) != 1 || floatAttr(t, ref[0].find("line", "")[0], "y1") != y0 {
		t.Errorf("majority line not at 0.5")
	}
	c.Series[0].Values = c.Series[0].Values[:2]
	if _, err := c.SVG(); err == nil {
		t.Error("no error for a short series")
	}
}

func TestLensTable(t *testing.T) {
	l := &LensTable{Title: "Lens", Depths: []string{"embeddings", "layer 1"}, Tokens: []string{"a", " verylongtokenindeed"},
		Targets: []string{" verylongtokenindeed", ""},
		Top:     []string{"x", "y", " verylongtokenindeed", "z"}, Prob: []float64{0.1, 0.2, 0.9, 0.05},
		Hit: []bool{false, false, true, false}}
	s, err := l.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	cells := root.find("g", "cells")[0].find("g", "cell")
	if len(cells) != 4 {
		t.Fatalf("%d cells, want 4", len(cells))
	}
	for k, c := range cells {
		r := c.find("rect", "")[0]
		if got, want := r.attr("fill"), (Scale{Max: 1}).Colour(l.Prob[k]); got != want {
			t.Errorf("cell %d fill %s, want %s", k, got, want)
		}
		if framed := r.attr("stroke") != "#fff"; framed != l.Hit[k] {
			t.Errorf("cell %d framed %v, hit %v", k, framed, l.Hit[k])
		}
	}
	texts := cells[2].find("text", "")
	if texts[0].Text != "␣verylongto…" || texts[1].Text != "90%" {
		t.Errorf("cell 2 shows %q, %q", texts[0].Text, texts[1].Text)
	}
	if targets := root.find("text", "target"); len(targets) != 1 {
		t.Errorf("%d target labels, want 1", len(targets))
	}
	l.Hit = nil
	if _, err := l.SVG(); err == nil {
		t.Error("no error without hits")
	}
}
