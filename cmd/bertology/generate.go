package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"bertology/core/generate"
)

const generateSummary = "continue a prompt with a causal language model (GPT-2, OpenAI GPT, Llama): greedy, or sampled as llama2.c's run.c samples"

func init() {
	register(&command{name: "generate", summary: generateSummary, run: func(args []string) error { return runGenerate(args, os.Stdout, os.Stderr) }})
}

// runGenerate is the generate command with its output and progress streams as parameters: the text
// (prompt and continuation) on out, or with --json the whole generation as one JSON object.
func runGenerate(args []string, out, stderr io.Writer) error {
	fs := newFlagSet("generate", generateSummary)
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory (Hugging Face's layout, or llama2.c's .bin beside its tokenizer), or a Hub model id (org/name) (required)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	prompt := fs.String("prompt", "", "the text to continue (empty: from the BOS token alone)")
	var opt generate.Options
	fs.IntVar(&opt.MaxNewTokens, "max_new_tokens", 64, "the most tokens to generate; generation also stops at BOS, EOS and the model's last position")
	temperature := fs.Float64("temperature", 0, "0: greedy; otherwise sample from softmax(logits/temperature)")
	topP := fs.Float64("top_p", 0.9, "with a temperature, sample from the smallest set of tokens whose probability exceeds top_p (run.c's -p; 0 or 1: the whole distribution)")
	fs.Uint64Var(&opt.Seed, "seed", 1, "seed of run.c's random number generator (its -s; the same seed gives run.c's tokens)")
	asJSON := fs.Bool("json", false, "write prompt_ids, generated_ids, tokens, probs (each chosen token's probability), text and stop as JSON")
	if err := parseFlags(fs, args, "model"); err != nil {
		return err
	}
	opt.Temperature, opt.TopP = float32(*temperature), float32(*topP)
	m, tok, err := loadModelAndTokenizer(src, stderr)
	if err != nil {
		return err
	}
	ids, err := generate.Encode(tok, *prompt)
	if err != nil {
		return err
	}
	res, err := generate.Generate(context.Background(), m, tok, ids, opt, bar(stderr, "generate"))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	_, err = fmt.Fprintln(out, res.Text)
	return err
}
