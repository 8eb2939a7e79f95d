package probe

// MajorityShare is the share of the most frequent of k classes among labels (each in [0, k)): the
// accuracy of always predicting that class, which a probe must beat to have learnt anything. It is 0
// for no labels.
func MajorityShare(labels []int, k int) float64 {
	if len(labels) == 0 {
		return 0
	}
	counts := make([]int, k)
	best := 0
	for _, y := range labels {
		counts[y]++
		best = max(best, counts[y])
	}
	return float64(best) / float64(len(labels))
}
