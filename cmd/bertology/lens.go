package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"bertology/core/analysis"
	"bertology/core/lens"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

const lensSummary = "logit lens: what every layer of a language model would predict at each position (nostalgebraist)"

func init() {
	register(&command{name: "lens", summary: lensSummary, run: runLens})
}

// lensOut is the lens command's JSON.
type lensOut struct {
	ModelType string `json:"model_type"`
	// Objective is "next token" for a causal language model, "masked token" for BERT's.
	Objective string   `json:"objective"`
	Tokens    []string `json:"tokens"` // the input as the model reads it ([MASK] where masked)
	IDs       []int    `json:"ids"`
	// Targets are each position's expected token id (-1: none) and TargetTokens its string (null: none).
	Targets      []int       `json:"targets"`
	TargetTokens []*string   `json:"target_tokens"`
	Layers       []lensLayer `json:"layers"` // depth 0 is the embeddings, the last is the model's own prediction
}

type lensLayer struct {
	Layer     int            `json:"layer"`
	Positions []lensPosition `json:"positions"`
}

type lensPosition struct {
	Top []lensToken `json:"top"`
	// TargetRank (1: most probable) and TargetProb are absent where the position has no target.
	TargetRank int      `json:"target_rank,omitempty"`
	TargetProb *float64 `json:"target_prob,omitempty"`
}

type lensToken struct {
	Token string  `json:"token"`
	ID    int     `json:"id"`
	Prob  float64 `json:"prob"`
}

func runLens(args []string) error {
	fs := newFlagSet("lens", lensSummary)
	modelDir := fs.String("model", "", "model directory of a GPT-2, OpenAI GPT or BERT masked language model (required)")
	text := fs.String("text", "", "the text (required); for BERT it may hold [MASK] tokens")
	pair := fs.String("pair", "", "optional second text of a pair")
	topK := fs.Int("top-k", 5, "most probable tokens kept per layer and position")
	mask := fs.String("mask", "", "BERT: comma-separated token positions (0 is [CLS]) to replace by [MASK] and predict")
	outPath := fs.String("out", "", "output JSON; the target probabilities [layers+1, tokens] also go to OUT.target_prob.npy (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := requireFlags(fs, "model", "text", "out"); err != nil {
		return err
	}
	m, tok, err := loadModelAndTokenizer(*modelDir)
	if err != nil {
		return err
	}
	enc, err := tok.Encode(*text, *pair, *pair != "", tokenizer.Options{MaxLength: m.Config().MaxPositions, Truncate: true})
	if err != nil {
		return err
	}
	out := &lensOut{ModelType: string(m.Config().ModelType)}
	ids, targets := enc.IDs, lens.NextTokens(enc.IDs)
	switch m.Head() {
	case model.CausalLM:
		out.Objective = "next token"
		if *mask != "" {
			return fmt.Errorf("--mask is for a masked language model; this is a %s", m.Head())
		}
	case model.MaskedLM:
		out.Objective = "masked token"
		positions, err := parsePositions(*mask)
		if err != nil {
			return fmt.Errorf("--mask: %w", err)
		}
		if ids, targets, err = lens.Mask(enc.IDs, positions, tok.Special().MASK); err != nil {
			return err
		}
	default:
		return fmt.Errorf("the logit lens needs a language-model head; %s is a %s", *modelDir, m.Head())
	}
	r, err := lens.Compute(m, ids, enc.TypeIDs, targets, *topK)
	if err != nil {
		return err
	}
	out.Tokens, out.IDs, out.Targets = analysis.TokenStrings(tok, ids), ids, targets
	out.TargetTokens = make([]*string, len(targets))
	for t, id := range targets {
		if id != lens.NoTarget {
			s := tok.Decode([]int{id})
			out.TargetTokens[t] = &s
		}
	}
	targetProb := make([]float32, 0, len(r.Cells)*len(ids))
	for d, cells := range r.Cells {
		layer := lensLayer{Layer: d, Positions: make([]lensPosition, len(cells))}
		for t, c := range cells {
			p := lensPosition{TargetRank: c.TargetRank}
			for _, pr := range c.Top {
				p.Top = append(p.Top, lensToken{Token: tok.Decode([]int{pr.ID}), ID: pr.ID, Prob: pr.Prob})
			}
			if !math.IsNaN(c.TargetProb) {
				prob := c.TargetProb
				p.TargetProb = &prob
			}
			layer.Positions[t] = p
			targetProb = append(targetProb, float32(c.TargetProb))
		}
		out.Layers = append(out.Layers, layer)
	}
	if err := writeMatrix(matrixPath(*outPath, "target_prob"), []int{len(r.Cells), len(ids)}, targetProb); err != nil {
		return err
	}
	return writeJSON(*outPath, out)
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
