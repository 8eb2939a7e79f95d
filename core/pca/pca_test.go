package pca

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("%s[%d] = %.12g, want %.12g", what, i, got[i], want[i])
		}
	}
}

// Cases whose answer can be worked out by hand.
func TestComputeHandChecked(t *testing.T) {
	r5 := math.Sqrt(5)
	tests := []struct {
		name    string
		x       []float64
		N, D, K int

		mean, components, coords, variance, explained []float64
	}{{
		// The corners of a 4 × 2 rectangle centred on (1, 1): x varies most, then y. Sums of squares
		// 16 and 4, so variances 16/3 and 4/3 and shares 0.8 and 0.2.
		name: "rectangle", N: 4, D: 2, K: 2,
		x:          []float64{3, 2, 3, 0, -1, 2, -1, 0},
		mean:       []float64{1, 1},
		components: []float64{1, 0, 0, 1},
		coords:     []float64{2, 1, 2, -1, -2, 1, -2, -1},
		variance:   []float64{16.0 / 3, 4.0 / 3},
		explained:  []float64{0.8, 0.2},
	}, {
		// Three points on the line y = −2x: one component along ±(1, −2)/√5, which explains everything.
		// Its entry of largest magnitude is the second, so the sign rule picks (−1, 2)/√5.
		name: "line", N: 3, D: 2, K: 1,
		x:          []float64{1, -2, 2, -4, 3, -6},
		mean:       []float64{2, -4},
		components: []float64{-1 / r5, 2 / r5},
		coords:     []float64{r5, 0, -r5},
		variance:   []float64{5},
		explained:  []float64{1},
	}, {
		// Two points in 3-D differing only in y: the component is ±(0, 1, 0), and the sign rule picks
		// (0, 1, 0).
		name: "sign", N: 2, D: 3, K: 1,
		x:          []float64{0, 3, 5, 0, -3, 5},
		mean:       []float64{0, 0, 5},
		components: []float64{0, 1, 0},
		coords:     []float64{3, -3},
		variance:   []float64{18},
		explained:  []float64{1},
	}, {
		// One point: nothing varies.
		name: "one point", N: 1, D: 3, K: 1,
		x:         []float64{1, 2, 3},
		mean:      []float64{1, 2, 3},
		coords:    []float64{0},
		variance:  []float64{0},
		explained: []float64{0},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(tc.x, tc.N, tc.D, tc.K)
			if err != nil {
				t.Fatal(err)
			}
			if r.N != tc.N || r.D != tc.D || r.K != tc.K {
				t.Errorf("dimensions %d, %d, %d", r.N, r.D, r.K)
			}
			assertClose(t, "mean", r.Mean, tc.mean, 1e-12)
			if tc.components != nil {
				assertClose(t, "components", r.Components, tc.components, 1e-12)
			}
			assertClose(t, "coords", r.Coords, tc.coords, 1e-12)
			assertClose(t, "variance", r.Variance, tc.variance, 1e-12)
			assertClose(t, "explained", r.Explained, tc.explained, 1e-12)
		})
	}
}

// With every component kept, the components are orthonormal, the coordinates give the points back, the
// variances fall and the shares add up to one.
func TestComputeFullRank(t *testing.T) {
	const N, D = 7, 4
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, N*D)
	for i := range x {
		x[i] = rng.NormFloat64() * float64(1+i%D) // unequal spreads per dimension
	}
	r, err := Compute(x, N, D, D)
	if err != nil {
		t.Fatal(err)
	}
	for a := range D {
		for b := range D {
			dot := 0.0
			for j := range D {
				dot += r.Components[a*D+j] * r.Components[b*D+j]
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(dot-want) > 1e-12 {
				t.Errorf("component %d · component %d = %g, want %g", a, b, dot, want)
			}
		}
	}
	for i := range N {
		for j := range D {
			v := r.Mean[j]
			for k := range D {
				v += r.Coords[i*D+k] * r.Components[k*D+j]
			}
			if math.Abs(v-x[i*D+j]) > 1e-12 {
				t.Errorf("point %d dimension %d: reconstructed %g, want %g", i, j, v, x[i*D+j])
			}
		}
	}
	share := 0.0
	for k := range D {
		share += r.Explained[k]
		if k > 0 && r.Variance[k] > r.Variance[k-1] {
			t.Errorf("variance %d (%g) above variance %d (%g)", k, r.Variance[k], k-1, r.Variance[k-1])
		}
		// The variance along a component is the sample variance of the coordinates.
		ss := 0.0
		for i := range N {
			ss += r.Coords[i*D+k] * r.Coords[i*D+k]
		}
		if got := ss / (N - 1); math.Abs(got-r.Variance[k]) > 1e-12 {
			t.Errorf("component %d: coordinates' variance %g, reported %g", k, got, r.Variance[k])
		}
	}
	if math.Abs(share-1) > 1e-12 {
		t.Errorf("shares add up to %g, want 1", share)
	}
}

func TestComputeErrors(t *testing.T) {
	tests := []struct {
		name    string
		x       []float64
		N, D, K int
		want    string
	}{
		{"no points", nil, 0, 2, 1, "0 points"},
		{"short data", []float64{1, 2, 3}, 2, 2, 1, "3 values for 2 points"},
		{"too many components", []float64{1, 2, 3, 4}, 2, 2, 3, "want 1 to 2"},
		{"no components", []float64{1, 2, 3, 4}, 2, 2, 0, "want 1 to 2"},
		{"NaN", []float64{1, 2, math.NaN(), 4}, 2, 2, 1, "point 1, dimension 0 is NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.x, tc.N, tc.D, tc.K)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
