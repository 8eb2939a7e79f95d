package glue

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ReadText reads plain text for a language model's loss (WikiText and the like) as transformers'
// LineByLineTextDataset does: it splits the text where Python's str.splitlines splits ("\n", "\r\n",
// "\r", "\v", "\f", "\x1c" to "\x1e", U+0085, U+2028, U+2029) and drops the lines that are empty or all
// white space (str.isspace). Everything else is kept as it is, WikiText's " = Heading = " lines and
// leading spaces included, since that is what the model was trained and is scored on. Unlike the
// dataset it drops a leading byte-order mark.
func ReadText(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("glue: reading text: %w", err)
	}
	s := strings.TrimPrefix(string(data), bom)
	var lines []string
	for n := 1; len(s) > 0; n++ {
		line, rest := nextLine(s)
		s = rest
		if !utf8.ValidString(line) {
			return nil, &LineError{n, "not valid UTF-8 text"}
		}
		if strings.TrimFunc(line, isPythonSpace) != "" {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		return nil, errors.New("glue: the text has no lines that are not blank")
	}
	return lines, nil
}

// nextLine returns the first line of s, without its line break, and what follows the break.
func nextLine(s string) (line, rest string) {
	for i, r := range s {
		switch r {
		case '\r':
			if strings.HasPrefix(s[i+1:], "\n") {
				return s[:i], s[i+2:]
			}
			return s[:i], s[i+1:]
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			return s[:i], s[i+utf8.RuneLen(r):]
		}
	}
	return s, ""
}

// isPythonSpace is Python's str.isspace for one character: Unicode white space plus the information
// separators "\x1c" to "\x1f", which Python counts and Go's unicode.IsSpace does not.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || r >= '\x1c' && r <= '\x1f'
}
