package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestLayerNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		rows, cols int
		offset     float32
		eps        float64
	}{{1, 1, 0, 1e-5}, {3, 7, 0, 1e-12}, {4, 32, 100, 1e-12}, {2, 768, -3, 1e-5}} {
		x := randomSlice(r, tc.rows*tc.cols)
		for i := range x {
			x[i] += tc.offset
		}
		gamma, beta := randomSlice(r, tc.cols), randomSlice(r, tc.cols)
		want := make([]float32, len(x))
		wantMean, wantRstd := make([]float32, tc.rows), make([]float32, tc.rows)
		for i := 0; i < tc.rows; i++ {
			row := x[i*tc.cols : (i+1)*tc.cols]
			var mu, v float64
			for _, a := range row {
				mu += float64(a)
			}
			mu /= float64(tc.cols)
			for _, a := range row {
				v += (float64(a) - mu) * (float64(a) - mu)
			}
			v /= float64(tc.cols)
			rs := 1 / math.Sqrt(v+tc.eps)
			for j, a := range row {
				want[i*tc.cols+j] = float32((float64(a)-mu)*rs*float64(gamma[j]) + float64(beta[j]))
			}
			wantMean[i], wantRstd[i] = float32(mu), float32(rs)
		}
		got, mean, rstd := make([]float32, len(x)), make([]float32, tc.rows), make([]float32, tc.rows)
		Go{}.LayerNorm(got, mean, rstd, x, gamma, beta, tc.rows, tc.cols, tc.eps)
		assertNear(t, got, want, 1e-6)
		assertNear(t, mean, wantMean, 1e-6)
		assertNear(t, rstd, wantRstd, 1e-6*float64(wantRstd[0]))

		Go{}.LayerNorm(x, nil, nil, x, gamma, beta, tc.rows, tc.cols, tc.eps) // in place
		assertNear(t, x, want, 1e-6)
	}
}
