package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"bertology/core/checkpoint"
	"bertology/core/hub"
	"bertology/core/tokenizer"
)

func init() {
	register(&command{name: "tokenize", summary: "tokenize lines of stdin with a model directory's tokenizer, one JSON object per line", run: runTokenize})
}

func runTokenize(args []string) error { return tokenizeLines(args, os.Stdin, os.Stdout) }

// tokenizeLines is the tokenize command with its input and output as parameters.
func tokenizeLines(args []string, in io.Reader, out io.Writer) error {
	flags := newFlagSet("tokenize", "tokenize lines of stdin (tab-separated pairs with --pair) and write one JSON object per line")
	var src modelSource
	flags.StringVar(&src.nameOrPath, "model", "", "model directory (config.json and the tokenizer files; weights are not read), or a Hub model id (org/name), of which only those files are downloaded")
	hubFlags(flags, &src.revision, &src.cacheDir)
	pair := flags.Bool("pair", false, "each line is a text pair separated by a tab")
	maxLength := flags.Int("max-length", 0, "truncate to this many tokens, special tokens included (0: no limit)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if src.nameOrPath == "" {
		return errors.New("--model is required")
	}
	tok, err := loadTokenizer(src, os.Stderr)
	if err != nil {
		return err
	}
	opt := tokenizer.Options{MaxLength: *maxLength, Truncate: *maxLength > 0}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for line := 1; sc.Scan(); line++ {
		text, second, hasPair := sc.Text(), "", false
		if *pair {
			if text, second, hasPair = strings.Cut(text, "\t"); !hasPair {
				return fmt.Errorf("stdin line %d: no tab between the two texts of a pair", line)
			}
		}
		e, err := tok.Encode(text, second, hasPair, opt)
		if err != nil {
			return fmt.Errorf("stdin line %d: %w", line, err)
		}
		if err := enc.Encode(struct {
			Tokens       []string `json:"tokens"`
			IDs          []int    `json:"ids"`
			TokenTypeIDs []int    `json:"token_type_ids,omitempty"`
		}{e.Tokens, e.IDs, e.TypeIDs}); err != nil {
			return err
		}
	}
	return sc.Err()
}

// loadTokenizer reads config.json and the tokenizer files of src's directory, leaving the weights alone
// (a Hub id's are not downloaded).
func loadTokenizer(src modelSource, stderr io.Writer) (tokenizer.Tokenizer, error) {
	dir, err := src.dir(hub.Tokenizer, stderr)
	if err != nil {
		return nil, err
	}
	files, err := checkpoint.ReadFiles(func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	modelType := checkpoint.Llama // the one model Discover finds without config.json: llama2.c's, its tokenizer beside it
	if b, ok := files["config.json"]; ok {
		cfg, err := checkpoint.ParseConfigNamed(b, dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		modelType = cfg.ModelType
	}
	tok, err := tokenizer.FromFiles(string(modelType), files)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return tok, nil
}
