package chart

import "strings"

// PrettyTokens are tokens as bertviz's prettify_tokens shows them (its format_special_chars): the
// byte-level BPE's Ġ and sentencepiece's ▁ become spaces and OpenAI GPT's </w> goes; WordPiece's ##
// stays, as in bertviz.
func PrettyTokens(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = strings.NewReplacer("Ġ", " ", "▁", " ", "</w>", "").Replace(t)
	}
	return out
}

// Sentences gives each token its sentence, 0 for A and 1 for B, for a text pair: by the token type ids
// when some are 1 (BERT), else by the first separator when another follows it (sep, e.g. [SEP]: the
// tokens after the first separator are B). Nil when the input is one sentence.
func Sentences(tokens []string, typeIDs []int32, sep string) []int {
	out := make([]int, len(tokens))
	pair := false
	for i, id := range typeIDs {
		if id != 0 && i < len(out) {
			out[i], pair = 1, true
		}
	}
	if pair {
		return out
	}
	first := -1
	for i, t := range tokens {
		if t != sep {
			continue
		}
		if first < 0 {
			first = i
		} else if i > first+1 {
			for k := first + 1; k < len(out); k++ {
				out[k] = 1
			}
			return out
		}
	}
	return nil
}

// Pairs is the head view's sentence filter: which query and key sentences its lines join.
type Pairs string

const (
	AllPairs Pairs = ""    // every line
	AToA     Pairs = "A→A" // queries of sentence A to keys of A
	AToB     Pairs = "A→B"
	BToA     Pairs = "B→A"
	BToB     Pairs = "B→B"
)

// PairFilters lists the filters in the order the page offers them.
var PairFilters = []Pairs{AllPairs, AToA, AToB, BToA, BToB}

// keeps reports whether the filter keeps a line from a query of sentence qs to a key of ks.
func (p Pairs) keeps(qs, ks int) bool {
	if p == AllPairs {
		return true
	}
	name := "AB"
	return string(p) == string(name[qs])+"→"+string(name[ks])
}
