package chart

import (
	"fmt"
	"strings"
)

// HeadView is a bertviz head view of one layer: the tokens in two columns and, for each selected head,
// a line from each token on the left (the query) to each token on the right (the key) in the head's
// colour, as opaque as the attention weight divided by the number of heads drawn. Beside each column
// stand one box per head and token, which the page's views.js fills with the weights of the token
// hovered on the other side; above, a swatch per head.
type HeadView struct {
	Layer  int      // for the title
	Tokens []string // T tokens
	Heads  int      // H heads in the layer
	// Numbers are the heads' numbers before pruning, for their labels and colours (a pruned layer may
	// hold heads 0 and 7 of 8), and Of how many heads a layer had then; nil and 0: heads 0 to H-1 of H.
	Numbers []int
	Of      int
	Weights []float32 // [H, T, T] row-major (head, query, key)
	// Selected lists the heads to draw.
	Selected []int
	// Focus is the query token whose lines alone are drawn, or -1 for all tokens.
	Focus int
	// Sentences are the tokens' sentences (0: A, 1: B; see Sentences), nil for one sentence; Pairs
	// keeps only the lines between the sentences it names.
	Sentences []int
	Pairs     Pairs
}

// Layout of the head view, in pixels.
const (
	headViewRow    = 22.0  // row height
	headViewTop    = 58.0  // room for the title and the swatches
	headViewGap    = 180.0 // horizontal run of the lines
	headViewMargin = 10.0
	headViewBox    = 7.0 // width of one head's box beside a token
)

// SVG draws the view. The lines of the head numbered n (see Numbers) are in <g class="head"
// data-head="n">, each <line data-i="query" data-j="key" data-w="weight">; tokens are <text
// class="token" data-side="left|right" data-index="i">; the boxes <rect class="box" data-side
// data-head data-index>; the swatches <rect class="swatch" data-head> (data-on="0" when not drawn).
func (v *HeadView) SVG() (string, error) {
	t := len(v.Tokens)
	if len(v.Weights) != v.Heads*t*t {
		return "", fmt.Errorf("head view: %d attention weights, want heads × tokens × tokens = %d × %d × %d", len(v.Weights), v.Heads, t, t)
	}
	for _, h := range v.Selected {
		if h < 0 || h >= v.Heads {
			return "", fmt.Errorf("head view: head %d does not exist (layer %d has %d heads)", h, v.Layer, v.Heads)
		}
	}
	if v.Numbers != nil && len(v.Numbers) != v.Heads {
		return "", fmt.Errorf("head view: %d head numbers for %d heads", len(v.Numbers), v.Heads)
	}
	if v.Focus >= t {
		return "", fmt.Errorf("head view: token %d does not exist (%d tokens)", v.Focus, t)
	}
	if v.Sentences != nil && len(v.Sentences) != t {
		return "", fmt.Errorf("head view: %d sentences for %d tokens", len(v.Sentences), t)
	}
	tokens := PrettyTokens(v.Tokens)
	tokW := maxTextWidth(tokens)
	boxes := float64(len(v.Selected)) * headViewBox
	leftBoxes := headViewMargin
	leftText := leftBoxes + boxes + 4 + tokW
	x1 := leftText + 6
	x2 := x1 + headViewGap
	rightText := x2 + 6
	rightBoxes := rightText + tokW + 4
	width := rightBoxes + boxes + headViewMargin
	width = max(width, headViewMargin*2+float64(v.Heads)*18+40)
	height := headViewTop + float64(t)*headViewRow + 2*headViewRow + headViewMargin
	rowY := func(i int) float64 { return headViewTop + (float64(i)+0.5)*headViewRow }

	d := newSVG("head-view", width, height)
	d.text(width/2, 14, "middle", ` font-weight="bold"`, fmt.Sprintf("Layer %d", v.Layer))
	// the legend: a swatch per head, clicked to toggle it, double-clicked to show it alone
	drawn := map[int]bool{}
	for _, h := range v.Selected {
		drawn[h] = true
	}
	d.text(headViewMargin, 36, "start", "", "Heads")
	for h := range v.Heads {
		n, of := v.number(h)
		on, opacity := 1, "1"
		if !drawn[h] {
			on, opacity = 0, "0.25"
		}
		x := headViewMargin + 44 + float64(h)*18
		d.printf(`<rect class="swatch" data-head="%d" data-on="%d" x="%s" y="28" width="14" height="14" fill="%s" fill-opacity="%s" cursor="pointer"><title>head %d: click to show or hide, double-click to show it alone</title></rect>`,
			n, on, num(x), HeadColor(n, of), opacity, n)
	}
	active := float32(max(len(v.Selected), 1))
	for _, h := range v.Selected {
		n, of := v.number(h)
		d.printf(`<g class="head" data-head="%d" stroke="%s" stroke-width="2">`, n, HeadColor(n, of))
		for i := range t {
			if v.Focus >= 0 && i != v.Focus {
				continue
			}
			row := v.Weights[(h*t+i)*t : (h*t+i+1)*t]
			for j, w := range row {
				if v.Sentences != nil && !v.Pairs.keeps(v.Sentences[i], v.Sentences[j]) {
					continue
				}
				d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke-opacity="%s" data-i="%d" data-j="%d" data-w="%s"/>`,
					num(x1), num(rowY(i)), num(x2), num(rowY(j)), opacity(w/active), i, j, weight(w))
			}
		}
		d.printf(`</g>`)
	}
	for k, h := range v.Selected {
		n, of := v.number(h)
		for i := range t {
			for _, side := range []struct {
				name string
				x    float64
			}{{"left", leftBoxes}, {"right", rightBoxes}} {
				d.printf(`<rect class="box" data-side="%s" data-head="%d" data-index="%d" x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="0"/>`,
					side.name, n, i, num(side.x+float64(k)*headViewBox), num(rowY(i)-headViewRow/2+2), num(headViewBox-1), num(headViewRow-4), HeadColor(n, of))
			}
		}
	}
	for i, tok := range tokens {
		attrs := fmt.Sprintf(` class="token" data-side="left" data-index="%d" cursor="pointer"`, i)
		if i == v.Focus {
			attrs += ` font-weight="bold"`
		}
		if v.Sentences != nil {
			attrs += fmt.Sprintf(` data-sentence="%c"`, "AB"[v.Sentences[i]])
		}
		d.text(leftText, rowY(i), "end", attrs+` xml:space="preserve"`, tok)
		d.text(rightText, rowY(i), "start", strings.Replace(attrs, `data-side="left"`, `data-side="right"`, 1)+` xml:space="preserve"`, tok)
	}
	// the hover box views.js fills: a token's or a box's weight
	d.text(headViewMargin, height-headViewRow, "start", ` class="tip" fill="#333"`, "Hover a token for its attention, a box for its weight.")
	return d.String(), nil
}

// weight formats an attention weight for the page to read back, with four decimals.
func weight(w float32) string { return fmt.Sprintf("%.4f", w) }

// number returns head h's number before pruning and the heads a layer had then.
func (v *HeadView) number(h int) (n, of int) {
	n, of = h, v.Heads
	if v.Numbers != nil {
		n = v.Numbers[h]
	}
	if v.Of > 0 {
		of = v.Of
	}
	return n, of
}
