package chart

import (
	"fmt"
	"math"
)

// Heatmap is a matrix drawn as coloured cells with labelled rows and columns: token × token maps
// (cosine similarity of hidden states, attention, rollout, flow) and layer × head maps (attention
// statistics). Each cell's tooltip gives its row, column and value.
type Heatmap struct {
	Name       string    // data-name of the map's group, for tests and styling
	Title      string    // above the map; may be empty
	Rows, Cols []string  // labels, R and C of them
	Values     []float64 // [R, C] row-major; NaN cells are grey
	Scale      Scale
	Cell       float64 // cell side in pixels
	// Format prints a value in the tooltips and at the ends of the legend ("%.2f" when empty).
	Format string
	// Notes are lines of text under the legend, such as the heads with the highest values.
	Notes []string
}

// Layout of heatmaps, in pixels.
const (
	heatmapTitle  = 20.0 // room for a title
	heatmapLegend = 30.0 // room for the legend under the cells
	heatmapNote   = 16.0 // one line of notes
	heatmapGap    = 28.0 // between the maps of SmallMultiples
)

func (h *Heatmap) format() string {
	if h.Format == "" {
		return "%.2f"
	}
	return h.Format
}

func (h *Heatmap) check() error {
	if len(h.Values) != len(h.Rows)*len(h.Cols) {
		return fmt.Errorf("heatmap %q: %d values for %d rows × %d columns", h.Title, len(h.Values), len(h.Rows), len(h.Cols))
	}
	if h.Cell <= 0 {
		return fmt.Errorf("heatmap %q: cell size %v", h.Title, h.Cell)
	}
	return nil
}

// rotated reports whether the column labels are written upwards, because they are wider than a cell.
func (h *Heatmap) rotated() bool { return maxTextWidth(h.Cols) > h.Cell-2 }

// origin is the top left corner of the cells: right of the row labels, under the title and the column
// labels.
func (h *Heatmap) origin() (x, y float64) {
	x = maxTextWidth(h.Rows) + 6
	y = 16.0
	if h.rotated() {
		y = maxTextWidth(h.Cols) + 6
	}
	if h.Title != "" {
		y += heatmapTitle
	}
	return x, y
}

// size is the width and height the map takes.
func (h *Heatmap) size() (w, ht float64) {
	x, y := h.origin()
	gridW := float64(len(h.Cols)) * h.Cell
	// The legend's end labels stick out by about 30 pixels on either side.
	w = max(x+gridW, textWidth(h.Title)) + 36
	for _, n := range h.Notes {
		w = max(w, textWidth(n)+8)
	}
	ht = y + float64(len(h.Rows))*h.Cell + heatmapLegend + float64(len(h.Notes))*heatmapNote + 4
	return w, ht
}

// SVG draws the map alone.
func (h *Heatmap) SVG() (string, error) {
	if err := h.check(); err != nil {
		return "", err
	}
	w, ht := h.size()
	d := newSVG("heatmap", w+2*headViewMargin, ht+2*headViewMargin)
	d.printf(`<g transform="translate(%s,%s)">`, num(headViewMargin), num(headViewMargin))
	h.draw(d)
	d.printf(`</g>`)
	return d.String(), nil
}

// draw writes the map with its top left corner at the document's origin, in <g class="heatmap"
// data-name="...">: the title, the labels, the cells (the rects of <g class="cells">, row by row, each
// with a <title> naming its row, column and value), the legend and the notes (<text class="note">).
func (h *Heatmap) draw(d *svgDoc) {
	x0, y0 := h.origin()
	R, C := len(h.Rows), len(h.Cols)
	w, _ := h.size()
	d.printf(`<g class="heatmap" data-name="%s">`, escape(h.Name))
	if h.Title != "" {
		d.text(w/2, 8, "middle", ` font-weight="bold"`, h.Title)
	}
	for i, r := range h.Rows {
		d.text(x0-4, y0+(float64(i)+0.5)*h.Cell, "end", ` class="row-label"`, r)
	}
	for j, c := range h.Cols {
		x := x0 + (float64(j)+0.5)*h.Cell
		if h.rotated() {
			d.text(x, y0-4, "start", fmt.Sprintf(` class="col-label" transform="rotate(-90 %s %s)"`, num(x), num(y0-4)), c)
		} else {
			d.text(x, y0-8, "middle", ` class="col-label"`, c)
		}
	}
	d.printf(`<g class="cells">`)
	c := num(h.Cell)
	for i := range R {
		for j := range C {
			v := h.Values[i*C+j]
			d.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s, %s: %s</title></rect>`,
				num(x0+float64(j)*h.Cell), num(y0+float64(i)*h.Cell), c, c, h.Scale.Colour(v),
				escape(h.Rows[i]), escape(h.Cols[j]), valueText(h.format(), v))
		}
	}
	gridW, gridH := float64(C)*h.Cell, float64(R)*h.Cell
	d.printf(`</g><rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#999"/>`, num(x0), num(y0), num(gridW), num(gridH))
	legendW := max(60, min(gridW, 160))
	drawScale(d, h.Scale, x0+(gridW-legendW)/2, y0+gridH+10, legendW, h.format())
	for k, n := range h.Notes {
		d.text(0, y0+gridH+heatmapLegend+(float64(k)+0.5)*heatmapNote, "start", ` class="note" font-size="11"`, n)
	}
	d.printf(`</g>`)
}

// valueText formats v, or says "none" for NaN, a value that does not exist.
func valueText(format string, v float64) string {
	if math.IsNaN(v) {
		return "none"
	}
	return fmt.Sprintf(format, v)
}

// SmallMultiples draws several heatmaps side by side, Columns of them a row, in one SVG document.
type SmallMultiples struct {
	Class   string // the document's class, for styling and tests
	Title   string
	Maps    []*Heatmap
	Columns int // maps per row; 0 puts them all in one row
}

// SVG draws the maps, each as <g class="heatmap" data-name="…"> inside a <g transform="translate(x,y)">.
func (s *SmallMultiples) SVG() (string, error) {
	cols := s.Columns
	if cols <= 0 {
		cols = max(1, len(s.Maps))
	}
	type placed struct{ x, y float64 }
	at := make([]placed, len(s.Maps))
	top := headViewMargin
	if s.Title != "" {
		top += heatmapTitle + 6
	}
	width, y := 0.0, top
	for first := 0; first < len(s.Maps); first += cols {
		x, rowH := headViewMargin, 0.0
		for k := first; k < min(first+cols, len(s.Maps)); k++ {
			m := s.Maps[k]
			if err := m.check(); err != nil {
				return "", err
			}
			w, h := m.size()
			at[k] = placed{x, y}
			x += w + heatmapGap
			rowH = max(rowH, h)
		}
		width = max(width, x-heatmapGap+headViewMargin)
		y += rowH + heatmapGap
	}
	height := y - heatmapGap + headViewMargin
	width = max(width, textWidth(s.Title)+2*headViewMargin)
	d := newSVG(s.Class, width, height)
	if s.Title != "" {
		d.text(width/2, headViewMargin+8, "middle", ` font-weight="bold" font-size="14"`, s.Title)
	}
	for k, m := range s.Maps {
		d.printf(`<g transform="translate(%s,%s)">`, num(at[k].x), num(at[k].y))
		m.draw(d)
		d.printf(`</g>`)
	}
	return d.String(), nil
}
