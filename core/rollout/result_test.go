package rollout

import (
	"context"
	"errors"
	"slices"
	"testing"

	"bertology/core/f64"
	"bertology/core/progress"
)

// TestCompute builds the result of two layers of two heads over two tokens, worked out by hand, with
// flow and without.
func TestCompute(t *testing.T) {
	// Layer 0: head 0 attends to token 0, head 1 to itself; layer 1: both heads attend to token 1.
	a := att([][][]float32{toFirst2, identity2}, [][][]float32{toSecond2, toSecond2})
	for _, tc := range []struct {
		name               string
		opt                Options
		withFlow           bool
		attention, rollout [][]float64 // after each layer
		phases             []string
	}{
		// Mean of the heads: A_0 = [[1,0],[.5,.5]], A_1 = [[0,1],[0,1]]. With the residual,
		// A'_0 = [[1,0],[.25,.75]] and A'_1 = [[.5,.5],[0,1]]; R_1 = A'_1·A'_0 = [[.625,.375],[.25,.75]].
		// The flow is Flow's, which flow_test.go checks against gonum.
		{"mean with flow", DefaultOptions(), true,
			[][]float64{{1, 0, 0.5, 0.5}, {0, 1, 0, 1}}, [][]float64{{1, 0, 0.25, 0.75}, {0.625, 0.375, 0.25, 0.75}},
			[]string{"rollout", "flow", "flow"}},
		// Maximum of the heads, rows renormalised: A_0 = [[1,0],[.5,.5]] (row 1 is [1,1]/2), without the
		// residual the rollout is the product of the raw maps.
		{"max without flow", Options{Reduce: MaxHeads}, false,
			[][]float64{{1, 0, 0.5, 0.5}, {0, 1, 0, 1}}, [][]float64{{1, 0, 0.5, 0.5}, {0.5, 0.5, 0.5, 0.5}},
			[]string{"rollout", "rollout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var phases []string
			r, err := Compute(context.Background(), a, tc.opt, tc.withFlow, func(p progress.Report) { phases = append(phases, p.Phase) })
			if err != nil {
				t.Fatal(err)
			}
			if r.Layers != 2 || r.Heads != 2 || r.Residual != tc.opt.Residual || r.Reduce != tc.opt.Reduce.String() {
				t.Fatalf("%d layers of %d heads, residual %v, reduce %q", r.Layers, r.Heads, r.Residual, r.Reduce)
			}
			if !slices.Equal(r.Attention.Shape, []int{2, 2, 2}) || !slices.Equal(r.Rollout.Shape, []int{2, 2, 2}) {
				t.Fatalf("attention %v, rollout %v, want [2 2 2]", r.Attention.Shape, r.Rollout.Shape)
			}
			assertMatrix(t, "attention", f64.FromFloat32(r.Attention.Data), slices.Concat(tc.attention...))
			assertMatrix(t, "rollout", f64.FromFloat32(r.Rollout.Data), slices.Concat(tc.rollout...))
			if tc.withFlow {
				want, err := Flow(a, tc.opt, 2)
				if err != nil {
					t.Fatal(err)
				}
				if r.Flow == nil || !slices.Equal(r.Flow.Shape, []int{2, 2}) {
					t.Fatalf("flow %v, want [2 2]", r.Flow)
				}
				assertMatrix(t, "flow", f64.FromFloat32(r.Flow.Data), want)
			} else if r.Flow != nil {
				t.Errorf("flow %v computed though not asked for", r.Flow)
			}
			if !slices.Equal(phases, tc.phases) {
				t.Errorf("phases %q, want %q", phases, tc.phases)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compute(ctx, a, DefaultOptions(), true, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error %v", err)
	}
}

func TestParseHeadReduce(t *testing.T) {
	for _, tc := range []struct {
		name string
		want HeadReduce
		err  string
	}{
		{"", MeanHeads, ""},
		{"mean", MeanHeads, ""},
		{"max", MaxHeads, ""},
		{"median", 0, `reduce "median": want mean or max`},
	} {
		got, err := ParseHeadReduce(tc.name)
		if (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err || got != tc.want {
			t.Errorf("%q: %v, error %v; want %v, %q", tc.name, got, err, tc.want, tc.err)
		}
		if err == nil && tc.name != "" && got.String() != tc.name {
			t.Errorf("%q reads back as %q", tc.name, got)
		}
	}
}
