package probe

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"bertology/core/progress"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestEvaluatePlanted: a planted, linearly separable feature must be found on held-out data.
func TestEvaluatePlanted(t *testing.T) {
	const N, D, K = 400, 16, 3
	x, y := planted(N, D, K, 5)
	s, err := Evaluate(x, N, D, y, K, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("planted: train %.4f held-out %.4f, %d iterations", s.Train, s.HeldOut, s.Iterations)
	if s.NTrain != 320 || s.NHeldOut != 80 {
		t.Fatalf("split %d/%d, want 320/80", s.NTrain, s.NHeldOut)
	}
	if s.HeldOut < 0.98 || s.Train < 0.98 {
		t.Fatalf("accuracy train %v held-out %v, want ≥ 0.98 on separable data", s.Train, s.HeldOut)
	}
}

// TestEvaluateShuffledLabels: with the labels permuted the features carry no information, so the held-out
// accuracy must be near chance. With 2 balanced classes and 1000 samples, 200 are held out; a chance-level
// accuracy on them has standard deviation √(0.25/200) ≈ 0.035, so |acc − 0.5| < 0.1 is a band of ≈ 2.8σ.
// The training accuracy may exceed chance (the probe memorises noise), which is why probes are judged on
// held-out data.
func TestEvaluateShuffledLabels(t *testing.T) {
	const N, D, K = 1000, 8, 2
	x, y := planted(N, D, K, 9)
	r := rand.New(rand.NewPCG(21, 0))
	r.Shuffle(N, func(i, j int) { y[i], y[j] = y[j], y[i] })
	s, err := Evaluate(x, N, D, y, K, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("shuffled: train %.4f held-out %.4f", s.Train, s.HeldOut)
	if math.Abs(s.HeldOut-0.5) >= 0.1 {
		t.Fatalf("held-out accuracy with shuffled labels %v, want within 0.1 of chance 0.5", s.HeldOut)
	}
}

// TestEvaluateLayers: the label is planted only in layer 2 of three; layers 0 and 1 are noise.
func TestEvaluateLayers(t *testing.T) {
	const N, D, K = 300, 4, 2
	signal, y := planted(N, D, K, 1)
	noise := func(seed uint64) []float64 {
		r := rand.New(rand.NewPCG(seed, 0))
		x := make([]float64, N*D)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		return x
	}
	var calls []int
	scores, err := EvaluateLayers(t.Context(), [][]float64{noise(2), noise(3), signal}, N, D, y, K, DefaultOptions(),
		func(r progress.Report) { calls = append(calls, r.Done*10+r.Total) })
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 3 || calls[0] != 13 || calls[2] != 33 {
		t.Fatalf("progress calls %v, want (1,3) (2,3) (3,3)", calls)
	}
	acc := HeldOutAccuracies(scores)
	t.Logf("held-out accuracy per layer %v", acc)
	if acc[2] < 0.98 || acc[0] > 0.7 || acc[1] > 0.7 {
		t.Fatalf("held-out accuracies %v: want layer 2 ≥ 0.98 and noise layers near chance", acc)
	}
}

func TestSplit(t *testing.T) {
	train, test, err := Split(10, 0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(train) != 8 || len(test) != 2 {
		t.Fatalf("split %d/%d, want 8/2", len(train), len(test))
	}
	seen := make(map[int]bool)
	for _, i := range append(append([]int(nil), train...), test...) {
		if seen[i] || i < 0 || i >= 10 {
			t.Fatalf("index %d repeated or out of range in %v %v", i, train, test)
		}
		seen[i] = true
	}
	again, _, _ := Split(10, 0.2, 7)
	for i := range train {
		if train[i] != again[i] {
			t.Fatalf("same seed gave %v then %v", train, again)
		}
	}
	// A tiny data set still gets one held-out sample.
	if train, test, _ := Split(2, 0.2, 1); len(train) != 1 || len(test) != 1 {
		t.Fatalf("split of 2: %v %v", train, test)
	}
	for _, tt := range []struct {
		N       int
		heldOut float64
		want    string
	}{{1, 0.2, "cannot split 1 samples"}, {10, 0, "held-out fraction 0"}, {10, 1, "held-out fraction 1"}} {
		if _, _, err := Split(tt.N, tt.heldOut, 1); err == nil || !contains(err.Error(), tt.want) {
			t.Errorf("Split(%d, %v): error %v, want %q", tt.N, tt.heldOut, err, tt.want)
		}
	}
}

func TestStandardize(t *testing.T) {
	// Feature 0 is 1, 3 (mean 2, sd 1); feature 1 is constant 5 (scale 1).
	x := []float64{1, 5, 3, 5}
	shift, scale := standardization(x, 2, 2)
	standardize(x, 2, shift, scale)
	want := []float64{-1, 0, 1, 0}
	for i := range want {
		if x[i] != want[i] {
			t.Fatalf("standardised %v, want %v", x, want)
		}
	}
}
