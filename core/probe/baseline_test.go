package probe

import "testing"

func TestMajorityShare(t *testing.T) {
	tests := []struct {
		labels []int
		k      int
		want   float64
	}{
		{[]int{0, 1, 1, 1}, 2, 0.75},
		{[]int{2, 0, 1}, 3, 1.0 / 3},
		{[]int{1}, 4, 1},
		{nil, 2, 0},
	}
	for _, tc := range tests {
		if got := MajorityShare(tc.labels, tc.k); got != tc.want {
			t.Errorf("MajorityShare(%v, %d) = %v, want %v", tc.labels, tc.k, got, tc.want)
		}
	}
}
