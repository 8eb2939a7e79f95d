package saliency

import (
	"fmt"
	"math"
	"sort"
)

// The attribution graph's defaults: an edge is kept when its attribution reaches GraphThreshold of
// its layer's largest, and at most GraphEdges edges are drawn.
const (
	GraphThreshold = 0.1
	GraphEdges     = 20
)

// Edge is one link of the attribution graph: in layer Layer, the query at position To (a token of
// the layer's output) reading the key at position From (a token of the layer's input), with the
// layer's attention attribution of that pair summed over its heads.
type Edge struct {
	Layer int     `js:"layer" json:"layer"`
	From  int     `js:"from" json:"from"`
	To    int     `js:"to" json:"to"`
	Value float64 `js:"value" json:"value"`
}

// Graph is the attribution tree of Hao et al. 2021 ("Self-Attention Attribution", §4): tokens of
// every layer as nodes, the strongest token-to-token attributions as edges, only those on a path
// down from the target's position at the top layer.
type Graph struct {
	Target    int     `js:"target" json:"target"` // the position whose output the logit reads
	Threshold float64 `js:"threshold" json:"threshold"`
	Edges     []Edge  `js:"edges" json:"edges"` // strongest first
}

// BuildGraph builds the attribution graph from per-layer maps [layers][heads·T·T] (Attention.Maps,
// query-major) of a T-token sequence whose logit reads position target: per layer the maps summed over
// heads, the pairs whose magnitude reaches threshold × the layer's largest, kept while they connect to
// target at the top; then the weakest dropped until at most maxEdges remain, still connected. A layer
// whose heads are all pruned has no edges, so nothing below it connects.
func BuildGraph(maps [][]float64, T, target int, threshold float64, maxEdges int) (*Graph, error) {
	if target < 0 || target >= T {
		return nil, fmt.Errorf("attribution graph: target position %d of %d tokens", target, T)
	}
	if threshold < 0 || threshold > 1 {
		return nil, fmt.Errorf("attribution graph: threshold %g, want 0 to 1", threshold)
	}
	var candidates []Edge
	for l, grid := range maps {
		if len(grid)%(T*T) != 0 {
			return nil, fmt.Errorf("attribution graph: layer %d's map has %d values, not a multiple of %d×%d", l, len(grid), T, T)
		}
		sum := make([]float64, T*T)
		for i, v := range grid {
			sum[i%(T*T)] += v
		}
		largest := 0.0
		for _, v := range sum {
			largest = math.Max(largest, math.Abs(v))
		}
		if largest == 0 {
			continue
		}
		for i, v := range sum {
			if math.Abs(v) >= threshold*largest {
				candidates = append(candidates, Edge{Layer: l, From: i % T, To: i / T, Value: v})
			}
		}
	}
	sort.SliceStable(candidates, func(i, j int) bool { return math.Abs(candidates[i].Value) > math.Abs(candidates[j].Value) })
	edges := connected(candidates, len(maps), T, target)
	for maxEdges > 0 && len(edges) > maxEdges {
		edges = connected(edges[:len(edges)-1], len(maps), T, target)
	}
	return &Graph{Target: target, Threshold: threshold, Edges: edges}, nil
}

// connected keeps the edges (in their order) on a path down from target at the top of layers layers.
func connected(edges []Edge, layers, T, target int) []Edge {
	reached := make([]bool, T) // the positions of layer l's output reached from the top
	reached[target] = true
	keep := make([]bool, len(edges))
	for l := layers - 1; l >= 0; l-- {
		below := make([]bool, T)
		for k, e := range edges {
			if e.Layer == l && reached[e.To] {
				keep[k], below[e.From] = true, true
			}
		}
		reached = below
	}
	var out []Edge
	for k, e := range edges {
		if keep[k] {
			out = append(out, e)
		}
	}
	return out
}
