package chart

import (
	"fmt"
	"math"
)

// Scatter is a labelled scatter plot, such as the token vectors of one layer on their first two
// principal components. The points are coloured from the first to the last in order, so that the
// sequence can be followed.
type Scatter struct {
	Title          string
	XLabel, YLabel string
	Labels         []string  // one per point
	X, Y           []float64 // the points' coordinates
	Side           float64   // the plotting area is a Side × Side square, in pixels
}

const scatterAxis = 34.0 // room for an axis title and its ticks

// SVG draws the plot. The points are the circles of <g class="points">, in order, each with its label in
// <g class="labels">.
func (s *Scatter) SVG() (string, error) {
	n := len(s.Labels)
	if len(s.X) != n || len(s.Y) != n {
		return "", fmt.Errorf("scatter %q: %d labels, %d x and %d y values", s.Title, n, len(s.X), len(s.Y))
	}
	for i := range n {
		if math.IsNaN(s.X[i]) || math.IsInf(s.X[i], 0) || math.IsNaN(s.Y[i]) || math.IsInf(s.Y[i], 0) {
			return "", fmt.Errorf("scatter %q: point %d is (%v, %v)", s.Title, i, s.X[i], s.Y[i])
		}
	}
	// Both axes share one scale, so that distances on the page are distances in the plane.
	xlo, xhi := span(s.X)
	ylo, yhi := span(s.Y)
	r := max(xhi-xlo, yhi-ylo)
	if r == 0 {
		r = 1
	}
	r *= 1.15 // room for the points at the edges
	xc, yc := (xlo+xhi)/2, (ylo+yhi)/2
	left, top := headViewMargin+scatterAxis, headViewTop
	labelRoom := maxTextWidth(s.Labels) + 8 // a label may stick out on the right
	width, height := left+s.Side+labelRoom, top+s.Side+scatterAxis+headViewMargin
	px := func(x float64) float64 { return left + s.Side*(0.5+(x-xc)/r) }
	py := func(y float64) float64 { return top + s.Side*(0.5-(y-yc)/r) }

	d := newSVG("scatter", width, height)
	d.text(width/2, 14, "middle", ` font-weight="bold"`, s.Title)
	d.printf(`<rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#999"/>`, num(left), num(top), num(s.Side), num(s.Side))
	// The axes through the origin, where it is in view.
	if x0 := px(0); x0 > left && x0 < left+s.Side {
		d.printf(`<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#ccc" stroke-dasharray="4 3"/>`, num(x0), num(top), num(x0), num(top+s.Side))
	}
	if y0 := py(0); y0 > top && y0 < top+s.Side {
		d.printf(`<line class="axis" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#ccc" stroke-dasharray="4 3"/>`, num(left), num(y0), num(left+s.Side), num(y0))
	}
	d.text(left+s.Side/2, top+s.Side+scatterAxis/2, "middle", "", s.XLabel)
	yx, yy := headViewMargin+6, top+s.Side/2
	d.text(yx, yy, "middle", fmt.Sprintf(` transform="rotate(-90 %s %s)"`, num(yx), num(yy)), s.YLabel)

	d.printf(`<g class="points" stroke="#fff">`)
	for i := range n {
		d.printf(`<circle cx="%s" cy="%s" r="5" fill="%s"><title>%d: %s (%s, %s)</title></circle>`,
			num(px(s.X[i])), num(py(s.Y[i])), sequenceColour(i, n), i, escape(s.Labels[i]), valueText("%.3g", s.X[i]), valueText("%.3g", s.Y[i]))
	}
	d.printf(`</g><g class="labels" font-size="11">`)
	for i, l := range s.Labels {
		d.text(px(s.X[i])+7, py(s.Y[i])-6, "start", "", l)
	}
	d.printf(`</g>`)
	return d.String(), nil
}

// span returns the least and the greatest of v, or 0, 0 for none.
func span(v []float64) (lo, hi float64) {
	if len(v) == 0 {
		return 0, 0
	}
	lo, hi = v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// sequenceColour is the colour of item i of n in order: from blue through green to orange.
func sequenceColour(i, n int) string {
	t := 0.0
	if n > 1 {
		t = float64(i) / float64(n-1)
	}
	return fmt.Sprintf("hsl(%s,70%%,42%%)", num(220-190*t))
}
