// Package chart draws bertology's views as standalone SVG documents: plain rects, lines and text written
// by Go, no plotting library. Every chart is a complete <svg> with its size and namespace, so the page
// can show it and the user can save it (as SVG, or as PNG through a canvas) without further work.
//
// The charts draw what they are given and nothing else: one line per attention weight, one rect per
// cell, so their element counts are exact and tests (and the end-to-end tests) can count them.
package chart

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// svgDoc accumulates one SVG document.
type svgDoc struct {
	b strings.Builder
}

// newSVG starts a document of the given size in CSS pixels with a white background, so that a saved
// PNG is not transparent. class names the chart for styling and for tests.
func newSVG(class string, width, height float64) *svgDoc {
	d := &svgDoc{}
	fmt.Fprintf(&d.b, `<svg xmlns="http://www.w3.org/2000/svg" class="%s" width="%s" height="%s" viewBox="0 0 %s %s" font-family="sans-serif" font-size="12">`,
		class, num(width), num(height), num(width), num(height))
	fmt.Fprintf(&d.b, `<rect class="background" width="%s" height="%s" fill="#fff"/>`, num(width), num(height))
	return d
}

func (d *svgDoc) printf(format string, args ...any) { fmt.Fprintf(&d.b, format, args...) }

// text writes a text element; anchor is start, middle or end.
func (d *svgDoc) text(x, y float64, anchor, attrs, s string) {
	d.printf(`<text x="%s" y="%s" text-anchor="%s" dominant-baseline="middle"%s>%s</text>`, num(x), num(y), anchor, attrs, escape(s))
}

func (d *svgDoc) String() string { return d.b.String() + "</svg>" }

// num formats a coordinate with at most two decimals, which is finer than a pixel and keeps files small.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// opacity formats a weight in [0, 1] with three decimals.
func opacity(w float32) string {
	switch {
	case !(w > 0): // also NaN
		return "0"
	case w >= 1:
		return "1"
	}
	return strconv.FormatFloat(math.Round(float64(w)*1000)/1000, 'f', -1, 64)
}

func escape(s string) string { return html.EscapeString(s) }

// textWidth estimates the width of s at font size 12: good enough to lay out token columns without
// measuring text in the browser.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x2E80: // CJK and other wide scripts
			w += 12
		case strings.ContainsRune("il.,;:'!|", r):
			w += 3.5
		case r >= 'A' && r <= 'Z' || strings.ContainsRune("mw#@", r):
			w += 9
		default:
			w += 7
		}
	}
	return w
}

func maxTextWidth(tokens []string) float64 {
	w := 0.0
	for _, t := range tokens {
		w = max(w, textWidth(t))
	}
	return w
}

// HeadColor is the colour of head h, the same in every view: evenly spaced hues, so that any number of
// heads gets distinct colours.
func HeadColor(h, heads int) string {
	if heads < 1 {
		heads = 1
	}
	hue := math.Mod(float64(h)*360/float64(heads)+210, 360)
	return fmt.Sprintf("hsl(%s,70%%,45%%)", num(hue))
}
