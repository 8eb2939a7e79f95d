package train

import (
	"maps"
	"math"
	"slices"

	"bertology/core/tensor"
)

// ClipGradNorm is torch.nn.utils.clip_grad_norm_: when the global L2 norm of all the gradients
// together exceeds maxNorm, it scales every gradient by maxNorm / (norm + 1e-6). It returns the norm
// before clipping. A maxNorm of 0 or less clips nothing. The norm is summed in float64, in name order.
func ClipGradNorm(grads map[string]*tensor.Tensor, maxNorm float64) float64 {
	var sum float64
	for _, name := range slices.Sorted(maps.Keys(grads)) {
		for _, g := range grads[name].Data {
			sum += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(sum)
	if maxNorm <= 0 {
		return norm
	}
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		for _, t := range grads {
			for i := range t.Data {
				t.Data[i] = float32(float64(t.Data[i]) * coef)
			}
		}
	}
	return norm
}
