// Package probe trains probing classifiers on a model's hidden states (Tenney et al. 2019, "BERT Rediscovers
// the Classical NLP Pipeline"; "What do you learn from context?"): a linear classifier per layer predicts a
// label — of a sentence or of each token — from that layer's vectors, and the held-out accuracy across layers
// shows where the information is linearly available.
//
// The classifier is an L2-regularised multinomial logistic regression fitted with gonum's L-BFGS on the exact
// loss and gradient, in float64. Features come from SentenceFeatures (one pooled vector per sequence) or
// TokenFeatures (one vector per chosen token); token tags are read with glue.ReadTagged. ExpectedLayer and
// CentreOfGravity summarise a per-layer score curve as one layer number.
package probe

import (
	"context"
	"fmt"

	"bertology/core/progress"
)

// Options configure Evaluate and EvaluateLayers.
type Options struct {
	// Lambda is the L2 weight: the objective is mean cross-entropy + Lambda/2·‖W‖².
	Lambda float64
	// HeldOut is the fraction of the samples, in (0, 1), kept out of training and used for the held-out
	// accuracy.
	HeldOut float64
	// Seed fixes the shuffle that chooses the held-out samples; the same seed gives the same split.
	Seed uint64
	// Standardize rescales every feature to zero mean and unit variance on the training split (the same
	// transform is applied to the held-out split). Hidden states have a few dimensions of very large
	// magnitude, which otherwise dominate the penalty and slow L-BFGS down.
	Standardize bool
	// MaxIterations bounds the L-BFGS major iterations; 0 runs until converged.
	MaxIterations int
}

// DefaultOptions: lambda 1e-3, 20% held out with seed 1, standardised features, at most 500 iterations.
func DefaultOptions() Options {
	return Options{Lambda: 1e-3, HeldOut: 0.2, Seed: 1, Standardize: true, MaxIterations: 500}
}

// Score is the outcome of probing one set of features.
type Score struct {
	Train, HeldOut   float64 // accuracy on the training and held-out splits
	NTrain, NHeldOut int
	Loss             float64 // the training objective at the solution
	Iterations       int     // L-BFGS major iterations
}

// Evaluate splits the N samples of x ([N, D] row-major) with labels y in [0, K) into training and held-out
// sets as opt says, fits a classifier on the training set and reports both accuracies.
func Evaluate(x []float64, N, D int, y []int, K int, opt Options) (Score, error) {
	if err := checkData(x, N, D, y, K); err != nil {
		return Score{}, err
	}
	train, test, err := Split(N, opt.HeldOut, opt.Seed)
	if err != nil {
		return Score{}, err
	}
	xTrain, yTrain := gather(x, D, y, train)
	xTest, yTest := gather(x, D, y, test)
	if opt.Standardize {
		shift, scale := standardization(xTrain, len(train), D)
		standardize(xTrain, D, shift, scale)
		standardize(xTest, D, shift, scale)
	}
	c, err := Fit(xTrain, len(train), D, yTrain, K, opt.Lambda, opt.MaxIterations)
	if err != nil {
		return Score{}, err
	}
	return Score{
		Train:      c.Accuracy(xTrain, len(train), yTrain),
		HeldOut:    c.Accuracy(xTest, len(test), yTest),
		NTrain:     len(train),
		NHeldOut:   len(test),
		Loss:       c.Loss,
		Iterations: c.Iterations,
	}, nil
}

// EvaluateLayers probes every layer's features (layers[l] is [N, D], e.g. hidden states 0..L with 0 the
// embeddings) against the same labels and the same split, telling report after each layer. It stops
// after the layer during which ctx is cancelled.
func EvaluateLayers(ctx context.Context, layers [][]float64, N, D int, y []int, K int, opt Options, report progress.Func) ([]Score, error) {
	scores := make([]Score, len(layers))
	for l, x := range layers {
		s, err := Evaluate(x, N, D, y, K, opt)
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", l, err)
		}
		scores[l] = s
		report.Send(progress.Report{Done: l + 1, Total: len(layers)})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return scores, nil
}

// gather copies the rows of x ([_, D]) and labels y listed in rows.
func gather(x []float64, D int, y []int, rows []int) ([]float64, []int) {
	xs := make([]float64, 0, len(rows)*D)
	ys := make([]int, 0, len(rows))
	for _, r := range rows {
		xs = append(xs, x[r*D:(r+1)*D]...)
		ys = append(ys, y[r])
	}
	return xs, ys
}

// HeldOutAccuracies returns the held-out accuracy of each score, the curve ExpectedLayer and CentreOfGravity
// summarise.
func HeldOutAccuracies(scores []Score) []float64 {
	out := make([]float64, len(scores))
	for l, s := range scores {
		out[l] = s.HeldOut
	}
	return out
}
