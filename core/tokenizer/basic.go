package tokenizer

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// basicTokenizer is BERT's BasicTokenizer (transformers 4.31), which OpenAI GPT also falls back on when
// ftfy and spaCy are absent: it cleans the text, puts spaces around CJK ideographs, NFC-normalises,
// splits on whitespace, optionally lower-cases and strips accents, and splits off punctuation.
type basicTokenizer struct {
	lower        bool
	stripAccents bool    // NFD then drop Mn marks (strip_accents, or do_lower_case when unset)
	chineseChars bool    // tokenize_chinese_chars
	neverSplit   wordSet // words passed on whole: neither lower-cased nor split
}

// appendWords appends the words of text to dst.
func (bt *basicTokenizer) appendWords(dst []string, text string) []string {
	buf := make([]byte, 0, len(text)+8)
	ascii := true
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				buf = append(buf, ' ')
			case c >= 0x20 && c != 0x7f:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case r == utf8.RuneError || isBertControl(r):
		case isBertWhitespace(r):
			buf = append(buf, ' ')
		case bt.chineseChars && isCJK(r):
			ascii = false
			buf = append(buf, ' ')
			buf = utf8.AppendRune(buf, r)
			buf = append(buf, ' ')
		default:
			ascii = false
			buf = utf8.AppendRune(buf, r)
		}
	}
	if !ascii {
		buf = norm.NFC.Bytes(buf)
	}
	cleaned := string(buf)
	start := -1 // of the current word
	for i, r := range cleaned {
		if !isPySpace(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			dst = bt.appendWord(dst, cleaned[start:i])
			start = -1
		}
	}
	if start >= 0 {
		dst = bt.appendWord(dst, cleaned[start:])
	}
	return dst
}

// appendWord appends the pieces of one whitespace-separated word.
func (bt *basicTokenizer) appendWord(dst []string, w string) []string {
	if bt.neverSplit.has(w) {
		return append(dst, w)
	}
	if bt.lower {
		w = pyLower(w)
	}
	if bt.stripAccents {
		w = stripMarks(w)
	}
	return bt.appendPunctuationSplit(dst, w)
}

// appendPunctuationSplit appends the pieces of w with every punctuation character a piece of its own.
func (bt *basicTokenizer) appendPunctuationSplit(dst []string, w string) []string {
	if bt.neverSplit.has(w) {
		return append(dst, w)
	}
	start := 0
	for i, r := range w {
		if !isBertPunctuation(r) {
			continue
		}
		if i > start {
			dst = append(dst, w[start:i])
		}
		size := utf8.RuneLen(r)
		dst = append(dst, w[i:i+size])
		start = i + size
	}
	if start < len(w) {
		dst = append(dst, w[start:])
	}
	return dst
}

// stripMarks decomposes w (NFD) and drops the nonspacing marks (category Mn), so "é" becomes "e".
func stripMarks(w string) string {
	i := 0
	for i < len(w) && w[i] < utf8.RuneSelf {
		i++
	}
	if i == len(w) {
		return w
	}
	d := norm.NFD.String(w)
	b := make([]byte, 0, len(d))
	for _, r := range d {
		if !unicode.Is(unicode.Mn, r) {
			b = utf8.AppendRune(b, r)
		}
	}
	return string(b)
}

// wordSet is a set of words. Most words of running text are not in it, and the first byte alone
// tells so without hashing the word.
type wordSet struct {
	words map[string]bool
	first [256]bool
}

func newWordSet(words ...[]string) wordSet {
	s := wordSet{words: map[string]bool{}}
	for _, ws := range words {
		for _, w := range ws {
			if w != "" {
				s.words[w] = true
				s.first[w[0]] = true
			}
		}
	}
	return s
}

func (s *wordSet) has(w string) bool { return w != "" && s.first[w[0]] && s.words[w] }
