package kernel

import "math"

// Softmax replaces each row of x [rows, cols] by its softmax.
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
