package generate

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/progress"
	"bertology/core/tokenizer"
)

// generationGolden is generation.json's runs: run.c's greedy ids (BOS first) and text, no prompt and
// "Once upon a time".
type generationGolden struct {
	Runs map[string]struct {
		Prompt       string `json:"prompt"`
		PromptIDs    []int  `json:"prompt_ids_run_c"`
		RunCIDs      []int  `json:"run_c_ids"`
		RunCStdout   string `json:"run_c_stdout"`
		HFDecoded    string `json:"hf_decoded"`
		HFIDs        []int  `json:"hf_ids"`
		StoppedAtBOS bool   `json:"run_c_stopped_because_next_token_is_bos"`
	} `json:"runs"`
}

// load reads a model directory and its tokenizer.
func load(t *testing.T, dir string) (*model.Model, tokenizer.Tokenizer) {
	t.Helper()
	ck, err := checkpoint.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	return m, tok
}

// TestGreedyStories260K generates greedily from stories260K, read from llama2.c's .bin with tok512.bin
// and from its Hugging Face directory, and compares with run.c's ids (256 positions in all, as
// `./run -t 0.0` runs) and text, which is also greedy_hf_bos_only.txt (HF's decode, special tokens
// skipped).
func TestGreedyStories260K(t *testing.T) {
	var g generationGolden
	golden.Decode(t, golden.Path(t, "stories260K", "generation.json"), &g)
	txt, err := os.ReadFile(golden.Path(t, "stories260K", "greedy_hf_bos_only.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]func(t *testing.T) string{
		"hf":      func(t *testing.T) string { return golden.Path(t, "stories260K", "hf") },
		"llama2c": func(t *testing.T) string { return golden.SharedPath(t, "data", "models", "stories260K") },
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			m, tok := load(t, dir(t))
			for run, r := range g.Runs {
				prompt, err := Encode(tok, r.Prompt)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(prompt, r.PromptIDs) {
					t.Fatalf("%s: prompt ids %v, run.c's %v", run, prompt, r.PromptIDs)
				}
				if !slices.Equal(r.RunCIDs, r.HFIDs) || len(r.RunCIDs) != 257 || r.StoppedAtBOS {
					t.Fatalf("%s: golden's run.c and HF ids disagree or are not 257 long", run)
				}
				steps := 0
				res, err := Generate(context.Background(), m, tok, prompt, Options{MaxNewTokens: 257 - len(prompt)}, func(p progress.Report) { steps = p.Done })
				if err != nil {
					t.Fatal(err)
				}
				all := append(slices.Clone(res.PromptIDs), res.IDs...)
				if !slices.Equal(all, r.RunCIDs) {
					t.Errorf("%s: ids\n got %v\nwant %v", run, all, r.RunCIDs)
				}
				// run.c prints a newline after the text; HF's decode has none
				if res.Text+"\n" != r.RunCStdout || res.Text != r.HFDecoded || res.Text != string(txt) {
					t.Errorf("%s: text\n got %q\nwant %q", run, res.Text, r.HFDecoded)
				}
				if res.Stop != StopMaxNewTokens || steps != len(res.IDs) || len(res.Tokens) != len(res.IDs) || len(res.Probs) != len(res.IDs) {
					t.Errorf("%s: stop %s after %d steps, %d ids, %d tokens, %d probabilities", run, res.Stop, steps, len(res.IDs), len(res.Tokens), len(res.Probs))
				}
				if res.Prefixes[len(res.Prefixes)-1] != res.Text || !strings.HasPrefix(res.Text, res.Prefixes[0]) || !strings.HasPrefix(res.Prefixes[0], "Once") {
					t.Errorf("%s: prefixes %q … %q", run, res.Prefixes[0], res.Prefixes[len(res.Prefixes)-1])
				}
				for i, p := range res.Probs {
					if !(p > 0 && p <= 1) {
						t.Errorf("%s: step %d: probability %v", run, i, p)
					}
				}
			}
		})
	}
}

