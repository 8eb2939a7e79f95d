package chart

import (
	"fmt"
	"math"

	"bertology/core/saliency"
)

// AttributionGraph draws attention attribution's graph (core/saliency's BuildGraph): the tokens of every
// layer as rows, the embeddings at the bottom and the last layer's output at the top, and each edge as
// a line from a key token of layer l's input up to the query token of its output that reads it, its
// width proportional to |attribution|, blue when it raises the logit and red when it lowers it.
type AttributionGraph struct {
	Title  string
	Tokens []string
	Layers int
	Target int // the position the logit reads, marked at the top
	Edges  []saliency.Edge
}

// Layout of the graph, in pixels.
const (
	graphRow    = 56.0 // between two layers' rows
	graphTop    = 44.0 // room for the title and the legend
	graphLeft   = 84.0 // room for the row labels
	graphMaxW   = 8.0  // the strongest edge's width
	graphMinCol = 44.0
)

// SVG draws the graph. The edges are the lines of <g class="edges">, in the order given, each with a
// <title> (shown on hover) naming its layer, tokens and value; the tokens an edge touches are bold.
func (g *AttributionGraph) SVG() (string, error) {
	T := len(g.Tokens)
	if g.Target < 0 || g.Target >= T {
		return "", fmt.Errorf("attribution graph %q: target position %d of %d tokens", g.Title, g.Target, T)
	}
	biggest := 0.0
	for i, e := range g.Edges {
		if e.Layer < 0 || e.Layer >= g.Layers || e.From < 0 || e.From >= T || e.To < 0 || e.To >= T {
			return "", fmt.Errorf("attribution graph %q: edge %d (layer %d, %d → %d) outside %d layers of %d tokens", g.Title, i, e.Layer, e.From, e.To, g.Layers, T)
		}
		biggest = max(biggest, math.Abs(e.Value))
	}
	tokens := PrettyTokens(g.Tokens)
	col := max(graphMinCol, maxTextWidth(tokens)+12)
	width := max(graphLeft+float64(T)*col+headViewMargin, textWidth(g.Title)+2*headViewMargin, 520)
	height := graphTop + float64(g.Layers)*graphRow + 2*headViewMargin + 12
	x := func(i int) float64 { return graphLeft + (float64(i)+0.5)*col }
	y := func(row int) float64 { return graphTop + 12 + float64(g.Layers-row)*graphRow } // row 0: embeddings
	d := newSVG("attribution-graph", width, height)
	d.text(width/2, 14, "middle", ` font-weight="bold"`, g.Title)
	scale := Scale{Min: -biggest, Max: biggest, Diverging: true}
	d.text(headViewMargin, 32, "start", ` font-size="10"`, "width ∝ |attribution|; blue raises the logit, red lowers it")
	drawScale(d, scale, width-headViewMargin-160-40, 28, 160, "%.3f")
	touched := make(map[[2]int]bool)
	d.printf(`<g class="edges" stroke-linecap="round">`)
	for _, e := range g.Edges {
		w := 0.5
		if biggest > 0 {
			w += (graphMaxW - 0.5) * math.Abs(e.Value) / biggest
		}
		touched[[2]int{e.Layer, e.From}], touched[[2]int{e.Layer + 1, e.To}] = true, true
		d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s" stroke-opacity="0.8" data-layer="%d" data-from="%d" data-to="%d"><title>%s</title></line>`,
			num(x(e.From)), num(y(e.Layer)-8), num(x(e.To)), num(y(e.Layer+1)+8), scale.Colour(math.Copysign(max(math.Abs(e.Value), 0.35*biggest), e.Value)), num(w),
			e.Layer, e.From, e.To, escape(fmt.Sprintf("layer %d: %s ← %s %.4f", e.Layer, tokens[e.To], tokens[e.From], e.Value)))
	}
	d.printf(`</g><g class="tokens">`)
	for row := 0; row <= g.Layers; row++ {
		label := fmt.Sprintf("layer %d out", row-1)
		if row == 0 {
			label = "embeddings"
		}
		d.text(headViewMargin, y(row), "start", ` font-size="11" fill="#555"`, label)
		for i, t := range tokens {
			attrs := ` fill="#999"`
			if touched[[2]int{row, i}] || row == g.Layers && i == g.Target {
				attrs = ` font-weight="bold"`
			}
			d.text(x(i), y(row), "middle", attrs, t)
		}
	}
	d.printf(`</g>`)
	return d.String(), nil
}
