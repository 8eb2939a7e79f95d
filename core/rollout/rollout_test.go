package rollout

import (
	"math"
	"strings"
	"testing"
)

// att builds an Attention from per-layer, per-head T×T matrices written as rows.
func att(layers ...[][][]float32) *Attention {
	H, T := len(layers[0]), len(layers[0][0])
	a := &Attention{Heads: H, T: T}
	for _, heads := range layers {
		var w []float32
		for _, m := range heads {
			for _, row := range m {
				w = append(w, row...)
			}
		}
		a.Layers = append(a.Layers, w)
	}
	return a
}

// assertMatrix allows 1e-7 because the attention weights enter as float32 (0.2 is not exact), while the
// arithmetic is float64.
func assertMatrix(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", name, len(got), len(want))
	}
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-7 {
			t.Fatalf("%s: entry %d = %v, want %v (got %v)", name, k, got[k], want[k], got)
		}
	}
}

var (
	identity2 = [][]float32{{1, 0}, {0, 1}}
	toFirst2  = [][]float32{{1, 0}, {1, 0}} // every query attends fully to token 0
	toSecond2 = [][]float32{{0, 1}, {0, 1}} // every query attends fully to token 1
)

func TestRollout(t *testing.T) {
	tests := []struct {
		name string
		a    *Attention
		want [][]float64 // cumulative rollout after each layer
	}{
		// Identity attention leaves every token with itself: A' = I in every layer, so R = I.
		{"identity", att([][][]float32{identity2}, [][][]float32{identity2}), [][]float64{{1, 0, 0, 1}, {1, 0, 0, 1}}},
		// Layer 0 attends to token 0: A'_0 = [[1,0],[.5,.5]]; layer 1 is the identity, so R_1 = R_0.
		{"to first then identity", att([][][]float32{toFirst2}, [][][]float32{identity2}), [][]float64{{1, 0, 0.5, 0.5}, {1, 0, 0.5, 0.5}}},
		// Both layers attend to token 0: R_1 = A'_1·A'_0 = [[1,0],[.5,.5]]·[[1,0],[.5,.5]]
		// = [[1, 0], [.5·1+.5·.5, .5·.5]] = [[1,0],[.75,.25]].
		{"to first twice", att([][][]float32{toFirst2}, [][][]float32{toFirst2}), [][]float64{{1, 0, 0.5, 0.5}, {1, 0, 0.75, 0.25}}},
		// Layer 0 to token 0, layer 1 to token 1: A'_1 = [[.5,.5],[0,1]];
		// R_1 = [[.5,.5],[0,1]]·[[1,0],[.5,.5]] = [[.5+.25, .25], [.5, .5]] = [[.75,.25],[.5,.5]].
		{"to first then to second", att([][][]float32{toFirst2}, [][][]float32{toSecond2}), [][]float64{{1, 0, 0.5, 0.5}, {0.75, 0.25, 0.5, 0.5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rollout(tt.a, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d layers, want %d", len(got), len(tt.want))
			}
			for l := range tt.want {
				assertMatrix(t, "R", got[l], tt.want[l])
			}
		})
	}
}

func TestErrors(t *testing.T) {
	good := att([][][]float32{toFirst2})
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"negative weight", func() error {
			_, err := Rollout(att([][][]float32{{{1, 0}, {-0.5, 1}}}), DefaultOptions())
			return err
		}, "layer 0 head 0 weight [1,0] is -0.5"},
		{"short layer", func() error {
			_, err := Rollout(&Attention{Heads: 1, T: 2, Layers: [][]float32{{1, 0, 0}}}, DefaultOptions())
			return err
		}, "layer 0 has 3 weights, want"},
		{"no layers", func() error { _, err := Rollout(&Attention{Heads: 1, T: 2}, DefaultOptions()); return err }, "no layers"},
		{"head out of range", func() error { _, err := Rollout(good, Options{Heads: []int{1}}); return err }, "head 1 outside 0..0"},
		{"empty head subset", func() error { _, err := Rollout(good, Options{Heads: []int{}}); return err }, "empty head subset"},
		{"residual above one", func() error { _, err := Rollout(good, Options{Residual: 1.5}); return err }, "residual weight 1.5"},
		{"zero row", func() error {
			_, err := Rollout(att([][][]float32{{{1, 0}, {0, 0}}}), Options{})
			return err
		}, "layer 0 row 1 has no attention"},
		{"flow layer", func() error { _, err := Flow(good, DefaultOptions(), 2); return err }, "flow up to layer 2, want 1..1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestPrunedRollout is rollout and flow through a pruned model of 2 heads a layer, by hand: layer 0
// keeps both heads, layer 1 none, layer 2 only head 1.
//
//	A'_0 = ½·mean(toFirst, toSecond) + ½·I = [[.75,.25],[.25,.75]]
//	A'_1 = I (no head: the residual alone carries each token)
//	A'_2 = ½·toFirst + ½·I = [[1,0],[.5,.5]]
//
// so R_2 = A'_2·A'_0 = [[.75,.25],[.5,.5]]. Flow into output 0 passes (2,0) ← (1,0) ← the inputs with
// capacities A'_0[0,:]: .75 and .25; into output 1 it passes (2,0) and (2,1), each of capacity .5, fed by
// A'_0[0,j] and A'_0[1,j]: min(.5,.75)+min(.5,.25) = .75 from either input.
func TestPrunedRollout(t *testing.T) {
	a := &Attention{Heads: 2, T: 2, Kept: [][]int{{0, 1}, {}, {1}}}
	for _, heads := range [][][][]float32{{toFirst2, toSecond2}, {}, {toFirst2}} {
		var w []float32
		for _, m := range heads {
			for _, row := range m {
				w = append(w, row...)
			}
		}
		a.Layers = append(a.Layers, w)
	}
	for _, tt := range []struct {
		name string
		opt  Options
		want [][]float64
	}{
		{"every head", DefaultOptions(), [][]float64{{.75, .25, .25, .75}, {.75, .25, .25, .75}, {.75, .25, .5, .5}}},
		// Head 1 alone: A'_0 = [[.5,.5],[0,1]], A'_2 as above: R_2 = [[.5,.5],[.25,.75]].
		{"head 1", Options{Heads: []int{1}, Residual: 0.5}, [][]float64{{.5, .5, 0, 1}, {.5, .5, 0, 1}, {.5, .5, .25, .75}}},
		// Head 0 alone: layer 2 kept none of it, so it passes the tokens on: R_2 = A'_0 = [[1,0],[.5,.5]].
		{"head 0", Options{Heads: []int{0}, Residual: 0.5}, [][]float64{{1, 0, .5, .5}, {1, 0, .5, .5}, {1, 0, .5, .5}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rollout(a, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			for l := range tt.want {
				assertMatrix(t, "R", got[l], tt.want[l])
			}
		})
	}
	flow, err := Flow(a, DefaultOptions(), 3)
	if err != nil {
		t.Fatal(err)
	}
	assertMatrix(t, "flow", flow, []float64{.75, .25, .75, .75})
	raw, err := Augment(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertMatrix(t, "layer 1's combined attention", raw[1], []float64{1, 0, 0, 1})

	for _, tt := range []struct {
		name string
		kept [][]int
		want string
	}{
		{"order", [][]int{{1, 0}, {}, {1}}, "layer 0 keeps heads [1 0]"},
		{"range", [][]int{{0, 1}, {}, {2}}, "layer 2 keeps heads [2]"},
		{"sizes", [][]int{{0, 1}, {0}, {1}}, "layer 1 has 0 weights, want 1 heads"},
		{"layers", [][]int{{0, 1}}, "kept heads of 1 layers for attention of 3"},
	} {
		b := *a
		b.Kept = tt.kept
		if _, err := Rollout(&b, DefaultOptions()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
