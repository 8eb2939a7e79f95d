// Package pca projects points onto their principal components: the directions of largest variance of
// the centred points, as gonum's stat.PC finds them (the singular value decomposition of the centred
// data matrix). The hidden-state view uses it to draw a layer's token vectors in two dimensions.
//
// Signs follow scikit-learn's PCA: each component points so that its entry of largest magnitude is
// positive, which makes the result the same wherever the decomposition runs.
package pca

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Result is the principal component analysis of N points in D dimensions, kept to K components.
type Result struct {
	N, D, K int
	// Mean [D] is the mean of the points, the origin of the projection.
	Mean []float64
	// Components [K, D] row-major are the unit directions, largest variance first.
	Components []float64
	// Coords [N, K] row-major are the coordinates of each centred point along each component.
	Coords []float64
	// Variance [K] is the sample variance (sum of squares over N−1) along each component; 0 when N is 1.
	Variance []float64
	// Explained [K] is each component's share of the points' total variance, in [0, 1]; 0 when all the
	// points coincide.
	Explained []float64
}

// Compute analyses the N points x ([N, D] row-major) and keeps the first K components,
// 1 ≤ K ≤ min(N, D).
func Compute(x []float64, N, D, K int) (*Result, error) {
	switch {
	case N < 1 || D < 1:
		return nil, fmt.Errorf("pca: %d points of dimension %d, want at least one of at least one", N, D)
	case len(x) != N*D:
		return nil, fmt.Errorf("pca: %d values for %d points of dimension %d", len(x), N, D)
	case K < 1 || K > min(N, D):
		return nil, fmt.Errorf("pca: %d components of %d points of dimension %d, want 1 to %d", K, N, D, min(N, D))
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("pca: point %d, dimension %d is %v", i/D, i%D, v)
		}
	}
	points := mat.NewDense(N, D, x)
	var pc stat.PC
	if !pc.PrincipalComponents(points, nil) {
		return nil, fmt.Errorf("pca: the singular value decomposition of %d points of dimension %d did not converge", N, D)
	}
	var v mat.Dense // [D, min(N, D)]: the directions as columns
	pc.VectorsTo(&v)
	vars := make([]float64, min(N, D))
	total := 0.0 // the points' total variance: the sum over every component
	if N > 1 {   // one point has no variance (stat.PC would divide 0 by N−1 = 0)
		pc.VarsTo(vars)
		total = floats.Sum(vars)
	}

	r := &Result{N: N, D: D, K: K, Mean: make([]float64, D)}
	col := make([]float64, N)
	for j := range D {
		r.Mean[j] = stat.Mean(mat.Col(col, j, points), nil)
	}
	r.Components = make([]float64, K*D)
	r.Variance = vars[:K]
	r.Explained = make([]float64, K)
	for k := range K {
		comp := r.Components[k*D : (k+1)*D]
		largest := 0
		for j := range D {
			comp[j] = v.At(j, k)
			if math.Abs(comp[j]) > math.Abs(comp[largest]) {
				largest = j
			}
		}
		if comp[largest] < 0 {
			floats.Scale(-1, comp)
		}
		if total > 0 {
			r.Explained[k] = vars[k] / total
		}
	}
	r.Coords = make([]float64, N*K)
	centred := make([]float64, D)
	for i := range N {
		floats.SubTo(centred, x[i*D:(i+1)*D], r.Mean)
		for k := range K {
			r.Coords[i*K+k] = floats.Dot(centred, r.Components[k*D:(k+1)*D])
		}
	}
	return r, nil
}
