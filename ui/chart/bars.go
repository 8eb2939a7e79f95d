package chart

import "fmt"

// Bars is a horizontal bar chart of probabilities, one bar per label: a classifier's prediction.
type Bars struct {
	Title  string
	Labels []string
	Values []float64 // each in [0, 1]
}

const barLength = 240.0

// SVG draws the chart. The bars are the rects of <g class="bars">, one per label, in order.
func (b *Bars) SVG() (string, error) {
	if len(b.Labels) != len(b.Values) {
		return "", fmt.Errorf("bar chart %q: %d labels for %d values", b.Title, len(b.Labels), len(b.Values))
	}
	labelW := maxTextWidth(b.Labels)
	x := headViewMargin + labelW + 8
	width := x + barLength + 60
	height := headViewTop + float64(len(b.Values))*headViewRow + headViewMargin
	d := newSVG("bars", width, height)
	d.text(width/2, 14, "middle", ` font-weight="bold"`, b.Title)
	d.printf(`<g class="bars" fill="%s">`, HeadColor(0, 1))
	for i, v := range b.Values {
		y := headViewTop + float64(i)*headViewRow
		d.printf(`<rect x="%s" y="%s" width="%s" height="%s"/>`, num(x), num(y+3), num(barLength*clamp01(v)), num(headViewRow-6))
	}
	d.printf(`</g>`)
	for i, v := range b.Values {
		y := headViewTop + (float64(i)+0.5)*headViewRow
		d.text(x-6, y, "end", "", b.Labels[i])
		d.text(x+barLength*clamp01(v)+6, y, "start", "", fmt.Sprintf("%.1f%%", 100*v))
	}
	return d.String(), nil
}

func clamp01(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	return min(v, 1)
}
