package chart

import (
	"fmt"
	"math"
)

// Scale maps values to colours: from white at Min to dark blue at Max, or, when Diverging, from red at
// −max(|Min|, |Max|) through white at zero to blue at +max(|Min|, |Max|), as for cosine similarities.
// Values outside are clamped; NaN is grey.
type Scale struct {
	Min, Max  float64
	Diverging bool
}

// The ends of the scales.
var (
	scaleLow  = [3]float64{255, 255, 255}
	scaleHigh = [3]float64{23, 64, 140} // positive: dark blue
	scaleNeg  = [3]float64{165, 28, 36} // negative: dark red
	scaleNaN  = "rgb(220,220,220)"
)

// t returns where v lies on the scale: in [0, 1] from white to the positive end, or in [−1, 0) towards
// the negative end of a diverging scale.
func (s Scale) t(v float64) float64 {
	if s.Diverging {
		m := max(math.Abs(s.Min), math.Abs(s.Max))
		if m == 0 {
			return 0
		}
		return max(-1, min(1, v/m))
	}
	if s.Max <= s.Min {
		return 0
	}
	return max(0, min(1, (v-s.Min)/(s.Max-s.Min)))
}

// Colour returns v's colour as rgb(r,g,b).
func (s Scale) Colour(v float64) string {
	if math.IsNaN(v) {
		return scaleNaN
	}
	t := s.t(v)
	end := scaleHigh
	if t < 0 {
		t, end = -t, scaleNeg
	}
	var c [3]int
	for i := range c {
		c[i] = int(math.Round(scaleLow[i] + t*(end[i]-scaleLow[i])))
	}
	return fmt.Sprintf("rgb(%d,%d,%d)", c[0], c[1], c[2])
}

// Ink returns the colour of text written on v's colour: white on dark cells, black on light ones.
func (s Scale) Ink(v float64) string {
	if !math.IsNaN(v) && math.Abs(s.t(v)) > 0.55 {
		return "#fff"
	}
	return "#000"
}

// legendSteps is how many swatches a drawn scale has.
const legendSteps = 10

// drawScale draws the scale as a horizontal strip of swatches at (x, y), width w, with its ends labelled
// by format, in <g class="legend">.
func drawScale(d *svgDoc, s Scale, x, y, w float64, format string) {
	lo, hi := s.Min, s.Max
	if s.Diverging {
		m := max(math.Abs(lo), math.Abs(hi))
		lo, hi = -m, m
	}
	d.printf(`<g class="legend">`)
	step := w / legendSteps
	for k := range legendSteps {
		v := lo + (hi-lo)*(float64(k)+0.5)/legendSteps
		d.printf(`<rect x="%s" y="%s" width="%s" height="8" fill="%s"/>`, num(x+float64(k)*step), num(y), num(step+0.5), s.Colour(v))
	}
	d.text(x-4, y+4, "end", ` font-size="10"`, fmt.Sprintf(format, lo))
	d.text(x+w+4, y+4, "start", ` font-size="10"`, fmt.Sprintf(format, hi))
	d.printf(`</g>`)
}
