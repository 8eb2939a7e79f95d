package probe

import "testing"

// hidden3 is [B=2, T=3, D=2] with value b·100 + t·10 + d.
var hidden3 = []float32{0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121}

func TestSentenceFeatures(t *testing.T) {
	mask := []int{1, 1, 0, 0, 1, 1} // sequence 0 right-padded, sequence 1 left-padded
	for _, tt := range []struct {
		name string
		mask []int
		pool Pool
		want []float64
	}{
		{"first", mask, First, []float64{0, 1, 110, 111}},
		{"last", mask, Last, []float64{10, 11, 120, 121}},
		{"mean", mask, Mean, []float64{5, 6, 115, 116}},
		{"mean, no mask", nil, Mean, []float64{10, 11, 110, 111}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SentenceFeatures(hidden3, 2, 3, 2, tt.mask, tt.pool)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
	for _, tt := range []struct {
		name   string
		hidden []float32
		mask   []int
		want   string
	}{
		{"size", hidden3[:5], nil, "5 hidden values, want 2 sequences × 3 positions × 2 = 12"},
		{"mask size", hidden3, []int{1}, "mask has 1 entries"},
		{"empty sequence", hidden3, []int{1, 0, 0, 0, 0, 0}, "sequence 1 has no real tokens"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SentenceFeatures(tt.hidden, 2, 3, 2, tt.mask, First)
			if err == nil || !contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTokenFeatures(t *testing.T) {
	got, err := TokenFeatures(hidden3, 2, 3, 2, [][]int{{2, 0}, {1}})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{20, 21, 0, 1, 110, 111}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if _, err := TokenFeatures(hidden3, 2, 3, 2, [][]int{{3}, {}}); err == nil || !contains(err.Error(), "sequence 0 position 3 outside 0..2") {
		t.Fatalf("error %v for a position past the end", err)
	}
	if _, err := TokenFeatures(hidden3, 2, 3, 2, [][]int{{0}}); err == nil || !contains(err.Error(), "positions for 1 sequences") {
		t.Fatalf("error %v for missing sequences", err)
	}
}
