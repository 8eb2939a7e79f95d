package chart

import (
	"fmt"
)

// Confusion is a classifier's confusion matrix: one row per true label, one column per predicted
// class, each cell the number of examples with that label and prediction, written in the cell and
// coloured by it. Its tooltips give the counts with their share of the row, and a legend the scale.
type Confusion struct {
	Classes []string // class names, by id
	Counts  [][]int  // [label][predicted]
	// Selected is the cell drawn outlined (the table's filter), or -1, -1.
	Selected [2]int
	Cell     float64 // cell side in pixels
}

// Layout of the confusion matrix, in pixels.
const (
	confusionAxis  = 18.0 // room for an axis title
	confusionLabel = 16.0 // room for the column labels
)

// SVG draws the matrix. Each cell is a <g class="cell" data-label="i" data-predicted="j"> holding its
// rect, its count (<text class="count">) and a <title>.
func (c *Confusion) SVG() (string, error) {
	n := len(c.Classes)
	if n == 0 || len(c.Counts) != n {
		return "", fmt.Errorf("confusion matrix: %d rows of counts for %d classes", len(c.Counts), n)
	}
	most, total := 0, 0
	for i, row := range c.Counts {
		if len(row) != n {
			return "", fmt.Errorf("confusion matrix: row %d has %d counts for %d classes", i, len(row), n)
		}
		for _, v := range row {
			most, total = max(most, v), total+v
		}
	}
	if c.Cell <= 0 {
		return "", fmt.Errorf("confusion matrix: cell size %v", c.Cell)
	}
	rowLabels := maxTextWidth(c.Classes) + 8
	x0 := headViewMargin + confusionAxis + rowLabels
	y0 := headViewMargin + confusionAxis + confusionLabel
	gridW := float64(n) * c.Cell
	width := x0 + max(gridW, textWidth("predicted class")) + 36 + headViewMargin
	height := y0 + gridW + heatmapLegend + 14 + headViewMargin
	d := newSVG("confusion", width, height)
	d.text(x0+gridW/2, headViewMargin+8, "middle", ` font-weight="bold" class="axis-title"`, "predicted class")
	ly := y0 + gridW/2
	lx := headViewMargin + 8
	d.text(lx, ly, "middle", fmt.Sprintf(` font-weight="bold" class="axis-title" transform="rotate(-90 %s %s)"`, num(lx), num(ly)), "label")
	for j, name := range c.Classes {
		d.text(x0+(float64(j)+0.5)*c.Cell, y0-8, "middle", ` class="col-label"`, clip(name, c.Cell))
	}
	scale := Scale{Min: 0, Max: float64(max(most, 1))}
	for i, name := range c.Classes {
		d.text(x0-6, y0+(float64(i)+0.5)*c.Cell, "end", ` class="row-label"`, name)
		rowTotal := 0
		for _, v := range c.Counts[i] {
			rowTotal += v
		}
		for j, v := range c.Counts[i] {
			x, y := x0+float64(j)*c.Cell, y0+float64(i)*c.Cell
			share := 0.0
			if rowTotal > 0 {
				share = 100 * float64(v) / float64(rowTotal)
			}
			what := "right"
			if i != j {
				what = "wrong"
			}
			d.printf(`<g class="cell" data-label="%d" data-predicted="%d" style="cursor:pointer">`, i, j)
			d.printf(`<title>label %s, predicted %s (%s): %d examples, %.1f%% of label %s; click to list them</title>`,
				escape(name), escape(c.Classes[j]), what, v, share, escape(name))
			d.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#fff"/>`, num(x), num(y), num(c.Cell), num(c.Cell), scale.Colour(float64(v)))
			d.text(x+c.Cell/2, y+c.Cell/2, "middle", fmt.Sprintf(` class="count" font-size="14" fill="%s"`, scale.Ink(float64(v))), fmt.Sprint(v))
			d.printf(`</g>`)
		}
	}
	d.printf(`<rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#999"/>`, num(x0), num(y0), num(gridW), num(gridW))
	if i, j := c.Selected[0], c.Selected[1]; i >= 0 && i < n && j >= 0 && j < n {
		d.printf(`<rect class="selected" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#e08000" stroke-width="3"/>`,
			num(x0+float64(j)*c.Cell+1.5), num(y0+float64(i)*c.Cell+1.5), num(c.Cell-3), num(c.Cell-3))
	}
	legendW := max(80, min(gridW, 160))
	drawScale(d, scale, x0+(gridW-legendW)/2, y0+gridW+10, legendW, "%.0f")
	d.text(x0+gridW/2, y0+gridW+heatmapLegend+6, "middle", ` class="note" font-size="11"`, fmt.Sprintf("%d examples; the diagonal is right", total))
	return d.String(), nil
}

// clip shortens a label to fit a width, ending it with "…".
func clip(s string, width float64) string {
	if textWidth(s) <= width-4 {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && textWidth(string(r)+"…") > width-4 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
