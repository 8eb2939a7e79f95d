package tokenizer

import (
	"testing"

	"bertology/core/golden"
)

// TestGPT2PretokensRegex compares the hand-written pre-tokenizer with GPT2Tokenizer's own pattern as
// Python's regex module applies it, on random strings that mix the character classes, the kinds of
// white space they disagree on, and contractions (testdata/gpt2_pretokens.py made the file).
func TestGPT2PretokensRegex(t *testing.T) {
	var cases []struct {
		Text      string
		Pretokens []string
	}
	golden.Decode(t, "testdata/gpt2_pretokens.json", &cases)
	if len(cases) < 1000 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases {
		assertStrings(t, c.Text, appendGPT2Pretokens(nil, c.Text), c.Pretokens)
	}
}
