package metrics

import (
	"cmp"
	"math"
	"slices"
)

// Pearson is SciPy's pearsonr statistic: the dot product of the centred x and y, each divided by its
// norm, clipped to [-1, 1]; exactly ±1 for two points. x and y must have the same length. It is NaN
// where SciPy's is NaN or raises: for fewer than 2 points, a constant x or y, or a NaN in either.
func Pearson(x, y []float64) float64 {
	n := len(x)
	if n < 2 || hasNaN(x) || hasNaN(y) || constant(x) || constant(y) {
		return math.NaN()
	}
	if n == 2 {
		return sign(x[1]-x[0]) * sign(y[1]-y[0])
	}
	var meanX, meanY float64
	for i := range x {
		meanX += x[i]
		meanY += y[i]
	}
	meanX /= float64(n)
	meanY /= float64(n)
	var normX, normY float64
	for i := range x {
		normX += (x[i] - meanX) * (x[i] - meanX)
		normY += (y[i] - meanY) * (y[i] - meanY)
	}
	normX, normY = math.Sqrt(normX), math.Sqrt(normY)
	var r float64
	for i := range x {
		r += (x[i] - meanX) / normX * ((y[i] - meanY) / normY)
	}
	return math.Max(-1, math.Min(1, r))
}

// Spearman is SciPy's spearmanr statistic: the Pearson correlation of the ranks of x and y, where tied
// values share the mean of the ranks they span (rankdata's "average"). Like Pearson it is NaN for fewer
// than 2 points, a constant x or y, or a NaN in either.
func Spearman(x, y []float64) float64 {
	if hasNaN(x) || hasNaN(y) {
		return math.NaN()
	}
	return Pearson(ranks(x), ranks(y))
}

// ranks returns the 1-based rank of each value of v, ties given the mean of their ranks.
func ranks(v []float64) []float64 {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	r := make([]float64, len(v))
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && v[order[end]] == v[order[start]] {
			end++
		}
		// Ranks start+1 .. end share their mean.
		mean := float64(start+1+end) / 2
		for _, i := range order[start:end] {
			r[i] = mean
		}
		start = end
	}
	return r
}

// constant reports whether v's values are all equal.
func constant(v []float64) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}

func hasNaN(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) {
			return true
		}
	}
	return false
}

func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
