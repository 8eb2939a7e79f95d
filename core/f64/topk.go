package f64

// TopK returns the indices of the k largest entries of x (all of them when x is shorter), largest
// first, ties in index order. It keeps the k found so far in order, as k is small next to a vocabulary.
func TopK(x []float64, k int) []int {
	if k <= 0 {
		return []int{}
	}
	top := make([]int, 0, min(k, len(x)))
	for i, v := range x {
		if len(top) == k && v <= x[top[k-1]] {
			continue
		}
		if len(top) < k {
			top = append(top, 0)
		}
		j := len(top) - 1
		for ; j > 0 && x[top[j-1]] < v; j-- {
			top[j] = top[j-1]
		}
		top[j] = i
	}
	return top
}
