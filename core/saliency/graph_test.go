package saliency

import (
	"reflect"
	"testing"
)

// twoHeads splits a layer's T×T attribution (query-major) into two heads whose sum it is.
func twoHeads(sum []float64) []float64 {
	out := make([]float64, 2*len(sum))
	for i, v := range sum {
		out[i] = 0.25 * v
		out[len(sum)+i] = 0.75 * v
	}
	return out
}

func TestBuildGraph(t *testing.T) {
	// Three tokens, two layers. Layer 1: position 0 (the target) reads 1 strongly and 0 weakly;
	// position 2 reads itself more strongly still, but nothing above reads position 2. Layer 0:
	// position 1 reads 0 and 1 (negatively); position 0 reads itself, but only position 1 is reached.
	maps := [][]float64{
		twoHeads([]float64{
			0.9, 0, 0,
			0.5, -0.6, 0,
			0, 0, 0.2,
		}),
		twoHeads([]float64{
			0.3, 0.8, 0,
			0, 0, 0,
			0, 0, 1.0,
		}),
	}
	tests := []struct {
		name      string
		target    int
		threshold float64
		max       int
		want      []Edge
	}{
		{"connected", 0, 0.4, 0, []Edge{{1, 1, 0, 0.8}, {0, 1, 1, -0.6}, {0, 0, 1, 0.5}}},
		{"at most two", 0, 0.4, 2, []Edge{{1, 1, 0, 0.8}, {0, 1, 1, -0.6}}},
		{"at most one", 0, 0.4, 1, []Edge{{1, 1, 0, 0.8}}},
		// With a low threshold 0 → 0 in layer 1 joins and brings layer 0's 0 → 0.
		{"low threshold", 0, 0.25, 0, []Edge{{0, 0, 0, 0.9}, {1, 1, 0, 0.8}, {0, 1, 1, -0.6}, {0, 0, 1, 0.5}, {1, 0, 0, 0.3}}},
		// Dropping layer 1's weak 0 → 0 cuts layer 0's 0 → 0 off too.
		{"low threshold, at most three", 0, 0.25, 3, []Edge{{1, 1, 0, 0.8}, {0, 1, 1, -0.6}, {0, 0, 1, 0.5}}},
		{"target 2", 2, 0.4, 0, []Edge{{1, 2, 2, 1.0}}},
		{"target 1, nothing reads it", 1, 0.4, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := BuildGraph(maps, 3, tc.target, tc.threshold, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Edges) != len(tc.want) {
				t.Fatalf("edges %v, want %v", g.Edges, tc.want)
			}
			for i, e := range g.Edges {
				w := tc.want[i]
				if e.Layer != w.Layer || e.From != w.From || e.To != w.To || !same(e.Value, w.Value) {
					t.Errorf("edge %d: %v, want %v", i, e, w)
				}
			}
			if g.Target != tc.target || g.Threshold != tc.threshold {
				t.Errorf("target %d threshold %g", g.Target, g.Threshold)
			}
		})
	}
}

func same(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 }

func TestBuildGraphErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		maps      [][]float64
		target    int
		threshold float64
	}{
		{"target past the end", [][]float64{make([]float64, 4)}, 2, 0.4},
		{"negative target", [][]float64{make([]float64, 4)}, -1, 0.4},
		{"threshold above 1", [][]float64{make([]float64, 4)}, 0, 1.5},
		{"map of the wrong size", [][]float64{make([]float64, 5)}, 0, 0.4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g, err := BuildGraph(tc.maps, 2, tc.target, tc.threshold, 0); err == nil {
				t.Errorf("no error, graph %v", g)
			}
		})
	}
}

// A layer whose heads are all pruned (an empty map) has no edges, so the graph stops above it.
func TestBuildGraphPrunedLayer(t *testing.T) {
	maps := [][]float64{{1, 0, 0, 1}, nil, {0, 1, 0, 0}}
	g, err := BuildGraph(maps, 2, 0, 0.4, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Edge{{2, 1, 0, 1}}; !reflect.DeepEqual(g.Edges, want) {
		t.Errorf("edges %v, want %v", g.Edges, want)
	}
}
