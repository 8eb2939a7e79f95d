package induction

import (
	"cmp"
	"math"
	"slices"

	"bertology/core/attnstats"
	"bertology/core/tensor"
)

// The scores' keys in Result.Top, as the lab and the command line name them.
const (
	PrefixMatchingKey = "prefixMatching"
	CopyingKey        = "copying"
	PreviousTokenKey  = "previousToken"
)

// Result is every head's scores: one schema for the lab, which sends it to the page (js names), and the
// command line, which writes it as JSON (json names). The matrices are [Layers, Heads], heads in the
// unpruned model's numbering, NaN for pruned heads (see the package documentation).
type Result struct {
	Layers int `js:"layers" json:"layers"`
	Heads  int `js:"heads" json:"heads"`
	// Length is R, the random tokens of one repeat; Tokens the length of a sequence, with BOS if any.
	Length int `js:"length" json:"length"`
	Tokens int `js:"tokens" json:"tokens"`
	// Sequences were drawn with the seeds Seed … Seed+Sequences−1.
	Sequences int    `js:"sequences" json:"sequences"`
	Seed      uint64 `js:"seed" json:"seed"`
	// BOS is the token the sequences start with, "" when the tokenizer has none.
	BOS string `js:"bos" json:"bos"`
	// Example is the token ids of the first sequence, to look at or to run again.
	Example        []int          `js:"example" json:"example"`
	PrefixMatching *tensor.Tensor `js:"prefixMatching" json:"prefix_matching"`
	Copying        *tensor.Tensor `js:"copying" json:"copying"`
	PreviousToken  *tensor.Tensor `js:"previousToken" json:"previous_token"`
	// Top lists, for each score by its key, the heads where it is highest, highest first.
	Top map[string][]attnstats.HeadScore `js:"top" json:"top"`
}

// Score returns the matrix of the score with the given key, nil for an unknown key.
func (r *Result) Score(key string) *tensor.Tensor {
	switch key {
	case PrefixMatchingKey:
		return r.PrefixMatching
	case CopyingKey:
		return r.Copying
	case PreviousTokenKey:
		return r.PreviousToken
	}
	return nil
}

// Keys are the scores' keys in the order the page and the command line show them.
var Keys = []string{PrefixMatchingKey, CopyingKey, PreviousTokenKey}

// top returns the k heads where the score m [layers, heads] is highest, highest first, ties in head
// order; pruned heads (NaN) are left out.
func top(m *tensor.Tensor, k int) []attnstats.HeadScore {
	out := []attnstats.HeadScore{}
	H := m.Shape[1]
	for i, v := range m.Data {
		if !math.IsNaN(float64(v)) {
			out = append(out, attnstats.HeadScore{Layer: i / H, Head: i % H, Score: float64(v)})
		}
	}
	slices.SortStableFunc(out, func(a, b attnstats.HeadScore) int { return cmp.Compare(b.Score, a.Score) })
	return out[:min(k, len(out))]
}
