package chart

import "testing"

// TestModelViewLines draws the model view as mini head views: each head's lines are its weights over
// 0.001, each from its query's row to its key's, carrying the weight; heatmap mode has cells instead.
func TestModelViewLines(t *testing.T) {
	v := &ModelView{Tokens: 3, Weights: [][]float32{weights3}, Heads: []int{2}, Thumb: 30, Lines: true}
	s, err := v.SVG()
	if err != nil {
		t.Fatal(err)
	}
	thumbs := parseSVG(t, s).find("g", "thumb")
	if len(thumbs) != 2 {
		t.Fatalf("%d thumbs, want 2", len(thumbs))
	}
	for h, th := range thumbs {
		want := 0
		for _, w := range weights3[h*9 : (h+1)*9] {
			if w > 0.001 {
				want++
			}
		}
		lines := th.find("g", "lines")[0].find("line", "")
		if len(lines) != want || len(th.find("g", "cells")) != 0 {
			t.Fatalf("head %d: %d lines, want %d, and no cells", h, len(lines), want)
		}
		for _, l := range lines {
			i, j := int(floatAttr(t, l, "data-i")), int(floatAttr(t, l, "data-j"))
			if got := floatAttr(t, l, "data-w"); got != roundTo(float64(weights3[h*9+i*3+j]), 4) {
				t.Errorf("head %d line %d→%d weight %v", h, i, j, got)
			}
			if y1, y2 := floatAttr(t, l, "y1"), floatAttr(t, l, "y2"); y2-y1 != float64(j-i)*10 {
				t.Errorf("head %d line %d→%d runs from y %v to %v", h, i, j, y1, y2)
			}
		}
	}
	v.Lines = false
	s, _ = v.SVG()
	if cells := parseSVG(t, s).find("g", "cells"); len(cells) != 2 || len(cells[0].find("rect", "")) != 9 {
		t.Errorf("heatmap mode: %d cell groups", len(cells))
	}
}
