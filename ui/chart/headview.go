package chart

import "fmt"

// HeadView is a bertviz head view of one layer: the tokens in two columns and, for each selected head,
// a line from each token on the left (the query) to each token on the right (the key) in the head's
// colour, as opaque as the attention weight.
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
}

// Layout of the head view, in pixels.
const (
	headViewRow    = 22.0  // row height
	headViewTop    = 34.0  // room for the title
	headViewGap    = 180.0 // horizontal run of the lines
	headViewMargin = 10.0
)

// SVG draws the view. The lines of the head numbered n (see Numbers) are in <g class="head"
// data-head="n">; tokens are <text class="token" data-side="left|right" data-index="i">.
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
	tokW := maxTextWidth(v.Tokens)
	leftText := headViewMargin + tokW
	x1 := leftText + 6
	x2 := x1 + headViewGap
	rightText := x2 + 6
	width := rightText + tokW + headViewMargin
	height := headViewTop + float64(t)*headViewRow + headViewMargin
	rowY := func(i int) float64 { return headViewTop + (float64(i)+0.5)*headViewRow }

	d := newSVG("head-view", width, height)
	d.text(width/2, 14, "middle", ` font-weight="bold"`, fmt.Sprintf("Layer %d", v.Layer))
	for _, h := range v.Selected {
		n, of := v.number(h)
		d.printf(`<g class="head" data-head="%d" stroke="%s" stroke-width="2">`, n, HeadColor(n, of))
		for i := range t {
			if v.Focus >= 0 && i != v.Focus {
				continue
			}
			row := v.Weights[(h*t+i)*t : (h*t+i+1)*t]
			for j, w := range row {
				d.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke-opacity="%s"/>`, num(x1), num(rowY(i)), num(x2), num(rowY(j)), opacity(w))
			}
		}
		d.printf(`</g>`)
	}
	for i, tok := range v.Tokens {
		attrs := fmt.Sprintf(` class="token" data-side="left" data-index="%d" cursor="pointer"`, i)
		if i == v.Focus {
			attrs += ` font-weight="bold"`
		}
		d.text(leftText, rowY(i), "end", attrs, tok)
		d.text(rightText, rowY(i), "start", fmt.Sprintf(` class="token" data-side="right" data-index="%d"`, i), tok)
	}
	return d.String(), nil
}

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
