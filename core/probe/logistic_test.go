package probe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLossGradient checks the analytic gradient of the loss against central finite differences.
func TestLossGradient(t *testing.T) {
	const N, D, K, lambda = 7, 4, 3, 0.1
	r := rand.New(rand.NewPCG(3, 0))
	x := make([]float64, N*D)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	y := []int{0, 2, 1, 1, 0, 2, 2}
	theta := make([]float64, K*(D+1))
	for i := range theta {
		theta[i] = r.NormFloat64()
	}
	grad := make([]float64, len(theta))
	scratch := func() ([]float64, []float64) { return make([]float64, K), make([]float64, K) }
	l1, p1 := scratch()
	loss(theta, x, y, N, D, K, lambda, grad, l1, p1)

	const h = 1e-6
	tmp := make([]float64, len(theta))
	for i := range theta {
		plus, minus := append([]float64(nil), theta...), append([]float64(nil), theta...)
		plus[i] += h
		minus[i] -= h
		fp := loss(plus, x, y, N, D, K, lambda, tmp, l1, p1)
		fm := loss(minus, x, y, N, D, K, lambda, tmp, l1, p1)
		want := (fp - fm) / (2 * h)
		if math.Abs(grad[i]-want) > 1e-7*max(1, math.Abs(want)) {
			t.Errorf("∂loss/∂θ[%d] = %v, finite difference %v", i, grad[i], want)
		}
	}
}

// TestLossValue checks the loss at θ = 0, where every class has probability 1/K: the cross-entropy is log K
// and the penalty is zero.
func TestLossValue(t *testing.T) {
	const N, D, K = 5, 2, 4
	x := make([]float64, N*D)
	for i := range x {
		x[i] = float64(i)
	}
	theta := make([]float64, K*(D+1))
	got := loss(theta, x, []int{0, 1, 2, 3, 0}, N, D, K, 1, make([]float64, len(theta)), make([]float64, K), make([]float64, K))
	if want := math.Log(K); math.Abs(got-want) > 1e-15 {
		t.Fatalf("loss at zero = %v, want log %d = %v", got, K, want)
	}
}

// planted returns N samples of D Gaussian features where feature k is raised by 4 for the samples of class
// k (K ≤ D classes, drawn uniformly), rejecting samples whose planted feature does not exceed every other
// class's feature by at least 1: the classes are linearly separable with a margin.
func planted(N, D, K int, seed uint64) ([]float64, []int) {
	r := rand.New(rand.NewPCG(seed, 0))
	x := make([]float64, 0, N*D)
	y := make([]int, 0, N)
	row := make([]float64, D)
	for len(y) < N {
		k := r.IntN(K)
		for d := range row {
			row[d] = r.NormFloat64()
		}
		row[k] += 4
		separated := true
		for j := 0; j < K; j++ {
			if j != k && row[k]-row[j] < 1 {
				separated = false
			}
		}
		if separated {
			x = append(x, row...)
			y = append(y, k)
		}
	}
	return x, y
}

func TestFitPlanted(t *testing.T) {
	const N, D, K = 200, 6, 3
	x, y := planted(N, D, K, 11)
	c, err := Fit(x, N, D, y, K, 1e-3, 0)
	if err != nil {
		t.Fatal(err)
	}
	if acc := c.Accuracy(x, N, y); acc != 1 {
		t.Fatalf("training accuracy on separable data %v, want 1", acc)
	}
}

func TestFitErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		x    []float64
		N, D int
		y    []int
		K    int
		want string
	}{
		{"label range", []float64{1, 2}, 2, 1, []int{0, 2}, 2, "sample 1 has label 2, want 0..1"},
		{"one class", []float64{1, 2}, 2, 1, []int{0, 0}, 1, "at least 2 classes"},
		{"short features", []float64{1}, 2, 1, []int{0, 1}, 2, "1 feature values, want 2 samples"},
		{"label count", []float64{1, 2}, 2, 1, []int{0}, 2, "1 labels for 2 samples"},
		{"not finite", []float64{1, math.NaN()}, 2, 1, []int{0, 1}, 2, "sample 1 feature 0 is NaN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Fit(tt.x, tt.N, tt.D, tt.y, tt.K, 0, 0)
			if err == nil || !contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
