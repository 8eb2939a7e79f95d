package tokenizer

import (
	"fmt"
	"strings"
)

// maxVocabID bounds the ids a vocabulary file may give, so that a corrupt file is an error rather than
// a huge allocation.
const maxVocabID = 1 << 24

// vocabulary maps tokens to ids and back.
type vocabulary struct {
	ids    map[string]int
	tokens []string // by id; ids no token has hold ""
}

// newVocabulary builds the id-to-token table of ids, read from file (which errors name).
func newVocabulary(file string, ids map[string]int) (*vocabulary, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: empty", file)
	}
	maxID := -1
	for tok, id := range ids {
		if id < 0 || id >= maxVocabID {
			return nil, fmt.Errorf("%s: token %q has id %d, outside [0, %d)", file, tok, id, maxVocabID)
		}
		maxID = max(maxID, id)
	}
	v := &vocabulary{ids: ids, tokens: make([]string, maxID+1)}
	for tok, id := range ids {
		v.tokens[id] = tok
	}
	return v, nil
}

// token returns the token with the given id; ok is false when no token has it.
func (v *vocabulary) token(id int) (tok string, ok bool) {
	if id < 0 || id >= len(v.tokens) {
		return "", false
	}
	tok = v.tokens[id]
	return tok, v.ids[tok] == id
}

// id returns the id of tok, or -1.
func (v *vocabulary) id(tok string) int {
	if id, ok := v.ids[tok]; ok {
		return id
	}
	return -1
}

// readVocabTxt reads a BERT vocab.txt: one token per line, its id the line number. Like Python's text
// mode it accepts "\n", "\r\n" and "\r" line ends; a token listed twice keeps its last line.
func readVocabTxt(data []byte) (*vocabulary, error) {
	text := pyNewlines(string(data))
	text = strings.TrimSuffix(text, "\n")
	ids := map[string]int{}
	if len(data) > 0 {
		for i, tok := range strings.Split(text, "\n") {
			ids[tok] = i
		}
	}
	return newVocabulary("vocab.txt", ids)
}

// readVocabJSON reads a GPT vocab.json, an object from token to id.
func readVocabJSON(data []byte) (*vocabulary, error) {
	ids, err := parseJSONVocab(data)
	if err != nil {
		return nil, fmt.Errorf("vocab.json: %w", err)
	}
	return newVocabulary("vocab.json", ids)
}

// pyNewlines turns "\r\n" and lone "\r" into "\n", as Python's universal-newline text mode reads files.
func pyNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}
