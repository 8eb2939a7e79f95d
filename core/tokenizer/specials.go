package tokenizer

import "strings"

// specialSplitter cuts raw text at a tokenizer's special tokens ("[SEP]", "<|endoftext|>", ...), the
// first thing Hugging Face's slow tokenizers do (PreTrainedTokenizer.tokenize with its Trie): an
// occurrence of a special token becomes that token whatever surrounds it, and only the stretches
// between occurrences go through the model's own tokenization. Of two tokens found at the same place
// the longer wins.
type specialSplitter struct {
	tokens []string // the special tokens' strings
	ids    []int    // their vocabulary ids
}

// segment is a stretch of text free of special tokens (special < 0), or one special token (its index
// in specialSplitter.tokens).
type segment struct {
	text    string
	special int
}

// find returns the leftmost occurrence of a special token in s at or after from, longest first, as its
// index in s and in sp.tokens; at is -1 when there is none. next caches each token's next occurrence
// at or after from (len(s)+1 for none, -1 for not searched yet) so that a text with many special
// tokens is scanned once per token, not once per occurrence.
func (sp *specialSplitter) find(s string, from int, next []int) (at, k int) {
	at, k = -1, -1
	for i, tok := range sp.tokens {
		if next[i] >= 0 && next[i] < from {
			next[i] = -1
		}
		if next[i] < 0 {
			next[i] = len(s) + 1
			if j := strings.Index(s[from:], tok); j >= 0 {
				next[i] = from + j
			}
		}
		if n := next[i]; n <= len(s) && (at < 0 || n < at || n == at && len(tok) > len(sp.tokens[k])) {
			at, k = n, i
		}
	}
	return at, k
}

// split appends the segments of s to dst, dropping empty stretches.
func (sp *specialSplitter) split(dst []segment, s string) []segment {
	if len(sp.tokens) == 0 {
		if s == "" {
			return dst
		}
		return append(dst, segment{s, -1})
	}
	next := make([]int, len(sp.tokens))
	for i := range next {
		next[i] = -1
	}
	pos := 0
	for pos < len(s) {
		at, k := sp.find(s, pos, next)
		if at < 0 {
			break
		}
		if at > pos {
			dst = append(dst, segment{s[pos:at], -1})
		}
		dst = append(dst, segment{sp.tokens[k], k})
		pos = at + len(sp.tokens[k])
	}
	if pos < len(s) {
		dst = append(dst, segment{s[pos:], -1})
	}
	return dst
}

// lowerOutside lower-cases s character by character, leaving occurrences of special tokens as they
// are. Hugging Face does this to the whole text of a lower-casing tokenizer before cutting it at the
// special tokens, so lower-casing can make one: OpenAI GPT reads "<UNK>" as its "<unk>" token.
func (sp *specialSplitter) lowerOutside(s string) string {
	lowered := pyLower(s)
	if lowered == s || len(sp.tokens) == 0 {
		return lowered // nothing to lower, or no special token to protect
	}
	var b strings.Builder
	for _, seg := range sp.split(nil, s) {
		if seg.special >= 0 {
			b.WriteString(seg.text)
		} else {
			b.WriteString(pyLower(seg.text))
		}
	}
	return b.String()
}
