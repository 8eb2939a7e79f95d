package attnstats

import (
	"cmp"
	"math"
	"slices"

	"bertology/core/f64"
	"bertology/core/tensor"
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

// statisticKeys are the statistics' keys, in Statistic order.
var statisticKeys = [NumStatistics]string{"to_first", "to_special", "to_punct", "to_prev", "to_next", "distance", "entropy"}

// Key names s in a Summary and in the command line's file names: to_first, to_special, to_punct, to_prev,
// to_next, distance, entropy.
func (s Statistic) Key() string {
	if s < 0 || s >= NumStatistics {
		return s.String()
	}
	return statisticKeys[s]
}

// Summary is a Result as the lab sends it to the page (js names) and the command line writes it (json
// names): every statistic of every head, and the heads where each is highest.
type Summary struct {
	Task          string   `js:"task" json:"task"`
	Examples      int      `js:"examples" json:"examples"`
	Tokens        int      `js:"tokens" json:"tokens"` // query tokens seen over all examples
	Layers        int      `js:"layers" json:"layers"`
	Heads         int      `js:"heads" json:"heads"`
	SpecialTokens []string `js:"specialTokens" json:"special_tokens"` // the tokens ToSpecial counts
	// Statistics maps each statistic's Key to its values [layers, heads]; NaN (null in JSON) where no
	// query contributed.
	Statistics map[string]*tensor.Tensor `js:"statistics" json:"statistics"`
	// Top maps each statistic's Key to the heads with its highest values, highest first (see Result.Top:
	// for Distance and Entropy these are the broadest heads).
	Top map[string][]HeadScore `js:"top" json:"top"`
}

// Summarize returns r with the top heads of every statistic as a Summary; the caller fills in Task and
// SpecialTokens.
func (r *Result) Summarize(top int) *Summary {
	sum := &Summary{Examples: r.Examples, Tokens: r.Tokens, Layers: r.Layers, Heads: r.Heads,
		Statistics: make(map[string]*tensor.Tensor, NumStatistics), Top: make(map[string][]HeadScore, NumStatistics)}
	for s := range NumStatistics {
		sum.Statistics[s.Key()] = tensor.FromData(f64.ToFloat32(r.Mean[s]), r.Layers, r.Heads)
		sum.Top[s.Key()] = append([]HeadScore{}, r.Top(s, top)...) // [] rather than null when none
	}
	return sum
}
