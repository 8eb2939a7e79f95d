package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"bertology/core/analysis"
	"bertology/core/induction"
)

const headsSummary = "induction and previous-token heads of a causal language model, on repeated random tokens (Olsson et al.)"

func init() {
	register(&command{name: "heads", summary: headsSummary, run: func(args []string) error { return runHeads(args, os.Stdout, os.Stderr) }})
}

// headsOut is the heads command's JSON: the lab's result (induction.Result, with its json names) and the
// kind of model it came from.
type headsOut struct {
	ModelType string `json:"model_type"`
	*induction.Result
}

// scoreTitles are the tables' titles, by score key.
var scoreTitles = map[string]string{
	induction.PrefixMatchingKey: "prefix matching: attention to the token after the earlier occurrence",
	induction.CopyingKey:        "copying: how the head's direct logits rank the tokens it attends to (−1 … 1)",
	induction.PreviousTokenKey:  "previous token: attention to the position before",
}

func runHeads(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("heads", headsSummary)
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory of a causal language model (GPT-2, OpenAI GPT), or a Hub model id (org/name) (required)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	length := fs.Int("length", 0, fmt.Sprintf("random tokens in one repeat (R); the sequences are [BOS] + R tokens + the same R again (0: %d, or as many as the model fits)", induction.DefaultLength))
	seeds := fs.Int("seeds", induction.DefaultSequences, "how many random sequences the scores average over")
	seed := fs.Uint64("seed", induction.DefaultSeed, "seed of the first sequence; sequence k uses seed+k")
	top := fs.Int("top", 5, "heads listed per score")
	outPath := fs.String("out", "", "output JSON; each score also goes to OUT.<score>.npy [layers, heads]")
	if err := parseFlags(fs, args, "model"); err != nil {
		return err
	}
	m, tok, err := loadModelAndTokenizer(src, stderr)
	if err != nil {
		return err
	}
	bos, special := induction.SpecialTokens(tok)
	if *length == 0 {
		*length = induction.LengthFor(m.Config().MaxPositions, bos)
	}
	opt := induction.Options{Length: *length, Sequences: *seeds, Seed: *seed, BOS: bos, Special: special, Top: *top}
	r, err := induction.Run(context.Background(), m, opt, bar(stderr, "Induction heads"))
	if err != nil {
		return err
	}
	if bos != induction.NoBOS {
		r.BOS = analysis.TokenStrings(tok, []int{bos})[0]
	}
	fmt.Fprintf(stdout, "%d sequences of %d tokens: %q + %d random tokens + the same again (seeds %d…%d)\n",
		r.Sequences, r.Tokens, r.BOS, r.Length, r.Seed, r.Seed+uint64(r.Sequences)-1)
	for _, key := range induction.Keys {
		fmt.Fprintf(stdout, "\n%s\n%s", scoreTitles[key], headsTable(r.Score(key).Data, r.Layers, r.Heads))
	}
	if *outPath == "" {
		return nil
	}
	for _, key := range induction.Keys {
		s := r.Score(key)
		if err := writeMatrix(matrixPath(*outPath, key), s.Shape, s.Data); err != nil {
			return err
		}
	}
	return writeJSON(*outPath, &headsOut{ModelType: string(m.Config().ModelType), Result: r})
}

// headsTable writes a [layers, heads] matrix as a table, a row per layer, "-" for pruned heads.
func headsTable(values []float32, layers, heads int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s", "")
	for h := range heads {
		fmt.Fprintf(&b, " %7s", fmt.Sprintf("head %d", h))
	}
	b.WriteString("\n")
	for l := range layers {
		fmt.Fprintf(&b, "%-8s", fmt.Sprintf("layer %d", l))
		for h := range heads {
			v := values[l*heads+h]
			if math.IsNaN(float64(v)) {
				fmt.Fprintf(&b, " %7s", "-")
			} else {
				fmt.Fprintf(&b, " %7.3f", v)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
