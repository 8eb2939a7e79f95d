package probe

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// TaggedSentence is one sentence of a token-tag file: Tags[i] is the tag of Tokens[i].
type TaggedSentence struct {
	Tokens, Tags []string
}

// ReadTags reads token-level tags in a CoNLL-like format: one token per line as "token<TAB>tag", sentences
// separated by one or more blank lines (lines of only white space count as blank). Tokens may contain spaces
// but not tabs; a tag may not be empty. Windows line endings are accepted. Errors name the line.
//
//	The	DET
//	cat	NOUN
//	sat	VERB
//
//	It	PRON
//	...
func ReadTags(r io.Reader) ([]TaggedSentence, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var (
		out  []TaggedSentence
		cur  TaggedSentence
		line int
	)
	flush := func() {
		if len(cur.Tokens) > 0 {
			out = append(out, cur)
			cur = TaggedSentence{}
		}
	}
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			flush()
			continue
		}
		if !utf8.ValidString(text) {
			return nil, fmt.Errorf("probe: tags line %d: not valid UTF-8", line)
		}
		fields := strings.Split(text, "\t")
		if len(fields) != 2 {
			return nil, fmt.Errorf("probe: tags line %d: want token<TAB>tag, found %d tab-separated fields in %q", line, len(fields), text)
		}
		if fields[0] == "" || fields[1] == "" {
			return nil, fmt.Errorf("probe: tags line %d: empty token or tag in %q", line, text)
		}
		cur.Tokens = append(cur.Tokens, fields[0])
		cur.Tags = append(cur.Tags, fields[1])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("probe: tags line %d: %w", line+1, err)
	}
	flush()
	if len(out) == 0 {
		return nil, fmt.Errorf("probe: tags: no sentences")
	}
	return out, nil
}

// Encode maps tags to class labels: classes is the sorted set of distinct tags and labels[i] is the index of
// tags[i] in it.
func Encode(tags []string) (labels []int, classes []string) {
	classes = slices.Clone(tags)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	labels = make([]int, len(tags))
	for i, t := range tags {
		labels[i], _ = slices.BinarySearch(classes, t)
	}
	return labels, classes
}
