package induction

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"bertology/core/tokenizer"
)

// NoBOS says that the tokenizer has no beginning-of-sequence token, so that sequences start with their
// first random token.
const NoBOS = -1

// layout is where the parts of a repeated sequence lie: start is the first random token's position (1
// after BOS, else 0), R the length of one repeat, T = start + 2R.
type layout struct{ start, R, T int }

func newLayout(bos, R int) layout {
	start := 0
	if bos != NoBOS {
		start = 1
	}
	return layout{start: start, R: R, T: start + 2*R}
}

// second is the first position of the second repeat.
func (lay layout) second() int { return lay.start + lay.R }

// Sequence returns the repeated sequence drawn with seed: bos (unless NoBOS), then R distinct tokens
// drawn uniformly without replacement from 0 … vocab−1 less the ids in exclude (the special tokens),
// then the same R tokens again.
func Sequence(seed uint64, R, vocab, bos int, exclude []int) ([]int, error) {
	allowed := make([]int, 0, vocab)
	for id := range vocab {
		if !slices.Contains(exclude, id) && id != bos {
			allowed = append(allowed, id)
		}
	}
	if R > len(allowed) {
		return nil, fmt.Errorf("%d distinct random tokens wanted, the vocabulary has %d besides its special tokens", R, len(allowed))
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	// A partial Fisher–Yates shuffle: allowed[:R] becomes a uniform sample without replacement.
	for i := range R {
		j := i + rng.IntN(len(allowed)-i)
		allowed[i], allowed[j] = allowed[j], allowed[i]
	}
	lay := newLayout(bos, R)
	ids := make([]int, 0, lay.T)
	if bos != NoBOS {
		ids = append(ids, bos)
	}
	ids = append(ids, allowed[:R]...)
	return append(ids, allowed[:R]...), nil
}

// SpecialTokens returns what Options needs of a tokenizer: its beginning-of-sequence token (NoBOS when
// it has none, or when tok is nil) and all its special tokens, which the sequences never draw.
func SpecialTokens(tok tokenizer.Tokenizer) (bos int, special []int) {
	if tok == nil {
		return NoBOS, nil
	}
	s := tok.Special()
	for _, id := range []int{s.UNK, s.CLS, s.SEP, s.PAD, s.MASK, s.BOS, s.EOS} {
		if id >= 0 && !slices.Contains(special, id) {
			special = append(special, id)
		}
	}
	if s.BOS < 0 {
		return NoBOS, special
	}
	return s.BOS, special
}
