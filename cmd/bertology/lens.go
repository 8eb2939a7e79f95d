package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"bertology/core/lens"
	"bertology/core/model"
)

const lensSummary = "logit lens: what every layer of a language model would predict at each position (nostalgebraist)"

func init() {
	register(&command{name: "lens", summary: lensSummary, run: runLens})
}

// lensOut is the lens command's JSON: the lab's result (lens.Result, with its json names) and the kind
// of model it came from.
type lensOut struct {
	ModelType string `json:"model_type"`
	*lens.Result
}

func runLens(args []string) error {
	fs := newFlagSet("lens", lensSummary)
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory of a GPT-2, OpenAI GPT or BERT masked language model, or a Hub model id (org/name) (required)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	text := fs.String("text", "", "the text (required); for BERT it may hold [MASK] tokens")
	pair := fs.String("pair", "", "optional second text of a pair")
	topK := fs.Int("top-k", 5, "most probable tokens kept per layer and position")
	mask := fs.String("mask", "", "BERT: comma-separated token positions (0 is [CLS]) to replace by [MASK] and predict")
	outPath := fs.String("out", "", "output JSON; the target probabilities [layers+1, tokens] also go to OUT.target_prob.npy (required)")
	if err := parseFlags(fs, args, "model", "text", "out"); err != nil {
		return err
	}
	m, tok, enc, err := loadSentence(src, *text, *pair, os.Stderr)
	if err != nil {
		return err
	}
	positions, err := parsePositions(*mask)
	if err != nil {
		return fmt.Errorf("--mask: %w", err)
	}
	if len(positions) > 0 && m.Head() == model.CausalLM {
		return fmt.Errorf("--mask is for a masked language model; this is a %s", m.Head())
	}
	r, err := lens.Run(m, tok, enc, positions, *topK)
	if err != nil {
		return err
	}
	T := len(r.IDs)
	targetProb := make([]float32, 0, len(r.Layers)*T)
	for _, d := range r.Layers {
		for _, c := range d.Positions {
			p := float32(math.NaN())
			if c.TargetProb != nil {
				p = float32(*c.TargetProb)
			}
			targetProb = append(targetProb, p)
		}
	}
	if err := writeMatrix(matrixPath(*outPath, "target_prob"), []int{len(r.Layers), T}, targetProb); err != nil {
		return err
	}
	return writeJSON(*outPath, &lensOut{ModelType: string(m.Config().ModelType), Result: r})
}

// parsePositions reads a comma-separated list of token positions; empty gives none.
func parsePositions(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a token position", f)
		}
		out = append(out, p)
	}
	return out, nil
}
