package chart

import (
	"fmt"
	"slices"
)

// ModelView is bertviz's model view: a grid with one small view per layer (rows) and head (columns),
// each the head's attention as lines from queries to keys (Lines) or as a heatmap.
type ModelView struct {
	Tokens  int         // T
	Weights [][]float32 // per layer, [heads, T, T] row-major
	Heads   []int       // heads in each layer (fewer than the model's after pruning)
	// Numbers are, for a pruned model, each layer's heads by their numbers before pruning, and Of how
	// many heads a layer had then: each head is drawn in its own column, and a pruned one as an empty
	// grey box. Nil and 0: heads 0 to Heads[l]-1 in every layer.
	Numbers [][]int
	Of      int
	// Thumb is the side of one map in pixels.
	Thumb float64
	// MaxCells bounds the cells along a map's side: a longer input is drawn in blocks of tokens, each
	// as opaque as the strongest weight in it, so that a long input does not put millions of rects on
	// the page. 0 draws every weight.
	MaxCells int
	// Lines draws each head as bertviz's mini head views, lines from the queries to the keys; false
	// draws heatmaps.
	Lines bool
}

const (
	modelViewGap   = 8.0
	modelViewLabel = 60.0
)

// SVG draws the grid. The map of layer l, head h (its number before pruning) is <g class="thumb"
// data-layer="l" data-head="h">, whose cells are the rects of its <g class="cells">: T × T of them, or
// fewer blocks (see MaxCells); with Lines, the lines of its <g class="lines">, those of weights over
// 0.001. Each cell and line carries data-i, data-j and its weight, data-w. A pruned head is <g class="pruned" data-layer="l" data-head="h">.
func (v *ModelView) SVG() (string, error) {
	t := v.Tokens
	if len(v.Heads) != len(v.Weights) {
		return "", fmt.Errorf("model view: %d layers of weights, %d head counts", len(v.Weights), len(v.Heads))
	}
	maxHeads := 0
	for l, h := range v.Heads {
		if len(v.Weights[l]) != h*t*t {
			return "", fmt.Errorf("model view: layer %d has %d attention weights, want heads × tokens × tokens = %d × %d × %d", l, len(v.Weights[l]), h, t, t)
		}
		maxHeads = max(maxHeads, h)
		if v.Numbers != nil && (len(v.Numbers) != len(v.Heads) || len(v.Numbers[l]) != h) {
			return "", fmt.Errorf("model view: layer %d has %d heads, %d numbers", l, h, len(v.Numbers[min(l, len(v.Numbers)-1)]))
		}
	}
	if v.Numbers != nil {
		maxHeads = max(maxHeads, v.Of)
	}
	block := 1
	if v.MaxCells > 0 && t > v.MaxCells {
		block = (t + v.MaxCells - 1) / v.MaxCells
	}
	side := (t + block - 1) / block
	cell := 1.0
	if side > 0 {
		cell = v.Thumb / float64(side)
	}
	step := v.Thumb + modelViewGap
	left, top := modelViewLabel, 24.0
	width := left + float64(maxHeads)*step + headViewMargin
	height := top + float64(len(v.Heads))*step + headViewMargin
	width = max(width, left+200)
	d := newSVG("model-view", width, height+24)
	// the legend: a map's weights as its head's colour is opaque
	drawScale(d, Scale{Min: 0, Max: 1}, left+60, height+6, 100, "%.0f")
	d.text(left-8, height+10, "end", ` font-size="10"`, "weight")
	for h := range maxHeads {
		d.text(left+float64(h)*step+v.Thumb/2, 12, "middle", "", fmt.Sprintf("Head %d", h))
	}
	for l, heads := range v.Heads {
		y := top + float64(l)*step
		d.text(left-8, y+v.Thumb/2, "end", "", fmt.Sprintf("Layer %d", l))
		if v.Numbers != nil {
			for h := range maxHeads {
				if !slices.Contains(v.Numbers[l], h) {
					x := left + float64(h)*step
					d.printf(`<g class="pruned" data-layer="%d" data-head="%d"><title>layer %d head %d: pruned</title>`, l, h, l, h)
					d.printf(`<rect x="%s" y="%s" width="%s" height="%s" fill="#eee" stroke="#ccc"/>`, num(x), num(y), num(v.Thumb), num(v.Thumb))
					d.text(x+v.Thumb/2, y+v.Thumb/2, "middle", ` fill="#888" font-size="11"`, "pruned")
					d.printf(`</g>`)
				}
			}
		}
		for k := range heads {
			h, colours := k, heads
			if v.Numbers != nil {
				h, colours = v.Numbers[l][k], maxHeads
			}
			x := left + float64(h)*step
			d.printf(`<g class="thumb" data-layer="%d" data-head="%d" cursor="pointer"><title>layer %d head %d</title>`, l, h, l, h)
			draw := drawCells
			if v.Lines {
				draw = drawLines
			}
			draw(d, x, y, cell, side, maxPool(v.Weights[l][k*t*t:(k+1)*t*t], t, block), HeadColor(h, colours))
			d.printf(`</g>`)
		}
	}
	return d.String(), nil
}

// maxPool shrinks a t × t matrix to blocks of block × block, keeping each block's largest value.
func maxPool(w []float32, t, block int) []float32 {
	if block == 1 {
		return w
	}
	side := (t + block - 1) / block
	out := make([]float32, side*side)
	for i := range t {
		for j := range t {
			k := (i/block)*side + j/block
			out[k] = max(out[k], w[i*t+j])
		}
	}
	return out
}
