package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// appendGPT2Pretokens appends the pieces GPT-2's pre-tokenizer cuts text into, exactly as Python's
// regex module finds them with
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// Go's regexp has no lookahead, and a hand-written scanner is faster anyway. At each position the
// first alternative that matches wins: an English contraction suffix; a run of letters, of digits or
// of other non-space characters, each with at most one leading space; a run of whitespace up to but
// not including the last one when a non-space follows (that one becomes the next piece's leading
// space when it is " "); else the lone whitespace character. \s is Unicode White_Space here (the
// regex module leaves out U+001C..U+001F, which Python's str.isspace counts).
func appendGPT2Pretokens(dst []string, text string) []string {
	for i := 0; i < len(text); {
		if n := contractionLen(text[i:]); n > 0 {
			dst = append(dst, text[i:i+n])
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		class := gpt2Class(r)
		if r == ' ' && i+size < len(text) {
			next, _ := utf8.DecodeRuneInString(text[i+size:])
			if c := gpt2Class(next); c != classSpace {
				class = c
			}
		}
		end := i + size
		if class != classSpace {
			// a run of one class, after the optional leading space
			if r == ' ' {
				_, nsize := utf8.DecodeRuneInString(text[end:])
				end += nsize
			}
			for end < len(text) {
				r, size := utf8.DecodeRuneInString(text[end:])
				if gpt2Class(r) != class {
					break
				}
				end += size
			}
			dst = append(dst, text[i:end])
			i = end
			continue
		}
		last := i // start of the run's last character
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if gpt2Class(r) != classSpace {
				break
			}
			last = end
			end += size
		}
		if end < len(text) && last > i {
			end = last // \s+(?!\S) gives back the last space to the non-space that follows
		}
		dst = append(dst, text[i:end])
		i = end
	}
	return dst
}

// Character classes of GPT-2's pre-tokenizer.
const (
	classLetter = iota // \p{L}
	classNumber        // \p{N}
	classOther         // [^\s\p{L}\p{N}]
	classSpace         // \s
)

func gpt2Class(r rune) int {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
			return classLetter
		case '0' <= r && r <= '9':
			return classNumber
		case r == ' ' || '\t' <= r && r <= '\r':
			return classSpace
		}
		return classOther
	}
	switch {
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.Is(unicode.White_Space, r):
		return classSpace
	}
	return classOther
}

// contractionLen returns the length of the contraction suffix ('s 't 're 've 'm 'll 'd, lower case
// only) that s starts with, or 0.
func contractionLen(s string) int {
	if len(s) < 2 || s[0] != '\'' {
		return 0
	}
	for _, c := range [...]string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"} {
		if strings.HasPrefix(s, c) {
			return len(c)
		}
	}
	return 0
}
