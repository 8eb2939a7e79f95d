package chart

import (
	"strings"
	"testing"
)

func TestHeadMap(t *testing.T) {
	m := &HeadMap{Title: "Head importance", Quantity: "importance", Layers: 2, Heads: 3,
		Values: []float32{0.5, 1, 0, 0.25, 0.75, 0.125},
		Masked: []bool{false, true, false, false, false, false},
		Pruned: []bool{false, false, false, false, false, true}}
	s, err := m.SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, s)
	cells := root.find("g", "cell")
	if len(cells) != 6 {
		t.Fatalf("%d cells, want layers × heads = 6", len(cells))
	}
	scale := Scale{Min: 0, Max: 1}
	for k, c := range cells {
		l, h := k/3, k%3
		if c.attr("data-layer") != []string{"0", "1"}[l] || c.attr("data-head") != []string{"0", "1", "2"}[h] {
			t.Errorf("cell %d: layer %q head %q", k, c.attr("data-layer"), c.attr("data-head"))
		}
		title := c.find("title", "")[0].Text
		rect := c.find("rect", "")[0]
		switch k {
		case 1:
			if c.attr("class") != "cell masked" || title != "layer 0, head 1: importance 1.0000 (masked)" || len(c.find("text", "")) != 0 {
				t.Errorf("masked cell: class %q, title %q", c.attr("class"), title)
			}
		case 5:
			if c.attr("class") != "cell masked pruned" || !strings.HasSuffix(title, "(pruned)") {
				t.Errorf("pruned cell: class %q, title %q", c.attr("class"), title)
			}
		default:
			// The scale runs from the smallest value to the largest, and the value is written in the cell.
			v := float64(m.Values[k])
			if rect.attr("fill") != scale.Colour(v) || c.find("text", "")[0].Text != valueText("%.3f", v) {
				t.Errorf("cell %d (%v): fill %s, text %q", k, v, rect.attr("fill"), c.find("text", "")[0].Text)
			}
		}
		if x, y := floatAttr(t, rect, "x"), floatAttr(t, rect, "y"); x != headMapLeft+float64(h)*headMapCellW || y != headMapTop+float64(l)*headMapCellH {
			t.Errorf("cell %d at (%v, %v)", k, x, y)
		}
	}
	if n := len(root.find("g", "legend")[0].find("rect", "")); n != legendSteps {
		t.Errorf("legend has %d swatches", n)
	}

	m.Masked = m.Masked[:5]
	if _, err := m.SVG(); err == nil || !strings.Contains(err.Error(), "5 mask and 6 pruning entries for 2 layers × 3 heads") {
		t.Errorf("short mask: error %v", err)
	}
	m.Masked, m.Values = nil, m.Values[:4]
	if _, err := m.SVG(); err == nil || !strings.Contains(err.Error(), "4 values for 2 layers × 3 heads") {
		t.Errorf("short values: error %v", err)
	}
}
