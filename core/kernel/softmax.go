package kernel

import "math"

// Softmax implements Kernels.
//
// As PyTorch does, it subtracts the row's maximum in float32 before exponentiating, so a row whose
// entries were all pushed to float32's lowest value by a padding mask comes out uniform, and a row of
// -Inf comes out NaN. Exponentials and the sum are taken in float64.
func (Go) Softmax(x []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		if len(row) == 0 {
			continue
		}
		mx := row[0]
		for _, v := range row[1:] {
			if v > mx {
				mx = v
			}
		}
		var sum float64
		for j, v := range row {
			e := math.Exp(float64(v - mx))
			row[j] = float32(e)
			sum += e
		}
		inv := 1 / sum
		for j, v := range row {
			row[j] = float32(float64(v) * inv)
		}
	}
}

// SoftmaxBackward implements Kernels. A key that a mask gave zero probability gets zero gradient, with
// no Inf or NaN from the float32-min scores.
func (Go) SoftmaxBackward(dp, p []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		dr, pr := dp[r*cols:(r+1)*cols], p[r*cols:(r+1)*cols]
		var s float64
		for j, v := range pr {
			s += float64(v) * float64(dr[j])
		}
		for j, v := range pr {
			dr[j] = float32(float64(v) * (float64(dr[j]) - s))
		}
	}
}
