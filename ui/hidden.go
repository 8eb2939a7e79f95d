package main

import (
	"fmt"

	"github.com/vugu/vugu"

	"bertology/ui/chart"
	"bertology/wasm/protocol"
)

// Hidden shows the hidden states of the input sentence at one depth at a time: the cosine
// similarity of every pair of token vectors, and the vectors on their first two principal components.
type Hidden struct {
	analysisPanel[protocol.HiddenStatesResult]
	Files files
	Input input
	Tabs  tabs

	depth int

	cosineSVG, pcaSVG string
}

// Run asks the lab for the hidden states of the page's input.
func (c *Hidden) Run() {
	if !c.ready() {
		return
	}
	text, pair, truncate := c.Input.sentence()
	c.ask("Computing the hidden states", protocol.OpHiddenStates, &protocol.HiddenStatesRequest{Text: text, Pair: pair, Truncate: truncate}, func() {
		c.depth = min(c.depth, len(c.result.Layers)-1)
		c.draw()
	})
}

// SetDepth follows the depth selector.
func (c *Hidden) SetDepth(event vugu.DOMEvent) {
	if c.result == nil {
		return
	}
	if d, ok := indexOf(event, len(c.result.Layers)); ok {
		c.depth = d
		c.draw()
	}
}

func (c *Hidden) draw() {
	layer := c.result.Layers[c.depth]
	tokens := c.result.Tokens
	T := len(tokens)
	cos := make([]float64, T*T)
	lowest := 1.0
	for k, v := range layer.Cosine.Data {
		cos[k] = float64(v)
		lowest = min(lowest, cos[k])
	}
	// Hidden states are anisotropic: their cosines often all lie near 1, so a scale from the lowest
	// shows the differences, and a diverging one is kept for inputs with opposed vectors.
	scale := chart.Scale{Min: lowest, Max: 1}
	if lowest < 0 {
		scale = chart.Scale{Min: -1, Max: 1, Diverging: true}
	}
	c.cosineSVG = svgOf(c.Page, &chart.Heatmap{Name: "cosine", Title: fmt.Sprintf("Cosine similarity, %s", depthName(c.depth)),
		Rows: tokens, Cols: tokens, Values: cos, Scale: scale, Cell: tokenCell(T)})

	K := layer.PCA.Shape[1]
	sc := &chart.Scatter{Title: fmt.Sprintf("Principal components, %s", depthName(c.depth)), Labels: tokens, Side: 320,
		X: make([]float64, T), Y: make([]float64, T)}
	for i := range T {
		sc.X[i] = float64(layer.PCA.Data[i*K])
		if K > 1 {
			sc.Y[i] = float64(layer.PCA.Data[i*K+1])
		}
	}
	sc.XLabel = fmt.Sprintf("PC1 (%.0f%% of the variance)", 100*layer.Explained[0])
	if K > 1 {
		sc.YLabel = fmt.Sprintf("PC2 (%.0f%%)", 100*layer.Explained[1])
	}
	c.pcaSVG = svgOf(c.Page, sc)
}
