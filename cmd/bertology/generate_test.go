package main

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
)

// TestGenerateCommand generates 20 tokens greedily after "Once upon a time" from stories260K's Hugging
// Face directory and from llama2.c's .bin: run.c's next 20 ids, and the text a prefix of run.c's sample;
// the plain output is that text; a sampled run repeats with its seed; BERT has no LM head to generate with.
func TestGenerateCommand(t *testing.T) {
	var g struct {
		Runs map[string]struct {
			RunCIDs   []int  `json:"run_c_ids"`
			HFDecoded string `json:"hf_decoded"`
		} `json:"runs"`
	}
	golden.Decode(t, golden.Path(t, "stories260K", "generation.json"), &g)
	want := g.Runs["once_upon_a_time"]
	dirs := map[string]func(t *testing.T) string{
		"hf":      func(t *testing.T) string { return golden.Path(t, "stories260K", "hf") },
		"llama2c": func(t *testing.T) string { return golden.SharedPath(t, "data", "models", "stories260K") },
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			args := []string{"--model", dir(t), "--prompt", "Once upon a time", "--max_new_tokens", "20"}
			var out bytes.Buffer
			if err := runGenerate(append(args, "--json"), &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			var res struct {
				PromptIDs []int     `json:"prompt_ids"`
				IDs       []int     `json:"generated_ids"`
				Tokens    []string  `json:"tokens"`
				Probs     []float32 `json:"probs"`
				Text      string    `json:"text"`
				Stop      string    `json:"stop"`
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.PromptIDs, want.RunCIDs[:5]) || !slices.Equal(res.IDs, want.RunCIDs[5:25]) {
				t.Errorf("ids %v %v, want %v %v", res.PromptIDs, res.IDs, want.RunCIDs[:5], want.RunCIDs[5:25])
			}
			if len(res.Tokens) != 20 || len(res.Probs) != 20 || res.Stop != "max_new_tokens" || !strings.HasPrefix(want.HFDecoded, res.Text) || len(res.Text) < 60 {
				t.Errorf("tokens %q, probs %v, stop %s, text %q", res.Tokens, res.Probs, res.Stop, res.Text)
			}
			out.Reset()
			if err := runGenerate(args, &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			if out.String() != res.Text+"\n" {
				t.Errorf("plain output %q, want %q", out.String(), res.Text+"\n")
			}
			sampled := func() string {
				var b bytes.Buffer
				if err := runGenerate(append(args, "--temperature", "1", "--top_p", "0.9", "--seed", "7"), &b, io.Discard); err != nil {
					t.Fatal(err)
				}
				return b.String()
			}
			if a, b := sampled(), sampled(); a != b || !strings.HasPrefix(a, "Once upon a time") {
				t.Errorf("seed 7 twice: %q, %q", a, b)
			}
		})
	}
	err := runGenerate([]string{"--model", golden.Path(t, "bert", "model"), "--prompt", "hello"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "causal language model") {
		t.Errorf("BERT: %v, want an error about the causal language model it is not", err)
	}
}
