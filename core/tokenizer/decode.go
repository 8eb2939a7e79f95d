package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// cleanUpTokenization is PreTrainedTokenizerBase.clean_up_tokenization, which decoding applies when
// clean_up_tokenization_spaces is set (the default in transformers 4.31): it removes the space before
// some punctuation and English contractions. The replacements run one after another, as in Python.
func cleanUpTokenization(s string) string {
	for _, r := range [...][2]string{
		{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
		{" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
	} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s
}

// pyDecodeUTF8 reads b as UTF-8 the way Python's bytes.decode("utf-8", errors="replace") does: each
// maximal ill-formed subsequence (the longest prefix of a valid sequence, or a single byte) becomes
// one U+FFFD. Go's own decoding replaces byte by byte instead.
func pyDecodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			out = append(out, b[i:i+size]...)
			i += size
			continue
		}
		out = utf8.AppendRune(out, utf8.RuneError)
		i += illFormedLen(b[i:])
	}
	return string(out)
}

// illFormedLen returns the length of the maximal ill-formed subsequence at the start of b, which
// does not begin with a valid character: the lead byte and the continuation bytes that still fit a
// well-formed sequence (Unicode Table 3-7), at least one byte.
func illFormedLen(b []byte) int {
	need, lo, hi := 0, byte(0x80), byte(0xBF)
	switch c := b[0]; {
	case 0xC2 <= c && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case 0xE1 <= c && c <= 0xEC || c == 0xEE || c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case 0xF1 <= c && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}
