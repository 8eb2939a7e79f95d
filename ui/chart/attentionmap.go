package chart

import "fmt"

// AttentionMap is one head's attention as a heatmap: row i is query token i, column j is key token j,
// and a cell is as opaque as the weight, in the head's colour. Without Tokens it is a bare thumbnail
// (the model view's grid); with Tokens it gets a title and token labels on both axes.
type AttentionMap struct {
	Layer, Head int
	Heads       int       // heads in the layer, for the head's colour
	Size        int       // T tokens
	Tokens      []string  // T labels, or nil for a thumbnail
	Weights     []float32 // [T, T] row-major (query, key)
	Cell        float64   // cell size in pixels
}

// SVG draws the map. Its T × T cells are the rects of <g class="cells">.
func (m *AttentionMap) SVG() (string, error) {
	t := m.Size
	if len(m.Weights) != t*t {
		return "", fmt.Errorf("attention map of layer %d head %d: %d weights, want %d × %d", m.Layer, m.Head, len(m.Weights), t, t)
	}
	if m.Tokens != nil && len(m.Tokens) != t {
		return "", fmt.Errorf("attention map of layer %d head %d: %d token labels for %d tokens", m.Layer, m.Head, len(m.Tokens), t)
	}
	left, top, margin := 0.0, 0.0, 0.0
	if m.Tokens != nil {
		margin = headViewMargin
		labels := maxTextWidth(m.Tokens) + 6
		left, top = margin+labels, 24+labels
	}
	side := float64(t) * m.Cell
	width, height := left+side+margin, top+side+margin

	class := "attn-map"
	if m.Tokens == nil {
		class += " thumb"
	}
	d := newSVG(class, width, height)
	if m.Tokens != nil {
		d.text(width/2, 12, "middle", ` font-weight="bold"`, fmt.Sprintf("Layer %d, head %d", m.Layer, m.Head))
		for i, tok := range m.Tokens {
			c := (float64(i) + 0.5) * m.Cell
			d.text(left-4, top+c, "end", "", tok)
			x, y := left+c, top-4
			d.text(x, y, "start", fmt.Sprintf(` transform="rotate(-90 %s %s)"`, num(x), num(y)), tok)
		}
	}
	drawCells(d, left, top, m.Cell, t, m.Weights, HeadColor(m.Head, m.Heads))
	return d.String(), nil
}

// drawCells draws a t × t heatmap of weights with its top left corner at (x, y): the rects of
// <g class="cells">, row by row, and a frame around them.
func drawCells(d *svgDoc, x, y, cell float64, t int, weights []float32, colour string) {
	d.printf(`<g class="cells" fill="%s">`, colour)
	c := num(cell)
	for i := range t {
		for j := range t {
			w := weights[i*t+j]
			d.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill-opacity="%s" data-i="%d" data-j="%d" data-w="%s"/>`,
				num(x+float64(j)*cell), num(y+float64(i)*cell), c, c, opacity(w), i, j, weight(w))
		}
	}
	side := num(float64(t) * cell)
	d.printf(`</g><rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#999"/>`, num(x), num(y), side, side)
}

// drawLines draws a t × t attention as bertviz's model view does: a line from each query on the left of
// a square of side t·cell at x, y to each key on its right, as opaque as its weight, in <g class="lines">.
func drawLines(d *svgDoc, x, y, cell float64, t int, weights []float32, colour string) {
	d.printf(`<g class="lines" stroke="%s" stroke-width="1">`, colour)
	x1, x2 := num(x+2), num(x+float64(t)*cell-2)
	for i := range t {
		for j := range t {
			w := weights[i*t+j]
			if !(w > 0.001) { // invisible lines, left out to keep the grid small
				continue
			}
			d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke-opacity="%s" data-i="%d" data-j="%d" data-w="%s"/>`,
				x1, num(y+(float64(i)+0.5)*cell), x2, num(y+(float64(j)+0.5)*cell), opacity(w), i, j, weight(w))
		}
	}
	side := num(float64(t) * cell)
	d.printf(`</g><rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="#fff" fill-opacity="0" stroke="#ddd"/>`, num(x), num(y), side, side)
}
