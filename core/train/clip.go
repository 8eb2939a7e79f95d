package train

import (
	"math"

	"bertology/core/model"
)

// ClipGradNorm is torch.nn.utils.clip_grad_norm_: when the global L2 norm of all the gradients
// together exceeds maxNorm, it scales every gradient by maxNorm / (norm + 1e-6). It returns the norm
// before clipping. A maxNorm of 0 or less clips nothing. The norm is summed in float64, in name order
// (WeightGradient.SumSquares).
func ClipGradNorm(g *model.WeightGradient, maxNorm float64) float64 {
	norm := math.Sqrt(g.SumSquares())
	if maxNorm <= 0 {
		return norm
	}
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		g.Scale(coef)
	}
	return norm
}
