package probe

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"

	"bertology/core/f64"
)

// Classifier is a multinomial logistic regression over D features and K classes: the score of class k for
// a feature row x is W[k]·x + B[k], and the prediction is the highest score.
type Classifier struct {
	D, K int
	W    []float64 // [K, D] row-major
	B    []float64 // [K]

	Loss       float64 // the training objective at the solution
	Iterations int     // L-BFGS major iterations used
}

// Fit trains a classifier on the N rows of x ([N, D] row-major) with labels y in [0, K) by minimising the
// mean cross-entropy plus lambda/2·‖W‖² (the biases are not penalised) with gonum's L-BFGS, for at most
// maxIterations major iterations (0: until converged).
func Fit(x []float64, N, D int, y []int, K int, lambda float64, maxIterations int) (*Classifier, error) {
	if err := checkData(x, N, D, y, K); err != nil {
		return nil, err
	}
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		return nil, fmt.Errorf("probe: L2 weight %v, want a finite number ≥ 0", lambda)
	}
	obj := &objective{x: x, y: y, N: N, D: D, K: K, lambda: lambda}
	settings := &optimize.Settings{GradientThreshold: 1e-6, MajorIterations: maxIterations}
	res, err := optimize.Minimize(optimize.Problem{Func: obj.value, Grad: obj.gradient}, make([]float64, K*(D+1)), settings, &optimize.LBFGS{})
	if err != nil {
		return nil, fmt.Errorf("probe: fitting %d samples of %d features, %d classes: %w", N, D, K, err)
	}
	return &Classifier{D: D, K: K, W: slices.Clone(res.X[:K*D]), B: slices.Clone(res.X[K*D:]),
		Loss: res.F, Iterations: res.MajorIterations}, nil
}

// Predict returns the class with the highest score for one feature row of length D.
func (c *Classifier) Predict(x []float64) int {
	best, bestScore := 0, math.Inf(-1)
	for k := 0; k < c.K; k++ {
		if s := c.B[k] + dot(c.W[k*c.D:(k+1)*c.D], x); s > bestScore {
			best, bestScore = k, s
		}
	}
	return best
}

// Accuracy returns the fraction of the N rows of x ([N, D]) whose prediction equals y.
func (c *Classifier) Accuracy(x []float64, N int, y []int) float64 {
	correct := 0
	for n := 0; n < N; n++ {
		if c.Predict(x[n*c.D:(n+1)*c.D]) == y[n] {
			correct++
		}
	}
	return float64(correct) / float64(N)
}

// objective is the regularised cross-entropy of Fit as a function of θ = [W (K×D), B (K)]. gonum asks for
// the value and the gradient at the same point in separate calls; one pass computes both and keeps them
// for the point last seen.
type objective struct {
	x          []float64
	y          []int
	N, D, K    int
	lambda     float64
	at, grad   []float64
	val        float64
	logits, pr []float64 // scratch, length K
}

func (o *objective) value(theta []float64) float64 {
	o.evaluate(theta)
	return o.val
}

func (o *objective) gradient(grad, theta []float64) {
	o.evaluate(theta)
	copy(grad, o.grad)
}

func (o *objective) evaluate(theta []float64) {
	if o.at != nil && slices.Equal(o.at, theta) {
		return
	}
	o.at = append(o.at[:0], theta...)
	if o.grad == nil {
		o.grad = make([]float64, len(theta))
		o.logits = make([]float64, o.K)
		o.pr = make([]float64, o.K)
	}
	o.val = loss(theta, o.x, o.y, o.N, o.D, o.K, o.lambda, o.grad, o.logits, o.pr)
}

// loss returns (1/N) Σ_n −log softmax(W·x_n + B)[y_n] + lambda/2·‖W‖² at θ = [W, B] and stores its
// gradient in grad: ∂/∂W[k,d] = (1/N) Σ_n (p_nk − [y_n = k]) x_nd + lambda·W[k,d], ∂/∂B[k] = (1/N) Σ_n
// (p_nk − [y_n = k]), with p_n the softmax probabilities. logits and p are scratch of length K.
func loss(theta, x []float64, y []int, N, D, K int, lambda float64, grad, logits, p []float64) float64 {
	W, B := theta[:K*D], theta[K*D:]
	gW, gB := grad[:K*D], grad[K*D:]
	clear(grad)
	var total float64
	for n := 0; n < N; n++ {
		xn := x[n*D : (n+1)*D]
		for k := 0; k < K; k++ {
			logits[k] = B[k] + dot(W[k*D:(k+1)*D], xn)
		}
		total += f64.Softmax(p, logits) - logits[y[n]]
		for k := 0; k < K; k++ {
			r := p[k]
			if k == y[n] {
				r--
			}
			gB[k] += r
			gk := gW[k*D : (k+1)*D]
			for d, v := range xn {
				gk[d] += r * v
			}
		}
	}
	inv := 1 / float64(N)
	var norm2 float64
	for i, w := range W {
		norm2 += w * w
		gW[i] = gW[i]*inv + lambda*w
	}
	for k := range gB {
		gB[k] *= inv
	}
	return total*inv + lambda/2*norm2
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// checkData reports mismatched sizes, labels outside [0, K) and features that are not finite.
func checkData(x []float64, N, D int, y []int, K int) error {
	if N < 1 || D < 1 {
		return fmt.Errorf("probe: need at least one sample and one feature, have %d samples of %d features", N, D)
	}
	if K < 2 {
		return fmt.Errorf("probe: need at least 2 classes, have %d", K)
	}
	if len(x) != N*D {
		return fmt.Errorf("probe: %d feature values, want %d samples × %d features = %d", len(x), N, D, N*D)
	}
	if len(y) != N {
		return fmt.Errorf("probe: %d labels for %d samples", len(y), N)
	}
	for n, label := range y {
		if label < 0 || label >= K {
			return fmt.Errorf("probe: sample %d has label %d, want 0..%d", n, label, K-1)
		}
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("probe: sample %d feature %d is %v", i/D, i%D, v)
		}
	}
	return nil
}
