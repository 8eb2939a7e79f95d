package rollout

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/simple"
)

func TestFlow(t *testing.T) {
	// With two layers every path is (0,j) → (1,k) → (2,i) and paths through different k share no edge, so
	// flow(j→i) = Σ_k min(A'_0[k,j], A'_1[i,k]).
	tests := []struct {
		name string
		a    *Attention
		opt  Options
		upTo int
		want []float64
	}{
		{"identity", att([][][]float32{identity2}, [][][]float32{identity2}), DefaultOptions(), 2, []float64{1, 0, 0, 1}},
		// A'_0 = A'_1 = [[1,0],[.5,.5]].
		// 0→0: min(1,1) + min(.5,0) = 1.  1→0: min(0,1) + min(.5,0) = 0.
		// 0→1: min(1,.5) + min(.5,.5) = 1.  1→1: min(0,.5) + min(.5,.5) = .5.
		// Rollout gives [[1,0],[.75,.25]] for the same maps: flow is not a product.
		{"to first twice", att([][][]float32{toFirst2}, [][][]float32{toFirst2}), DefaultOptions(), 2, []float64{1, 0, 1, 0.5}},
		// One layer: the flow is the single edge's capacity, A'_0 itself.
		{"one layer", att([][][]float32{toFirst2}, [][][]float32{toFirst2}), DefaultOptions(), 1, []float64{1, 0, 0.5, 0.5}},
		// Three tokens without residual, A'_0 = [[1,0,0],[.5,.5,0],[.5,.25,.25]], A'_1 = [[1,0,0],[0,1,0],[.2,.3,.5]].
		// 0→2: min(1,.2) + min(.5,.3) + min(.5,.5) = .2+.3+.5 = 1.
		// 1→2: min(0,.2) + min(.5,.3) + min(.25,.5) = .3+.25 = .55.
		// 2→2: min(0,.2) + min(0,.3) + min(.25,.5) = .25.
		// 0→1: only k=1 has A'_1[1,k] > 0: min(.5,1) = .5; 1→1: min(.5,1) = .5; 2→1: min(0,1) = 0.
		// 0→0: min(1,1) = 1; 1→0, 2→0: 0.
		{
			"three tokens", att(
				[][][]float32{{{1, 0, 0}, {0.5, 0.5, 0}, {0.5, 0.25, 0.25}}},
				[][][]float32{{{1, 0, 0}, {0, 1, 0}, {0.2, 0.3, 0.5}}},
			), Options{}, 2,
			[]float64{1, 0, 0, 0.5, 0.5, 0, 1, 0.55, 0.25},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Flow(tt.a, tt.opt, tt.upTo)
			if err != nil {
				t.Fatal(err)
			}
			assertMatrix(t, "flow", got, tt.want)
		})
	}
}

// TestFlowIsMinCut checks every flow against the minimum s–t cut found by enumerating all cuts of small random
// layered graphs (max-flow min-cut theorem), and against the bound that no flow exceeds the capacity into the
// output node (a row of A'_L, which sums to one).
func TestFlowIsMinCut(t *testing.T) {
	const L, T = 3, 3
	seed := uint32(7)
	next := func() float32 { // xorshift: deterministic on every platform
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		return float32(seed%1000) / 1000
	}
	for trial := 0; trial < 4; trial++ {
		a := &Attention{Heads: 2, T: T}
		for l := 0; l < L; l++ {
			w := make([]float32, 2*T*T)
			for k := range w {
				if next() < 0.3 {
					continue // leave some edges out
				}
				w[k] = next()
			}
			a.Layers = append(a.Layers, w)
		}
		opt := Options{Residual: 0.3}
		aug, err := Augment(a, opt)
		if err != nil {
			t.Fatal(err)
		}
		flow, err := Flow(a, opt, L)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < T; i++ {
			for j := 0; j < T; j++ {
				want := minCut(aug, T, j, L*T+i)
				if got := flow[i*T+j]; math.Abs(got-want) > 1e-9 || got > 1+1e-12 {
					t.Errorf("trial %d: flow %d→%d = %v, min cut %v", trial, j, i, got, want)
				}
			}
		}
	}
}

// minCut enumerates every set of nodes containing s and not t and returns the smallest total capacity of the
// edges leaving the set.
func minCut(aug [][]float64, T, s, t int) float64 {
	n := (len(aug) + 1) * T
	best := math.Inf(1)
	for mask := 0; mask < 1<<n; mask++ {
		if mask&(1<<s) == 0 || mask&(1<<t) != 0 {
			continue
		}
		var cut float64
		for l, m := range aug {
			for i := 0; i < T; i++ {
				for j := 0; j < T; j++ {
					from, to := l*T+j, (l+1)*T+i
					if mask&(1<<from) != 0 && mask&(1<<to) == 0 {
						cut += m[i*T+j]
					}
				}
			}
		}
		best = min(best, cut)
	}
	return best
}

// TestFlowMatchesGonum checks the dense Dinic against gonum's network.MaxFlowDinic on the same layered graph,
// on maps of a size where enumerating cuts is out of reach.
func TestFlowMatchesGonum(t *testing.T) {
	a := softmaxAttention(4)
	a.Layers = a.Layers[:3]
	for upTo := 1; upTo <= len(a.Layers); upTo++ {
		aug, err := Augment(a, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		got, err := Flow(a, DefaultOptions(), upTo)
		if err != nil {
			t.Fatal(err)
		}
		T := a.T
		g := gonumGraph(aug[:upTo], T)
		for i := 0; i < T; i++ {
			for j := 0; j < T; j++ {
				want := network.MaxFlowDinic(g, simple.Node(int64(j)), simple.Node(int64(upTo*T+i)), -1)
				if math.Abs(got[i*T+j]-want) > 1e-9 {
					t.Errorf("up to layer %d: flow %d→%d = %v, gonum %v", upTo, j, i, got[i*T+j], want)
				}
			}
		}
	}
}

// gonumGraph builds the flow graph of aug as a gonum graph: node l*T+t is token t at layer l (dense IDs from
// 0, as network.MaxFlowDinic needs), and the edge from (l, j) to (l+1, i) carries capacity aug[l][i*T+j].
func gonumGraph(aug [][]float64, T int) *simple.WeightedDirectedGraph {
	g := simple.NewWeightedDirectedGraph(0, 0)
	for id := 0; id < (len(aug)+1)*T; id++ {
		g.AddNode(simple.Node(int64(id)))
	}
	for l, m := range aug {
		for i := 0; i < T; i++ {
			for j := 0; j < T; j++ {
				if c := m[i*T+j]; c > 0 {
					g.SetWeightedEdge(simple.WeightedEdge{F: simple.Node(int64(l*T + j)), T: simple.Node(int64((l+1)*T + i)), W: c})
				}
			}
		}
	}
	return g
}
