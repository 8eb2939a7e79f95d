package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"bertology/core/analysis"
	"bertology/core/bertology"
	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/parallel"
	"bertology/core/probe"
	"bertology/core/tokenizer"
)

const probeSummary = "train a linear probe on every layer's hidden states and report its accuracy per layer (Tenney et al.)"

func init() {
	register(&command{name: "probe", summary: probeSummary, run: func(args []string) error { return runProbe(args, os.Stderr) }})
}

// probeOut is the probe command's JSON: the lab's result (probe.Result, with its json names) and where
// it came from.
type probeOut struct {
	ModelType string `json:"model_type"`
	Data      string `json:"data"`
	probe.Result
}

func runProbe(args []string, stderr io.Writer) error {
	fs := newFlagSet("probe", probeSummary)
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory in Hugging Face's layout, or a Hub model id (org/name) (required)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	data := fs.String("data", "", "GLUE-style TSV file (sentence labels), or with --tags a token<TAB>tag file (required)")
	task := fs.String("task", "", "GLUE task of --data (sst-2, cola, ...); detected from the file when empty")
	tags := fs.Bool("tags", false, "--data holds token-level tags: one token<TAB>tag a line, blank lines between sentences; each word is probed at its first sub-word")
	pool := fs.String("pool", "", "sentence vector: first (the [CLS] token), last, or mean of the real tokens; default first for BERT and DistilBERT, last for the GPTs")
	maxLen := fs.Int("max-seq-length", bertology.DefaultMaxSeqLength, "tokens per sequence; longer sentences are truncated (tagged sentences must fit)")
	subset := fs.Int("subset", 0, "if > 0, use only the first N examples or tagged sentences")
	batchSize := fs.Int("batch-size", 8, "sequences per forward pass")
	workers := fs.Int("workers", parallel.Workers(), "batches computed at once, one per CPU by default (the results do not depend on it)")
	opt := probe.DefaultOptions()
	fs.Float64Var(&opt.Lambda, "lambda", opt.Lambda, "L2 weight of the logistic regression")
	fs.Float64Var(&opt.HeldOut, "held-out", opt.HeldOut, "fraction of the samples held out for the accuracy")
	fs.Uint64Var(&opt.Seed, "seed", opt.Seed, "seed of the train/held-out split")
	outPath := fs.String("out", "", "output JSON (required)")
	if err := parseFlags(fs, args, "model", "data", "out"); err != nil {
		return err
	}
	m, tok, err := loadModelAndTokenizer(src, stderr)
	if err != nil {
		return err
	}
	*maxLen = min(*maxLen, m.Config().MaxPositions)
	r := analysis.ModelRunner{Model: m, Workers: *workers}
	out := &probeOut{ModelType: string(m.Config().ModelType), Data: *data}
	var (
		features *analysis.Features
		labels   []int
	)
	if *tags {
		out.Task = "tags"
		features, labels, out.Classes, err = tagFeatures(r, m, tok, *data, *maxLen, *subset, *batchSize, stderr)
	} else {
		var p probe.Pool
		if p, out.Pool, err = analysis.PoolFor(*pool, m); err != nil {
			return fmt.Errorf("--%w", err)
		}
		out.Task, features, labels, out.Classes, err = sentenceFeatures(r, m, tok, *data, *task, p, *maxLen, *subset, *batchSize, stderr)
	}
	if err != nil {
		return err
	}
	out.Samples, out.Dim = features.N, features.D
	out.Majority = probe.MajorityShare(labels, len(out.Classes))
	scores, err := probe.EvaluateLayers(context.Background(), features.Layers, features.N, features.D, labels, len(out.Classes), opt, bar(stderr, "Probing layers"))
	if err != nil {
		return err
	}
	out.SetScores(scores)
	return writeJSON(*outPath, out)
}

// sentenceFeatures reads a GLUE file and pools every example's hidden states, computed on r; it returns
// the task's name, the features, the labels and the class names.
func sentenceFeatures(r analysis.Runner, m *model.Model, tok tokenizer.Tokenizer, path, taskName string, pool probe.Pool, maxLen, subset, batchSize int,
	stderr io.Writer) (string, *analysis.Features, []int, []string, error) {
	task, examples, err := readExamples(path, taskName, subset)
	if err != nil {
		return "", nil, nil, nil, err
	}
	if task.Regression() {
		return "", nil, nil, nil, fmt.Errorf("task %s is a regression; a probe needs class labels", task.Name)
	}
	labels := make([]int, len(examples))
	for i, ex := range examples {
		if ex.Label < 0 {
			return "", nil, nil, nil, fmt.Errorf("%s: example %d (%s) has no label", path, i, ex.GUID)
		}
		labels[i] = ex.Label
	}
	encs, err := analysis.EncodeExamples(tok, task, examples, maxLen)
	if err != nil {
		return "", nil, nil, nil, err
	}
	f, err := analysis.SentenceFeatures(context.Background(), r, m, encs, batchSize, tok.PadID(), pool, bar(stderr, "Hidden states"))
	if err != nil {
		return "", nil, nil, nil, err
	}
	return task.Name, f, labels, task.Names, nil
}

// tagFeatures reads a token-tag file and takes every word's first sub-word vector, computed on r; it
// returns the features, the labels and the tags in label order.
func tagFeatures(r analysis.Runner, m *model.Model, tok tokenizer.Tokenizer, path string, maxLen, subset, batchSize int, stderr io.Writer) (*analysis.Features, []int, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	sentences, err := glue.ReadTagged(f)
	f.Close()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	features, tags, err := analysis.WordFeatures(context.Background(), r, m, tok, dataset.First(sentences, subset), maxLen, batchSize, bar(stderr, "Hidden states"))
	if err != nil {
		return nil, nil, nil, err
	}
	labels, classes := probe.Encode(tags)
	return features, labels, classes, nil
}
