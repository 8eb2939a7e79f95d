package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
)

// TestTokenizeCommand runs `bertology tokenize` on golden model directories and compares its output
// with Hugging Face's tokenizations of the same vocabularies (testdata/golden/tokenizers).
func TestTokenizeCommand(t *testing.T) {
	type line struct {
		Tokens       []string `json:"tokens"`
		IDs          []int    `json:"ids"`
		TokenTypeIDs []int    `json:"token_type_ids"`
	}
	var wp struct {
		Pairs []struct {
			TextA        string `json:"text_a"`
			TextB        string `json:"text_b"`
			InputIDs     []int  `json:"input_ids"`
			TokenTypeIDs []int  `json:"token_type_ids"`
		}
		Truncated struct {
			Text     string
			InputIDs []int `json:"input_ids"`
		} `json:"truncated_max_length_8"`
	}
	golden.Decode(t, golden.Path(t, "tokenizers", "wordpiece.json"), &wp)
	var gpt2 struct {
		Single []struct {
			Text     string
			Tokens   []string
			InputIDs []int `json:"input_ids"`
		}
	}
	golden.Decode(t, golden.Path(t, "tokenizers", "gpt2_bpe.json"), &gpt2)

	var pairsIn strings.Builder
	var pairsWant []line
	for _, p := range wp.Pairs {
		pairsIn.WriteString(p.TextA + "\t" + p.TextB + "\n")
		pairsWant = append(pairsWant, line{IDs: p.InputIDs, TokenTypeIDs: p.TokenTypeIDs})
	}
	var gptIn strings.Builder
	var gptWant []line
	for _, c := range gpt2.Single {
		if strings.Contains(c.Text, "\n") {
			continue // one text per line
		}
		gptIn.WriteString(c.Text + "\n")
		gptWant = append(gptWant, line{Tokens: c.Tokens, IDs: c.InputIDs})
	}
	for _, tc := range []struct {
		name  string
		model string
		args  []string
		in    string
		want  []line
	}{
		{"bert pairs", "bert", []string{"--pair"}, pairsIn.String(), pairsWant},
		{"bert truncated", "bert", []string{"--max-length", "8"}, wp.Truncated.Text + "\n",
			[]line{{IDs: wp.Truncated.InputIDs, TokenTypeIDs: make([]int, 8)}}},
		{"gpt2", "gpt2", nil, gptIn.String(), gptWant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{"--model", golden.Path(t, tc.model, "model")}, tc.args...)
			if err := tokenizeLines(args, strings.NewReader(tc.in), &out); err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(&out)
			for i, want := range tc.want {
				var got line
				if err := dec.Decode(&got); err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
				if want.Tokens != nil && !slices.Equal(got.Tokens, want.Tokens) {
					t.Errorf("line %d tokens %q, want %q", i+1, got.Tokens, want.Tokens)
				}
				if !slices.Equal(got.IDs, want.IDs) || !slices.Equal(got.TokenTypeIDs, want.TokenTypeIDs) {
					t.Errorf("line %d: ids %v types %v, want %v %v", i+1, got.IDs, got.TokenTypeIDs, want.IDs, want.TokenTypeIDs)
				}
			}
			if dec.More() {
				t.Errorf("more lines than inputs")
			}
		})
	}
	if err := tokenizeLines([]string{"--model", golden.Path(t, "bert", "model"), "--pair"}, strings.NewReader("no tab\n"), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a pair line without a tab: error %v, want one naming line 1", err)
	}
}

// TestTokenizeLlama2c runs `bertology tokenize` on llama2.c's stories260K directory (no config.json,
// the tokenizer tok512.bin), which encodes as run.c does.
func TestTokenizeLlama2c(t *testing.T) {
	var g struct {
		Cases []struct {
			Text    string
			RunCIDs []int `json:"run_c_ids"`
		}
	}
	golden.Decode(t, golden.SharedPath(t, "golden", "stories260K", "tokenization.json"), &g)
	var in strings.Builder
	var want [][]int
	for _, c := range g.Cases {
		if !strings.ContainsAny(c.Text, "\r\n") {
			in.WriteString(c.Text + "\n")
			want = append(want, c.RunCIDs)
		}
	}
	var out bytes.Buffer
	if err := tokenizeLines([]string{"--model", golden.SharedPath(t, "data", "models", "stories260K")}, strings.NewReader(in.String()), &out); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	for i, w := range want {
		var got struct {
			IDs []int `json:"ids"`
		}
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if !slices.Equal(got.IDs, w) {
			t.Errorf("line %d: ids %v, want run.c's %v", i+1, got.IDs, w)
		}
	}
	if len(want) < 190 {
		t.Errorf("only %d texts", len(want))
	}
}
