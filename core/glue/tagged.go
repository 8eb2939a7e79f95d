package glue

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// TaggedSentence is one sentence of a token-tag file: Tags[i] is the tag of Words[i].
type TaggedSentence struct {
	Words, Tags []string
}

// docStart is the first word of CoNLL-2003's document separators ("-DOCSTART- -X- -X- O"), which
// are no sentence.
const docStart = "-DOCSTART-"

// ReadTagged reads a token-tag file, one word a line, sentences separated by one or more blank lines
// (lines of only white space count as blank), in either of two layouts, decided by the file's first
// word line:
//   - "word<TAB>tag", when that line has a tab: exactly two tab-separated fields a line, and a word may
//     hold spaces;
//   - CoNLL, "word tag" or CoNLL-2003's "word POS chunk tag": fields separated by white space, the
//     word first and the tag last, as the token-classification example of transformers reads the NER
//     column.
//
// Lines whose first field is -DOCSTART- are skipped. A tag may not be empty. Windows line endings are
// accepted. Errors name the line.
//
//	EU	B-ORG          EU NNP B-NP B-ORG
//	rejects	O          rejects VBZ B-VP O
//	German	B-MISC     German JJ B-NP B-MISC
func ReadTagged(r io.Reader) ([]TaggedSentence, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var (
		out  []TaggedSentence
		cur  TaggedSentence
		line int
		lay  tagLayout
	)
	flush := func() {
		if len(cur.Words) > 0 {
			out = append(out, cur)
			cur = TaggedSentence{}
		}
	}
	for sc.Scan() {
		line++
		word, tag, err := lay.parse(sc.Text())
		switch {
		case err != nil:
			return nil, fmt.Errorf("glue: tags line %d: %w", line, err)
		case word == "":
			flush()
		default:
			cur.Words = append(cur.Words, word)
			cur.Tags = append(cur.Tags, tag)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("glue: tags line %d: %w", line+1, err)
	}
	flush()
	if len(out) == 0 {
		return nil, fmt.Errorf("glue: tags: no sentences")
	}
	return out, nil
}

// tagLayout is the layout of a token-tag file, decided by its first word line.
type tagLayout struct {
	decided, tabs bool
}

// parse reads one line of the file (without its "\n"): its word and tag, or no word for a line that
// ends a sentence (blank, or -DOCSTART-).
func (l *tagLayout) parse(text string) (word, tag string, err error) {
	text = strings.TrimSuffix(text, "\r")
	if strings.TrimSpace(text) == "" {
		return "", "", nil
	}
	if !utf8.ValidString(text) {
		return "", "", errors.New("not valid UTF-8")
	}
	if f := strings.Fields(text); f[0] == docStart {
		return "", "", nil
	}
	if !l.decided {
		l.decided, l.tabs = true, strings.Contains(text, "\t")
	}
	if l.tabs {
		fields := strings.Split(text, "\t")
		if len(fields) != 2 {
			return "", "", fmt.Errorf("want token<TAB>tag, found %d tab-separated fields in %q", len(fields), text)
		}
		word, tag = fields[0], fields[1]
	} else {
		fields := strings.Fields(text)
		if len(fields) < 2 {
			return "", "", fmt.Errorf("want a word and its tag separated by spaces (CoNLL), found %q", text)
		}
		word, tag = fields[0], fields[len(fields)-1]
	}
	if word == "" || tag == "" {
		return "", "", fmt.Errorf("empty token or tag in %q", text)
	}
	return word, tag, nil
}

// LooksTagged reports whether data looks like a CoNLL-style tag file rather than GLUE's TSV or plain
// text: its first 50 non-blank lines read as ReadTagged reads them, with IOB tags (O, B-X, I-X, E-X,
// S-X), and it has several words. The page uses it to read a dropped file as tags.
func LooksTagged(data []byte) bool {
	var lay tagLayout
	seen, words := 0, 0
	for len(data) > 0 && seen < detectRows {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		word, tag, err := lay.parse(string(line))
		switch {
		case err != nil:
			return false
		case word == "":
			if strings.TrimSpace(string(line)) != "" {
				seen++ // -DOCSTART-
			}
			continue
		case !isIOBTag(tag):
			return false
		}
		seen++
		words++
	}
	return words > 1
}

// isIOBTag reports whether tag is O or a chunk tag: B-, I-, E- or S- and a type.
func isIOBTag(tag string) bool {
	if tag == "O" {
		return true
	}
	return len(tag) > 2 && strings.ContainsRune("BIES", rune(tag[0])) && tag[1] == '-'
}
