package attnstats

import (
	"cmp"
	"math"
	"slices"
)

// Result holds the per-head averages of every statistic.
type Result struct {
	Layers, Heads int
	Examples      int // examples added
	Tokens        int // query tokens seen, over all examples
	// Mean[s][l*Heads+h] is statistic s of head h in layer l; NaN when no query contributed (no examples
	// yet, or ToPrev and ToNext over one-token examples only).
	Mean [NumStatistics][]float64
}

// At returns statistic s of one head.
func (r *Result) At(s Statistic, layer, head int) float64 {
	return r.Mean[s][layer*r.Heads+head]
}

// HeadScore is one head's value of a statistic, as the lab sends it (js names) and the command line
// writes it (json names).
type HeadScore struct {
	Layer int     `js:"layer" json:"layer"`
	Head  int     `js:"head" json:"head"`
	Score float64 `js:"score" json:"score"`
}

// Top returns the k heads with the highest value of statistic s, highest first; ties keep layer-then-head
// order and NaN values are left out. For Entropy and Distance the highest are the broadest heads; the most
// focused are at the end of Top(s, r.Layers*r.Heads).
func (r *Result) Top(s Statistic, k int) []HeadScore {
	var out []HeadScore
	for l := 0; l < r.Layers; l++ {
		for h := 0; h < r.Heads; h++ {
			if v := r.At(s, l, h); !math.IsNaN(v) {
				out = append(out, HeadScore{Layer: l, Head: h, Score: v})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b HeadScore) int { return cmp.Compare(b.Score, a.Score) })
	return out[:min(max(k, 0), len(out))]
}
