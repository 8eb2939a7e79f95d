package bertology

import (
	"cmp"
	"math"
	"slices"
)

// Normalization says which of run_bertology.py's two importance normalisations to apply.
// The script applies both unless told otherwise (--dont_normalize_importance_by_layer,
// --dont_normalize_global_importance).
type Normalization struct {
	ByLayer bool // divide each layer by its L2 norm (+1e-20)
	Global  bool // min-max scale all heads to [0, 1]
}

// BothNormalizations is the script's default.
var BothNormalizations = Normalization{ByLayer: true, Global: true}

// Normalize applies n to importance [layers*heads] in place.
func Normalize(importance []float64, layers, heads int, n Normalization) {
	if n.ByLayer {
		for l := 0; l < layers; l++ {
			row := importance[l*heads : (l+1)*heads]
			var ss float64
			for _, v := range row {
				ss += v * v
			}
			norm := math.Sqrt(ss) + 1e-20
			for h := range row {
				row[h] /= norm
			}
		}
	}
	if n.Global {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range importance {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		// A constant map divides 0 by 0, as the script does; the NaNs say the ranking is meaningless.
		for i, v := range importance {
			importance[i] = (v - lo) / (hi - lo)
		}
	}
}

// Ranks gives each head its position when heads are sorted by decreasing importance (0 = most
// important), as the script's head_ranks. Ties keep head order.
func Ranks(importance []float64) []int {
	order := make([]int, len(importance))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(importance[b], importance[a]) })
	ranks := make([]int, len(importance))
	for r, i := range order {
		ranks[i] = r
	}
	return ranks
}
