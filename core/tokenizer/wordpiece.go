package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// maxWordChars is WordpieceTokenizer's max_input_chars_per_word: a longer word becomes the unknown token.
const maxWordChars = 100

// wordPiece is BertTokenizer's model: BasicTokenizer words, each cut into the longest vocabulary pieces
// from the left, pieces after the first spelled with a "##" prefix.
type wordPiece struct {
	basic basicTokenizer
	vocab *vocabulary
	// cont holds the "##" pieces by their text without the prefix, so that looking one up needs no
	// string concatenation.
	cont map[string]int
	// maxLen is the longest piece in bytes (without "##"): longer candidates need no lookup.
	maxLen int
	unk    piece
	// whole lists words passed on as they are (BertTokenizer's own never_split), not cut into pieces.
	whole wordSet
}

func newWordPiece(basic basicTokenizer, vocab *vocabulary, unk string, whole wordSet) *wordPiece {
	wp := &wordPiece{basic: basic, vocab: vocab, cont: map[string]int{}, unk: piece{unk, vocab.id(unk)}, whole: whole}
	for tok, id := range vocab.ids {
		if rest, ok := strings.CutPrefix(tok, "##"); ok {
			wp.cont[rest] = id
			wp.maxLen = max(wp.maxLen, len(rest))
		}
		wp.maxLen = max(wp.maxLen, len(tok))
	}
	return wp
}

func (wp *wordPiece) appendTokens(dst []piece, text string) []piece {
	for _, w := range wp.basic.appendWords(nil, text) {
		if wp.whole.has(w) {
			id := wp.vocab.id(w)
			if id < 0 {
				id = wp.unk.id
			}
			dst = append(dst, piece{w, id})
			continue
		}
		dst = wp.appendPieces(dst, w)
	}
	return dst
}

// appendPieces cuts one word greedily, longest match first; a word with a part no piece covers, or of
// more than maxWordChars characters, becomes the unknown token as a whole.
func (wp *wordPiece) appendPieces(dst []piece, w string) []piece {
	if utf8.RuneCountInString(w) > maxWordChars {
		return append(dst, wp.unk)
	}
	n := len(dst)
	for start := 0; start < len(w); {
		end := min(len(w), start+wp.maxLen)
		for end > start && end < len(w) && !utf8.RuneStart(w[end]) {
			end--
		}
		id := -1
		for ; end > start; end = prevRuneStart(w, start, end) {
			var ok bool
			if start == 0 {
				id, ok = wp.vocab.ids[w[:end]]
			} else {
				id, ok = wp.cont[w[start:end]]
			}
			if ok {
				break
			}
		}
		if end == start {
			return append(dst[:n], wp.unk)
		}
		dst = append(dst, piece{wp.vocab.tokens[id], id})
		start = end
	}
	return dst
}

// prevRuneStart returns the start of the character that ends at end, not before start.
func prevRuneStart(w string, start, end int) int {
	end--
	for end > start && !utf8.RuneStart(w[end]) {
		end--
	}
	return end
}

// joinTokens is BertTokenizer.convert_tokens_to_string: tokens joined by spaces, "##" pieces glued on.
func (wp *wordPiece) joinTokens(tokens []string) string {
	return pyStrip(strings.ReplaceAll(strings.Join(tokens, " "), " ##", ""))
}
