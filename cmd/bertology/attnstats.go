package main

import (
	"context"
	"io"
	"os"

	"bertology/core/analysis"
	"bertology/core/attnstats"
	"bertology/core/bertology"
	"bertology/core/f64"
	"bertology/core/tensor"
)

const attnStatsSummary = "per-head attention statistics over a data set: to [CLS], [SEP], punctuation, the previous and next token, distance, entropy (Clark et al.)"

func init() {
	register(&command{name: "attn-stats", summary: attnStatsSummary, run: func(args []string) error { return runAttnStats(args, os.Stderr) }})
}

// statisticKeys name the statistics in the JSON and the .npy files, in attnstats.Statistic order.
var statisticKeys = [attnstats.NumStatistics]string{"to_first", "to_special", "to_punct", "to_prev", "to_next", "distance", "entropy"}

// attnStatsOut is the attn-stats command's JSON.
type attnStatsOut struct {
	Data          string   `json:"data"`
	Task          string   `json:"task"`
	Examples      int      `json:"examples"`
	Tokens        int      `json:"tokens"`
	Layers        int      `json:"layers"`
	Heads         int      `json:"heads"`
	SpecialTokens []string `json:"special_tokens"`
	// Statistics maps each statistic's key to its [layers, heads] values; NaN (null) where no query
	// contributed.
	Statistics map[string]*outTensor `json:"statistics"`
	// Top maps each statistic's key to the heads with its highest values, highest first. For distance and
	// entropy these are the broadest heads.
	Top map[string][]attnstats.HeadScore `json:"top"`
}

func runAttnStats(args []string, stderr io.Writer) error {
	fs := newFlagSet("attn-stats", attnStatsSummary)
	modelDir := fs.String("model", "", "model directory in Hugging Face's layout (required)")
	data := fs.String("data", "", "GLUE-style TSV file (required)")
	task := fs.String("task", "", "GLUE task of --data (sst-2, mrpc, ...); detected from the file when empty")
	subset := fs.Int("subset", 0, "if > 0, use only the first N examples")
	maxLen := fs.Int("max-seq-length", bertology.DefaultMaxSeqLength, "tokens per sequence; longer inputs are truncated")
	batchSize := fs.Int("batch-size", 8, "sequences per forward pass")
	top := fs.Int("top", 5, "heads listed per statistic")
	outPath := fs.String("out", "", "output JSON; each statistic also goes to OUT.<statistic>.npy [layers, heads] (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := requireFlags(fs, "model", "data", "out"); err != nil {
		return err
	}
	m, tok, err := loadModelAndTokenizer(*modelDir)
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
	r, err := analysis.AttentionStats(context.Background(), m, tok, encs, *batchSize, bar(stderr, "Attention statistics"))
	if err != nil {
		return err
	}
	out := &attnStatsOut{Data: *data, Task: t.Name, Examples: r.Examples, Tokens: r.Tokens, Layers: r.Layers, Heads: r.Heads,
		SpecialTokens: analysis.SpecialTokens(tok), Statistics: map[string]*outTensor{}, Top: map[string][]attnstats.HeadScore{}}
	for s := range attnstats.NumStatistics {
		key := statisticKeys[s]
		values := newOutTensor(tensor.FromData(f64.ToFloat32(r.Mean[s]), r.Layers, r.Heads))
		out.Statistics[key] = values
		if err := writeMatrix(matrixPath(*outPath, key), values.Shape, values.Data); err != nil {
			return err
		}
		out.Top[key] = append([]attnstats.HeadScore{}, r.Top(s, *top)...)
	}
	return writeJSON(*outPath, out)
}
