package chart

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// LensTable is the logit lens as a table: a row per depth of the model, a column per input position,
// and in each cell the token the lens reads there with its probability, on a colour as strong as the
// probability. A cell whose token is the position's target (the next token, or the masked one) is
// framed.
type LensTable struct {
	Title   string
	Depths  []string // row labels, depth 0 first
	Tokens  []string // column labels: the input tokens, T of them
	Targets []string // under the tokens: what each position should predict ("" for nothing); may be nil
	// Top, Prob and Hit are [depths, T] row-major: each cell's most probable token, its probability,
	// and whether it is the position's target.
	Top  []string
	Prob []float64
	Hit  []bool
}

const (
	lensRow      = 34.0 // row height
	lensMinCell  = 44.0
	lensMaxCell  = 110.0
	lensMaxRunes = 12 // longer tokens are cut, with an ellipsis, to keep columns narrow
)

// SVG draws the table. Its cells are the <g class="cell"> of <g class="cells">, row by row, each a rect
// with the token and the probability as text.
func (l *LensTable) SVG() (string, error) {
	R, T := len(l.Depths), len(l.Tokens)
	if len(l.Top) != R*T || len(l.Prob) != R*T || len(l.Hit) != R*T {
		return "", fmt.Errorf("lens table: %d tokens, %d probabilities and %d hits for %d depths × %d positions", len(l.Top), len(l.Prob), len(l.Hit), R, T)
	}
	if l.Targets != nil && len(l.Targets) != T {
		return "", fmt.Errorf("lens table: %d targets for %d positions", len(l.Targets), T)
	}
	shown := make([]string, len(l.Top))
	for k, s := range l.Top {
		shown[k] = shorten(s)
	}
	headers := make([]string, T)
	for t, s := range l.Tokens {
		headers[t] = shorten(s)
	}
	cell := max(lensMinCell, min(lensMaxCell, max(maxTextWidth(shown), maxTextWidth(headers))+10))
	left := headViewMargin + maxTextWidth(l.Depths) + 8
	top := headViewTop + headViewRow
	if l.Targets != nil {
		top += headViewRow
	}
	width, height := left+float64(T)*cell+headViewMargin, top+float64(R)*lensRow+heatmapLegend+headViewMargin
	scale := Scale{Min: 0, Max: 1}

	d := newSVG("lens-table", width, height)
	d.text(width/2, 14, "middle", ` font-weight="bold"`, l.Title)
	for t := range T {
		x := left + (float64(t)+0.5)*cell
		d.text(x, headViewTop+headViewRow/2, "middle", ` class="token" font-weight="bold"`, headers[t])
		if l.Targets != nil && l.Targets[t] != "" {
			d.text(x, headViewTop+1.5*headViewRow, "middle", ` class="target" fill="#5b6475"`, "→ "+shorten(l.Targets[t]))
		}
	}
	d.printf(`<g class="cells">`)
	for r := range R {
		y := top + float64(r)*lensRow
		for t := range T {
			k := r*T + t
			x := left + float64(t)*cell
			p := l.Prob[k]
			stroke := `stroke="#fff"`
			if l.Hit[k] {
				stroke = `stroke="#e08a00" stroke-width="3"`
			}
			d.printf(`<g class="cell"><rect x="%s" y="%s" width="%s" height="%s" fill="%s" %s/><title>%s, %s: %s %s</title>`,
				num(x+1), num(y+1), num(cell-2), num(lensRow-2), scale.Colour(p), stroke,
				escape(l.Depths[r]), escape(l.Tokens[t]), escape(l.Top[k]), percent(p))
			ink := fmt.Sprintf(` fill="%s"`, scale.Ink(p))
			d.text(x+cell/2, y+lensRow*0.36, "middle", ink, shown[k])
			d.text(x+cell/2, y+lensRow*0.74, "middle", ink+` font-size="10"`, percent(p))
			d.printf(`</g>`)
		}
	}
	d.printf(`</g>`)
	for r, name := range l.Depths {
		d.text(left-6, top+(float64(r)+0.5)*lensRow, "end", ` class="depth"`, name)
	}
	legendW := min(160, float64(T)*cell)
	drawScale(d, scale, left+(float64(T)*cell-legendW)/2, top+float64(R)*lensRow+10, legendW, "%.0f")
	return d.String(), nil
}

// shorten cuts a token longer than lensMaxRunes, and shows a leading space (GPT-2's " the") as "␣".
func shorten(s string) string {
	if len(s) > 0 && s[0] == ' ' {
		s = "␣" + s[1:]
	}
	if utf8.RuneCountInString(s) <= lensMaxRunes {
		return s
	}
	r := []rune(s)
	return string(r[:lensMaxRunes-1]) + "…"
}

func percent(p float64) string {
	if math.IsNaN(p) {
		return ""
	}
	return fmt.Sprintf("%.0f%%", 100*p)
}
