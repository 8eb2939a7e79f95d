package parallel

// Groups splits n consecutive steps into the groups that a pass hands its workers a call at a time,
// for workers whose calls cost more than a small step (a message to another Web Worker and back): a
// group ends once the sizes of its steps (size(k): the tokens of batch k, say) add up to least, or once
// it holds 1/(4·workers) of the steps, so that every worker still gets several calls. With least 0
// every step is a group of its own. It returns the first step of each group, then n.
func Groups(n int, size func(k int) int, least, workers int) []int {
	bounds := []int{0}
	longest := max(1, n/(4*max(1, workers)))
	total := 0
	for k := range n {
		total += size(k)
		if total >= least || k+1-bounds[len(bounds)-1] >= longest || k+1 == n {
			bounds = append(bounds, k+1)
			total = 0
		}
	}
	return bounds
}
