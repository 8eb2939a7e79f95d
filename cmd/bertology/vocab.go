package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"bertology/core/glue"
	"bertology/core/vocab"
)

func init() {
	register(&command{name: "vocab", summary: "train a WordPiece (vocab.txt) or byte-level BPE (vocab.json, merges.txt) vocabulary on text", run: runVocab})
}

// vocabArgs are the vocab command's flags.
type vocabArgs struct {
	inputs        []string
	glueTask      string
	kind, out     string
	size, minFreq int
	maxAlphabet   int
	cased         bool
}

func runVocab(args []string) error {
	fs := newFlagSet("vocab", "train a tokenizer vocabulary on text files, as Hugging Face tokenizers' trainers do: "+
		"a WordPiece vocab.txt for BERT and DistilBERT, or a byte-level BPE vocab.json and merges.txt for GPT-2")
	var a vocabArgs
	fs.Func("input", "a text file to train on, one text a line (repeatable; further files may follow the flags)", func(s string) error {
		a.inputs = append(a.inputs, s)
		return nil
	})
	fs.StringVar(&a.glueTask, "task", "", "read the inputs as GLUE TSV files of this task (e.g. sst-2) and train on their sentences")
	fs.StringVar(&a.kind, "type", "wordpiece", "wordpiece or bpe (byte-level, GPT-2's)")
	fs.IntVar(&a.size, "size", 8000, "vocabulary size, special tokens included")
	fs.IntVar(&a.minFreq, "min_frequency", 2, "fewest occurrences of a pair to merge it")
	fs.IntVar(&a.maxAlphabet, "max_alphabet", 0, "wordpiece: keep only this many of the most frequent characters (0: all)")
	fs.BoolVar(&a.cased, "cased", false, "wordpiece: keep case and accents (the tokenizer then needs do_lower_case false)")
	fs.StringVar(&a.out, "out", "", "wordpiece: the vocab.txt to write; bpe: the directory for vocab.json and merges.txt (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a.inputs = append(a.inputs, fs.Args()...)
	if len(a.inputs) == 0 || a.out == "" {
		fs.Usage()
		return fmt.Errorf("--input and --out are required")
	}
	return trainVocab(a, os.Stdout)
}

// trainVocab is the command without flag parsing, so tests can call it.
func trainVocab(a vocabArgs, stdout io.Writer) error {
	var texts []string
	for _, path := range a.inputs {
		t, err := readCorpus(path, a.glueTask)
		if err != nil {
			return err
		}
		texts = append(texts, t...)
	}
	switch a.kind {
	case "wordpiece":
		tokens, err := vocab.WordPiece(texts, vocab.WordPieceOptions{Size: a.size, Lowercase: !a.cased,
			MinFrequency: a.minFreq, MaxAlphabet: a.maxAlphabet})
		if err != nil {
			return err
		}
		if dir := filepath.Dir(a.out); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		f, err := os.Create(a.out)
		if err != nil {
			return err
		}
		if err := vocab.WriteVocabTxt(f, tokens); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d WordPiece tokens from %d texts written to %s\n", len(tokens), len(texts), a.out)
	case "bpe":
		bpe, err := vocab.ByteLevelBPE(texts, vocab.BPEOptions{Size: a.size, MinFrequency: a.minFreq})
		if err != nil {
			return err
		}
		if err := os.MkdirAll(a.out, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(a.out, "vocab.json"), bpe.VocabJSON(), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(a.out, "merges.txt"), bpe.MergesTxt(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d byte-level BPE tokens (%d merges) from %d texts written to %s\n", len(bpe.Tokens), len(bpe.Merges), len(texts), a.out)
	default:
		return fmt.Errorf("--type %q: want wordpiece or bpe", a.kind)
	}
	return nil
}

// readCorpus reads the texts of a file: its lines (readTexts), or with a GLUE task the sentences of its
// rows, both of a pair, without surrounding white space.
func readCorpus(path, glueTask string) ([]string, error) {
	if glueTask == "" {
		return readTexts(path)
	}
	task, err := glue.LookupTask(glueTask)
	if err != nil {
		return nil, err
	}
	split := "train"
	if strings.HasPrefix(filepath.Base(path), "test") {
		split = "test"
	}
	examples, err := readTSV(path, task, split)
	if err != nil {
		return nil, err
	}
	// The sentences are trimmed: SST-2's end in a space, which a byte-level tokenizer would read as one
	// more token, trivially predicted, after every sentence.
	var texts []string
	for _, ex := range examples {
		texts = append(texts, strings.TrimSpace(ex.TextA))
		if task.Pair {
			texts = append(texts, strings.TrimSpace(ex.TextB))
		}
	}
	return texts, nil
}
