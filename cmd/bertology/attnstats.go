package main

import (
	"context"
	"io"
	"os"

	"bertology/core/analysis"
	"bertology/core/attnstats"
	"bertology/core/bertology"
	"bertology/core/parallel"
)

const attnStatsSummary = "per-head attention statistics over a data set: to [CLS], [SEP], punctuation, the previous and next token, distance, entropy (Clark et al.)"

func init() {
	register(&command{name: "attn-stats", summary: attnStatsSummary, run: func(args []string) error { return runAttnStats(args, os.Stderr) }})
}

// attnStatsOut is the attn-stats command's JSON: the lab's result (attnstats.Summary, with its json
// names) and the data it came from.
type attnStatsOut struct {
	Data string `json:"data"`
	*attnstats.Summary
}

func runAttnStats(args []string, stderr io.Writer) error {
	fs := newFlagSet("attn-stats", attnStatsSummary)
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory in Hugging Face's layout, or a Hub model id (org/name) (required)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	data := fs.String("data", "", "GLUE-style TSV file (required)")
	task := fs.String("task", "", "GLUE task of --data (sst-2, mrpc, ...); detected from the file when empty")
	subset := fs.Int("subset", 0, "if > 0, use only the first N examples")
	maxLen := fs.Int("max-seq-length", bertology.DefaultMaxSeqLength, "tokens per sequence; longer inputs are truncated")
	batchSize := fs.Int("batch-size", 8, "sequences per forward pass")
	workers := fs.Int("workers", parallel.Workers(), "batches computed at once, one per CPU by default (the results do not depend on it)")
	top := fs.Int("top", 5, "heads listed per statistic")
	outPath := fs.String("out", "", "output JSON; each statistic also goes to OUT.<statistic>.npy [layers, heads] (required)")
	if err := parseFlags(fs, args, "model", "data", "out"); err != nil {
		return err
	}
	m, tok, err := loadModelAndTokenizer(src, stderr)
	if err != nil {
		return err
	}
	t, examples, err := readExamples(*data, *task, *subset)
	if err != nil {
		return err
	}
	encs, err := analysis.EncodeExamples(tok, t, examples, min(*maxLen, m.Config().MaxPositions))
	if err != nil {
		return err
	}
	r, err := analysis.AttentionStats(context.Background(), analysis.ModelRunner{Model: m, Workers: *workers}, m, tok, encs, *batchSize, bar(stderr, "Attention statistics"))
	if err != nil {
		return err
	}
	sum := r.Summarize(*top)
	sum.Task, sum.SpecialTokens = t.Name, analysis.SpecialTokens(tok)
	for st := range attnstats.NumStatistics {
		values := sum.Statistics[st.Key()]
		if err := writeMatrix(matrixPath(*outPath, st.Key()), values.Shape, values.Data); err != nil {
			return err
		}
	}
	return writeJSON(*outPath, &attnStatsOut{Data: *data, Summary: sum})
}
