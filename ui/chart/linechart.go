package chart

import (
	"fmt"
	"math"
)

// LineChart plots series of values over the same points of an x axis, such as a probe's accuracy at
// every depth of a model, with horizontal reference lines such as a baseline.
type LineChart struct {
	Title          string
	XLabel, YLabel string
	XTicks         []string // one label per x position; every series has this many values
	Series         []Series
	References     []Reference
	YMin, YMax     float64 // the y axis's range
	Width, Height  float64 // of the plotting area, in pixels
}

// Series is one line of a LineChart.
type Series struct {
	Name   string
	Colour string
	Values []float64 // NaN leaves a gap
}

// Reference is a horizontal line across a LineChart.
type Reference struct {
	Name  string
	Value float64
}

const (
	lineChartLeft   = 48.0 // room for the y ticks and title
	lineChartBottom = 40.0 // room for the x ticks and title
	lineChartLegend = 18.0 // one line of the legend
)

// SVG draws the chart. Series k is <g class="series" data-series="name"> with its line and one circle
// per value; reference lines are the lines of <g class="reference">.
func (c *LineChart) SVG() (string, error) {
	n := len(c.XTicks)
	for _, s := range c.Series {
		if len(s.Values) != n {
			return "", fmt.Errorf("line chart %q: series %q has %d values for %d x positions", c.Title, s.Name, len(s.Values), n)
		}
	}
	if !(c.YMax > c.YMin) {
		return "", fmt.Errorf("line chart %q: y range [%v, %v]", c.Title, c.YMin, c.YMax)
	}
	legend := len(c.Series) + len(c.References)
	left, top := headViewMargin+lineChartLeft, headViewTop+float64(legend)*lineChartLegend+8
	width, height := left+c.Width+headViewMargin+20, top+c.Height+lineChartBottom+headViewMargin
	px := func(i int) float64 {
		if n == 1 {
			return left + c.Width/2
		}
		return left + c.Width*float64(i)/float64(n-1)
	}
	py := func(v float64) float64 {
		return top + c.Height*(1-(max(c.YMin, min(c.YMax, v))-c.YMin)/(c.YMax-c.YMin))
	}

	d := newSVG("line-chart", width, height)
	d.text(width/2, 14, "middle", ` font-weight="bold"`, c.Title)
	// Axes, ticks and grid.
	d.printf(`<g class="grid" stroke="#e3e6ec">`)
	for k := 0; k <= 4; k++ {
		v := c.YMin + (c.YMax-c.YMin)*float64(k)/4
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(left), num(py(v)), num(left+c.Width), num(py(v)))
	}
	d.printf(`</g>`)
	for k := 0; k <= 4; k++ {
		v := c.YMin + (c.YMax-c.YMin)*float64(k)/4
		d.text(left-6, py(v), "end", ` font-size="11"`, fmt.Sprintf("%.2g", v))
	}
	for i, t := range c.XTicks {
		d.text(px(i), top+c.Height+12, "middle", ` font-size="11"`, t)
	}
	d.printf(`<rect class="frame" x="%s" y="%s" width="%s" height="%s" fill="none" stroke="#999"/>`, num(left), num(top), num(c.Width), num(c.Height))
	d.text(left+c.Width/2, top+c.Height+30, "middle", "", c.XLabel)
	yx, yy := headViewMargin+6, top+c.Height/2
	d.text(yx, yy, "middle", fmt.Sprintf(` transform="rotate(-90 %s %s)"`, num(yx), num(yy)), c.YLabel)

	legendY := func(k int) float64 { return headViewTop + (float64(k)+0.5)*lineChartLegend }
	for k, r := range c.References {
		d.printf(`<g class="reference" stroke="#777" stroke-dasharray="5 4">`)
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/>`, num(left), num(py(r.Value)), num(left+c.Width), num(py(r.Value)))
		y := legendY(len(c.Series) + k)
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s"/></g>`, num(left), num(y), num(left+24), num(y))
		d.text(left+30, y, "start", ` font-size="12"`, fmt.Sprintf("%s (%s)", r.Name, valueText("%.3g", r.Value)))
	}
	for k, s := range c.Series {
		d.printf(`<g class="series" data-series="%s" stroke="%s" fill="%s">`, escape(s.Name), s.Colour, s.Colour)
		// The line, broken where a value is missing.
		path := ""
		move := true
		for i, v := range s.Values {
			if math.IsNaN(v) {
				move = true
				continue
			}
			op := "L"
			if move {
				op, move = "M", false
			}
			path += fmt.Sprintf("%s%s %s ", op, num(px(i)), num(py(v)))
		}
		if path != "" {
			d.printf(`<path d="%s" fill="none" stroke-width="2"/>`, path[:len(path)-1])
		}
		for i, v := range s.Values {
			if !math.IsNaN(v) {
				d.printf(`<circle cx="%s" cy="%s" r="4"><title>%s at %s: %s</title></circle>`, num(px(i)), num(py(v)), escape(s.Name), escape(c.XTicks[i]), valueText("%.3f", v))
			}
		}
		y := legendY(k)
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke-width="2"/></g>`, num(left), num(y), num(left+24), num(y))
		d.text(left+30, y, "start", ` font-size="12"`, s.Name)
	}
	return d.String(), nil
}
