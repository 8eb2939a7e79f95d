package probe

import "math"

// standardization returns, per feature of the N rows of x ([N, D]), the mean and the reciprocal of the
// standard deviation; a constant feature gets scale 1 so that it stays constant instead of dividing by zero.
func standardization(x []float64, N, D int) (shift, scale []float64) {
	shift = make([]float64, D)
	scale = make([]float64, D)
	for n := 0; n < N; n++ {
		for d, v := range x[n*D : (n+1)*D] {
			shift[d] += v
		}
	}
	for d := range shift {
		shift[d] /= float64(N)
	}
	for n := 0; n < N; n++ {
		for d, v := range x[n*D : (n+1)*D] {
			scale[d] += (v - shift[d]) * (v - shift[d])
		}
	}
	for d, ss := range scale {
		if sd := math.Sqrt(ss / float64(N)); sd > 0 {
			scale[d] = 1 / sd
		} else {
			scale[d] = 1
		}
	}
	return shift, scale
}

// standardize maps every row of x ([_, D]) in place to (x − shift)·scale.
func standardize(x []float64, D int, shift, scale []float64) {
	for i := range x {
		d := i % D
		x[i] = (x[i] - shift[d]) * scale[d]
	}
}
