package induction

import (
	"slices"
	"sort"
)

// The scores of one head on one sequence, from its attention A [T, T] row-major (query rows, key
// columns). Each returns the sum of its terms and how many there were, so that sequences pool.

// prefixMatching sums A[i, i−R+1] over the second repeat.
func prefixMatching(a []float32, lay layout) (sum float64, n int) {
	for i := lay.second(); i < lay.T; i++ {
		sum += float64(a[i*lay.T+i-lay.R+1])
		n++
	}
	return sum, n
}

// previousToken sums A[i, i−1] over the positions whose previous one holds a random token.
func previousToken(a []float32, lay layout) (sum float64, n int) {
	for i := lay.start + 1; i < lay.T; i++ {
		sum += float64(a[i*lay.T+i-1])
		n++
	}
	return sum, n
}

// copying sums the copying of the positions of the second repeat, given the head's direct logits
// logits [R, V] at those positions and the sequence's token ids.
func copying(a, logits []float32, ids []int, lay layout) (sum float64, n int) {
	V := len(logits) / lay.R
	sorted := make([]float32, V)
	for r := range lay.R {
		z := logits[r*V : (r+1)*V]
		copy(sorted, z)
		slices.Sort(sorted)
		i := lay.second() + r
		var num, den float64
		for j := lay.start; j <= i; j++ {
			w := float64(a[i*lay.T+j])
			if w == 0 {
				continue
			}
			num += w * rankScore(sorted, z[ids[j]])
			den += w
		}
		if den > 0 {
			sum += num / den
			n++
		}
	}
	return sum, n
}

// rankScore is (#{v : z[v] < x} − #{v : z[v] > x}) / (V − 1) for the logits z sorted ascending and
// x = z[t]: 1 when x is the largest, −1 when it is the smallest.
func rankScore(sorted []float32, x float32) float64 {
	V := len(sorted)
	below := sort.Search(V, func(k int) bool { return sorted[k] >= x })
	above := V - sort.Search(V, func(k int) bool { return sorted[k] > x })
	return float64(below-above) / float64(V-1)
}