// TestGenerateStops checks the stop at BOS (greedy stories260K ends its story after 341 tokens: the
// next is BOS, which run.c stops at) and at the model's last position, and the cancel.
func TestGenerateStops(t *testing.T) {
	m, tok := load(t, golden.Path(t, "stories260K", "hf"))
	prompt, err := Encode(tok, "Once upon a time")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), m, tok, prompt, Options{MaxNewTokens: 600}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != StopBOS || res.StopID != 1 || len(res.IDs) != 341 || slices.Contains(res.IDs, 1) {
		t.Errorf("stop %s (id %d) after %d tokens, want %s (1) after 341", res.Stop, res.StopID, len(res.IDs), StopBOS)
	}
	// a prompt one short of the 512 positions leaves room for one token
	long := slices.Repeat(res.IDs[:73], 7)
	long[0] = 1
	res, err = Generate(context.Background(), m, tok, long, Options{MaxNewTokens: 5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(long) != 511 || res.Stop != StopPositions || len(res.IDs) != 1 {
		t.Errorf("prompt of %d: stop %s after %d tokens, want %s after 1", len(long), res.Stop, len(res.IDs), StopPositions)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, m, tok, prompt, Options{MaxNewTokens: 3}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	for _, c := range []struct {
		name   string
		prompt []int
		opt    Options
	}{
		{"empty prompt", nil, Options{MaxNewTokens: 1}},
		{"negative temperature", prompt, Options{MaxNewTokens: 1, Temperature: -1}},
		{"top-p above 1", prompt, Options{MaxNewTokens: 1, Temperature: 1, TopP: 1.5}},
		{"id outside the vocabulary", []int{1, 9999}, Options{MaxNewTokens: 1}},
	} {
		if _, err := Generate(context.Background(), m, tok, c.prompt, c.opt, nil); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// TestSampledReproducible: the same seed gives the same sample, another seed (almost surely) another.
func TestSampledReproducible(t *testing.T) {
	m, tok := load(t, golden.Path(t, "stories260K", "hf"))
	gen := func(seed uint64, topP float32) []int {
		res, err := Generate(context.Background(), m, tok, []int{1}, Options{MaxNewTokens: 40, Temperature: 1, TopP: topP, Seed: seed}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.IDs
	}
	for _, topP := range []float32{0, 0.9} {
		a, b, c := gen(42, topP), gen(42, topP), gen(43, topP)
		if !slices.Equal(a, b) {
			t.Errorf("top-p %v: seed 42 twice: %v, %v", topP, a, b)
		}
		if slices.Equal(a, c) {
			t.Errorf("top-p %v: seeds 42 and 43 give the same %v", topP, a)
		}
	}
}

// TestSampledStories260K samples from stories260K's .bin with run.c's settings and seeds and expects
// run.c's ids (sampled_run_c.json): the same generator, the same sampler, logits within 2e-5 of run.c's.
func TestSampledStories260K(t *testing.T) {
	var g struct {
		Runs []struct {
			Temperature float32 `json:"temperature"`
			TopP        float32 `json:"top_p"`
			Seed        uint64  `json:"seed"`
			Steps       int     `json:"steps"`
			RunCIDs     []int   `json:"run_c_ids"`
		} `json:"runs"`
	}
	golden.Decode(t, golden.Path(t, "stories260K", "sampled_run_c.json"), &g)
	for name, dir := range map[string]func(t *testing.T) string{
		"hf":      func(t *testing.T) string { return golden.Path(t, "stories260K", "hf") },
		"llama2c": func(t *testing.T) string { return golden.SharedPath(t, "data", "models", "stories260K") },
	} {
		t.Run(name, func(t *testing.T) {
			m, tok := load(t, dir(t))
			for _, r := range g.Runs {
				res, err := Generate(context.Background(), m, tok, []int{1}, Options{MaxNewTokens: r.Steps, Temperature: r.Temperature, TopP: r.TopP, Seed: r.Seed}, nil)
				if err != nil {
					t.Fatal(err)
				}
				got := append([]int{1}, res.IDs...)
				if !slices.Equal(got, r.RunCIDs) {
					t.Errorf("-t %v -p %v -s %d: ids\n got %v\nwant %v", r.Temperature, r.TopP, r.Seed, got, r.RunCIDs)
				}
				if wantBOS := len(r.RunCIDs) < r.Steps+1; wantBOS != (res.Stop == StopBOS) {
					t.Errorf("-t %v -p %v -s %d: stop %s after %d tokens", r.Temperature, r.TopP, r.Seed, res.Stop, len(res.IDs))
				}
			}
		})
	}
}
