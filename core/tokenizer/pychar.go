package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the character classes of the Python code bertology reproduces. Python's str methods
// and the unicodedata module each draw their own lines (str.isspace is wider than Unicode's White_Space
// property, unicodedata's "C" categories include unassigned code points), and a tokenizer matches
// Hugging Face only if it draws the same ones.

// isPySpace reports whether Python's str.isspace is true for r: Unicode White_Space plus the four
// information separators U+001C..U+001F. str.split() and str.strip() split and strip on these.
func isPySpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r >= '\t' && r <= '\r' || r >= 0x1c && r <= 0x1f
	}
	return unicode.Is(unicode.White_Space, r)
}

// pyFields splits s like Python's str.split() with no arguments.
func pyFields(s string) []string { return strings.FieldsFunc(s, isPySpace) }

// pyStrip trims s like Python's str.strip() with no arguments.
func pyStrip(s string) string { return strings.TrimFunc(s, isPySpace) }

// isBertWhitespace is BERT's _is_whitespace: space, tab, newline, carriage return and category Zs.
func isBertWhitespace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r >= utf8.RuneSelf && unicode.Is(unicode.Zs, r)
}

// isBertControl is BERT's _is_control: any category C character (Go's unicode.C, like unicodedata,
// counts unassigned code points as C) except tab, newline and carriage return.
func isBertControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.Is(unicode.C, r)
}

// isBertPunctuation is BERT's _is_punctuation: every printable ASCII character that is not a letter,
// digit or space (so "$", "+", "^" and "`" count although Unicode calls them symbols), plus category P*.
func isBertPunctuation(r rune) bool {
	if r >= 33 && r <= 47 || r >= 58 && r <= 64 || r >= 91 && r <= 96 || r >= 123 && r <= 126 {
		return true
	}
	return r >= utf8.RuneSelf && unicode.IsPunct(r)
}

// isCJK is BERT's _is_chinese_char: the CJK Unified Ideographs blocks and their extensions and
// compatibility blocks (not Hangul, Hiragana or Katakana, which are written with spaces).
func isCJK(r rune) bool {
	return r >= 0x4E00 && r <= 0x9FFF ||
		r >= 0x3400 && r <= 0x4DBF ||
		r >= 0x20000 && r <= 0x2A6DF ||
		r >= 0x2A700 && r <= 0x2B73F ||
		r >= 0x2B740 && r <= 0x2B81F ||
		r >= 0x2B820 && r <= 0x2CEAF ||
		r >= 0xF900 && r <= 0xFAFF ||
		r >= 0x2F800 && r <= 0x2FA1F
}

// appendPyLower appends Python's str.lower() of the single character r. It differs from
// unicode.ToLower only for U+0130 (capital I with dot above), whose full lower-case mapping is two
// characters. Python lower-cases a whole string the same way except for the final-sigma rule, which
// never fires here because Hugging Face lower-cases text one character at a time before tokenizing.
func appendPyLower(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	if r == 0x130 {
		return append(dst, "i\u0307"...)
	}
	return utf8.AppendRune(dst, unicode.ToLower(r))
}

// pyLower lower-cases s character by character with appendPyLower.
func pyLower(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+2)
	for _, r := range s {
		b = appendPyLower(b, r)
	}
	return string(b)
}
