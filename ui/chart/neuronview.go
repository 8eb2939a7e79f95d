package chart

import (
	"fmt"
	"math"
)

// NeuronView is bertviz's neuron view of one head for one query token: the query vector, and for every
// key its key vector, the elementwise product q⊙k, the score q·k and the attention
// softmax(q·k / Scale), each vector a strip of cells coloured by sign and size.
type NeuronView struct {
	Layer, Head int       // Head by its number before pruning
	Of          int       // the heads of a layer before pruning, for the head's colour
	Tokens      []string  // T tokens
	Token       int       // the query's token
	Query       []float32 // [head_dim]
	Keys        []float32 // [T, head_dim]
	Scores      []float32 // [T] q·k
	Probs       []float32 // [T] the attention
	Scale       float64
	// Causal says the query sees only itself and the tokens before it: the later keys are drawn grey.
	Causal bool
}

const (
	neuronRow   = 20.0
	neuronStrip = 176.0 // the width of one vector's strip
)

// SVG draws the view. The query is <g class="query">; key j is <g class="key" data-index="j"> with
// its strips <g class="k"> and <g class="qk"> of cells carrying data-w, its score <text class="score"
// data-w> and its attention <text class="prob" data-w> with a bar (later keys of a causal model have
// none).
func (v *NeuronView) SVG() (string, error) {
	t := len(v.Tokens)
	hd := len(v.Query)
	if hd == 0 || len(v.Keys) != t*hd || len(v.Scores) != t || len(v.Probs) != t {
		return "", fmt.Errorf("neuron view: %d query values, %d key values, %d scores and %d probabilities for %d tokens", hd, len(v.Keys), len(v.Scores), len(v.Probs), t)
	}
	if v.Token < 0 || v.Token >= t {
		return "", fmt.Errorf("neuron view: token %d does not exist (%d tokens)", v.Token, t)
	}
	tokens := PrettyTokens(v.Tokens)
	big := 0.0 // the largest |value| of the vectors, for one colour scale
	for _, x := range v.Query {
		big = max(big, math.Abs(float64(x)))
	}
	for _, x := range v.Keys {
		big = max(big, math.Abs(float64(x)))
	}
	prodBig := 0.0
	for j := range t {
		for d, q := range v.Query {
			prodBig = max(prodBig, math.Abs(float64(q*v.Keys[j*hd+d])))
		}
	}
	scale, prodScale := Scale{Min: -big, Max: big, Diverging: true}, Scale{Min: -prodBig, Max: prodBig, Diverging: true}
	cell := neuronStrip / float64(hd)
	labelW := maxTextWidth(append(tokens, "query"))
	xK := headViewMargin + labelW + 8
	xQK := xK + neuronStrip + 16
	xScore := xQK + neuronStrip + 16
	xProb := xScore + 56
	width := xProb + 126 + headViewMargin
	top := 92.0
	height := top + float64(t)*neuronRow + headViewMargin + 24
	d := newSVG("neuron-view", width, height)
	d.text(headViewMargin, 14, "start", ` font-weight="bold"`, fmt.Sprintf("Layer %d, head %d: the query of %q", v.Layer, v.Head, tokens[v.Token]))
	drawScale(d, scale, xK+30, 26, 120, "%.2g")
	drawScale(d, prodScale, xQK+30, 26, 120, "%.2g")
	d.printf(`<g class="query">`)
	d.text(xK-8, 54, "end", "", "query")
	strip(d, "q", v.Query, xK, 46, cell, scale)
	d.printf(`</g>`)
	headY := top - 10
	d.text(xK, headY, "start", ` font-weight="bold"`, "key k")
	d.text(xQK, headY, "start", ` font-weight="bold"`, "q ⊙ k")
	d.text(xScore, headY, "start", ` font-weight="bold"`, "q · k")
	d.text(xProb, headY, "start", ` font-weight="bold"`, fmt.Sprintf("softmax(q·k/%.3g)", v.Scale))
	prod := make([]float32, hd)
	for j := range t {
		y := top + float64(j)*neuronRow
		hidden := v.Causal && j > v.Token
		attrs := ""
		if hidden {
			attrs = ` opacity="0.3"`
		}
		d.printf(`<g class="key" data-index="%d"%s>`, j, attrs)
		d.text(xK-8, y+neuronRow/2, "end", ` xml:space="preserve"`, tokens[j])
		k := v.Keys[j*hd : (j+1)*hd]
		strip(d, "k", k, xK, y+2, cell, scale)
		for i, q := range v.Query {
			prod[i] = q * k[i]
		}
		strip(d, "qk", prod, xQK, y+2, cell, prodScale)
		if !hidden {
			d.text(xScore, y+neuronRow/2, "start", fmt.Sprintf(` class="score" data-w="%s"`, weight(v.Scores[j])), fmt.Sprintf("%.3f", v.Scores[j]))
			p := v.Probs[j]
			d.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(xProb), num(y+4), num(64*float64(p)), num(neuronRow-8), HeadColor(v.Head, max(v.Of, v.Head+1)))
			d.text(xProb+68, y+neuronRow/2, "start", fmt.Sprintf(` class="prob" data-w="%s"`, weight(p)), fmt.Sprintf("%.4f", p))
		}
		d.printf(`</g>`)
	}
	d.text(headViewMargin, height-14, "start", ` class="tip" fill="#333"`, "Hover a cell for its value.")
	return d.String(), nil
}

// strip draws a vector as a row of cells at (x, y), coloured by s, in <g class="name">.
func strip(d *svgDoc, name string, vec []float32, x, y, cell float64, s Scale) {
	d.printf(`<g class="%s">`, name)
	for i, v := range vec {
		d.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" data-i="%d" data-w="%s"/>`,
			num(x+float64(i)*cell), num(y), num(cell), num(neuronRow-4), s.Colour(float64(v)), i, weight(v))
	}
	d.printf(`</g>`)
}
