package chart

import (
	"fmt"
	"math"
)

// HeadMap is one value per attention head, layers down and heads across, written in coloured cells:
// head importance or attention entropy. Masked heads are drawn grey and crossed out, whatever their
// value, and the page toggles a head's mask by clicking its cell.
type HeadMap struct {
	Title         string
	Quantity      string // what a value is, for the cells' titles ("importance")
	Layers, Heads int
	Values        []float32 // [layers × heads] row-major
	Masked        []bool    // [layers × heads], or nil when no head is masked
	Pruned        []bool    // [layers × heads]: masked heads that are gone from the weights; or nil
}

// Layout of the head map, in pixels.
const (
	headMapCellW = 48.0
	headMapCellH = 28.0
	headMapLeft  = 64.0 // room for the layer labels
	headMapTop   = 50.0 // room for the title and the head labels
)

// SVG draws the map. Each head is a <g class="cell" data-layer="l" data-head="h"> holding a <title>
// (shown on hover), a rect and, unless it is masked, its value; a masked head's group has the class
// "masked" too, and a pruned one "masked pruned". The colour scale runs from the smallest value to the
// largest, in <g class="legend">.
func (m *HeadMap) SVG() (string, error) {
	n := m.Layers * m.Heads
	if len(m.Values) != n {
		return "", fmt.Errorf("head map %q: %d values for %d layers × %d heads", m.Title, len(m.Values), m.Layers, m.Heads)
	}
	if m.Masked != nil && len(m.Masked) != n || m.Pruned != nil && len(m.Pruned) != n {
		return "", fmt.Errorf("head map %q: %d mask and %d pruning entries for %d layers × %d heads", m.Title, len(m.Masked), len(m.Pruned), m.Layers, m.Heads)
	}
	scale := Scale{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, v := range m.Values {
		if f := float64(v); !math.IsNaN(f) {
			scale.Min, scale.Max = min(scale.Min, f), max(scale.Max, f)
		}
	}
	if scale.Min > scale.Max {
		scale = Scale{Min: 0, Max: 1}
	}
	gridW, gridH := float64(m.Heads)*headMapCellW, float64(m.Layers)*headMapCellH
	width := max(headMapLeft+gridW+headViewMargin, textWidth(m.Title)+2*headViewMargin, headMapLeft+160+headViewMargin+40)
	height := headMapTop + gridH + heatmapLegend + headViewMargin

	d := newSVG("head-map", width, height)
	d.text(width/2, 14, "middle", ` font-weight="bold"`, m.Title)
	for h := range m.Heads {
		d.text(headMapLeft+(float64(h)+0.5)*headMapCellW, headMapTop-10, "middle", ` class="head-label"`, fmt.Sprintf("head %d", h))
	}
	for l := range m.Layers {
		d.text(headMapLeft-8, headMapTop+(float64(l)+0.5)*headMapCellH, "end", ` class="layer-label"`, fmt.Sprintf("layer %d", l))
	}
	d.printf(`<g class="cells" font-size="11">`)
	for l := range m.Layers {
		for h := range m.Heads {
			i := l*m.Heads + h
			x, y := headMapLeft+float64(h)*headMapCellW, headMapTop+float64(l)*headMapCellH
			v := float64(m.Values[i])
			pruned := m.Pruned != nil && m.Pruned[i]
			masked := pruned || m.Masked != nil && m.Masked[i]
			class, state, fill := "cell", "", "#eceef2"
			switch {
			case pruned:
				class, state, fill = "cell masked pruned", " (pruned)", "#c9cdd5"
			case masked:
				class, state = "cell masked", " (masked)"
			}
			d.printf(`<g class="%s" data-layer="%d" data-head="%d" cursor="pointer"><title>%s</title>`, class, l, h,
				escape(fmt.Sprintf("layer %d, head %d: %s %s%s", l, h, m.Quantity, valueText("%.4f", v), state)))
			if masked {
				d.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#fff" stroke-width="2"/>`,
					num(x), num(y), num(headMapCellW), num(headMapCellH), fill)
				d.printf(`<path d="M%s %sL%s %sM%s %sL%s %s" stroke="#8a8f99" stroke-width="1.5"/></g>`,
					num(x+6), num(y+5), num(x+headMapCellW-6), num(y+headMapCellH-5),
					num(x+headMapCellW-6), num(y+5), num(x+6), num(y+headMapCellH-5))
				continue
			}
			d.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#fff" stroke-width="2"/>`,
				num(x), num(y), num(headMapCellW), num(headMapCellH), scale.Colour(v))
			d.text(x+headMapCellW/2, y+headMapCellH/2, "middle", fmt.Sprintf(` fill="%s" pointer-events="none"`, scale.Ink(v)), valueText("%.3f", v))
			d.printf(`</g>`)
		}
	}
	d.printf(`</g><rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#c9cdd5"/>`,
		num(headMapLeft), num(headMapTop), num(gridW), num(gridH))
	drawScale(d, scale, headMapLeft, headMapTop+gridH+10, 160, "%.3g")
	return d.String(), nil
}
