package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"bertology/core/analysis"
	"bertology/core/f64"
	"bertology/core/rollout"
	"bertology/core/tensor"
	"bertology/core/tokenizer"
)

const rolloutSummary = "attention, attention rollout and attention flow of one sentence (Abnar & Zuidema)"

func init() {
	register(&command{name: "rollout", summary: rolloutSummary, run: func(args []string) error { return runRollout(args, os.Stderr) }})
}

// rolloutOut is the rollout command's JSON. Every matrix has rows for output positions and columns for
// input tokens, like an attention map.
type rolloutOut struct {
	Tokens   []string `json:"tokens"`
	IDs      []int    `json:"ids"`
	Layers   int      `json:"layers"`
	Heads    int      `json:"heads"`
	Residual float64  `json:"residual"`
	Reduce   string   `json:"reduce"`
	// Attentions [layers, heads, T, T]; Rollout [layers, T, T], the rollout after each layer; Flow [T, T]
	// the raw maximum flow from the inputs to the last layer, null when skipped (see FlowNote).
	Attentions *outTensor `json:"attentions"`
	Rollout    *outTensor `json:"rollout"`
	Flow       *outTensor `json:"flow"`
	FlowNote   string     `json:"flow_note,omitempty"`
}

var reduceNames = map[string]rollout.HeadReduce{"mean": rollout.MeanHeads, "max": rollout.MaxHeads}

func runRollout(args []string, stderr io.Writer) error {
	fs := newFlagSet("rollout", rolloutSummary)
	modelDir := fs.String("model", "", "model directory in Hugging Face's layout (required)")
	text := fs.String("text", "", "the sentence (required)")
	pair := fs.String("pair", "", "optional second sentence of a pair")
	opt := rollout.DefaultOptions()
	fs.Float64Var(&opt.Residual, "residual", opt.Residual, "weight of the identity mixed into each layer's attention for the residual connection, in [0, 1]")
	reduce := fs.String("reduce", "mean", "how a layer's heads are combined: mean or max")
	maxFlow := fs.Int("max-flow-tokens", 64, "skip attention flow, whose cost grows as tokens⁴ × layers, for longer inputs (0: never skip)")
	outPath := fs.String("out", "", "output JSON; attentions, rollout and flow also go to OUT.<name>.npy (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := requireFlags(fs, "model", "text", "out"); err != nil {
		return err
	}
	var ok bool
	if opt.Reduce, ok = reduceNames[*reduce]; !ok {
		return fmt.Errorf("--reduce %q: want mean or max", *reduce)
	}
	m, tok, err := loadModelAndTokenizer(*modelDir)
	if err != nil {
		return err
	}
	enc, err := tok.Encode(*text, *pair, *pair != "", tokenizer.Options{MaxLength: m.Config().MaxPositions, Truncate: true})
	if err != nil {
		return err
	}
	att, err := analysis.Attention(m, enc)
	if err != nil {
		return err
	}
	rolled, err := rollout.Rollout(att, opt)
	if err != nil {
		return err
	}
	L, H, T := len(att.Layers), att.Heads, att.T
	out := &rolloutOut{Tokens: analysis.TokenStrings(tok, enc.IDs), IDs: enc.IDs, Layers: L, Heads: H,
		Residual: opt.Residual, Reduce: *reduce}
	out.Attentions = newOutTensor(tensor.FromData(slices.Concat(att.Layers...), L, H, T, T))
	out.Rollout = newOutTensor(tensor.FromData(f64.ToFloat32(slices.Concat(rolled...)), L, T, T))
	if *maxFlow > 0 && T > *maxFlow {
		out.FlowNote = fmt.Sprintf("attention flow skipped: %d tokens is more than --max-flow-tokens %d", T, *maxFlow)
		fmt.Fprintf(stderr, "warning: %s (its cost grows as tokens⁴ × layers)\n", out.FlowNote)
	} else {
		start := time.Now()
		flow, err := rollout.Flow(att, opt, L)
		if err != nil {
			return err
		}
		out.Flow = newOutTensor(tensor.FromData(f64.ToFloat32(flow), T, T))
		fmt.Fprintf(stderr, "attention flow over %d tokens and %d layers took %v\n", T, L, time.Since(start).Round(time.Millisecond))
	}
	for name, t := range map[string]*outTensor{"attentions": out.Attentions, "rollout": out.Rollout, "flow": out.Flow} {
		if t == nil {
			continue
		}
		if err := writeMatrix(matrixPath(*outPath, name), t.Shape, t.Data); err != nil {
			return err
		}
	}
	return writeJSON(*outPath, out)
}
