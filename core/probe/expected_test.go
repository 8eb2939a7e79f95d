package probe

import (
	"math"
	"testing"
)

func TestExpectedLayer(t *testing.T) {
	for _, tt := range []struct {
		scores []float64
		want   float64
	}{
		// Δ = 0.1, 0.3, 0 → (1·0.1 + 2·0.3 + 3·0) / 0.4 = 0.7 / 0.4 = 1.75.
		{[]float64{0.5, 0.6, 0.9, 0.9}, 1.75},
		// All the gain at layer 3: Δ = 0, 0, 0.4 → 3.
		{[]float64{0.5, 0.5, 0.5, 0.9}, 3},
		// A dip: Δ = 0.4, −0.2, 0.1 → (0.4 − 0.4 + 0.3) / 0.3 = 1.
		{[]float64{0.5, 0.9, 0.7, 0.8}, 1},
	} {
		got, err := ExpectedLayer(tt.scores)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("ExpectedLayer(%v) = %v, want %v", tt.scores, got, tt.want)
		}
	}
	if _, err := ExpectedLayer([]float64{0.5, 0.7, 0.5}); err == nil {
		t.Error("no error for a curve that ends where it starts")
	}
	if _, err := ExpectedLayer([]float64{0.5}); err == nil {
		t.Error("no error for a single layer")
	}
}

func TestCentreOfGravity(t *testing.T) {
	for _, tt := range []struct {
		w    []float64
		want float64
	}{
		// (0·0.5 + 1·0.6 + 2·0.9 + 3·0.9) / 2.9 = 5.1 / 2.9.
		{[]float64{0.5, 0.6, 0.9, 0.9}, 5.1 / 2.9},
		// Uniform mixing weights over layers 0..4 → 2.
		{[]float64{0.2, 0.2, 0.2, 0.2, 0.2}, 2},
		{[]float64{0, 0, 1}, 2},
	} {
		got, err := CentreOfGravity(tt.w)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("CentreOfGravity(%v) = %v, want %v", tt.w, got, tt.want)
		}
	}
	if _, err := CentreOfGravity([]float64{0, 0}); err == nil {
		t.Error("no error for zero weights")
	}
	if _, err := CentreOfGravity([]float64{1, -1}); err == nil {
		t.Error("no error for a negative weight")
	}
}
