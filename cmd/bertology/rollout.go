package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"bertology/core/analysis"
	"bertology/core/rollout"
	"bertology/core/tensor"
)

const rolloutSummary = "attention, attention rollout and attention flow of one sentence (Abnar & Zuidema)"

func init() {
	register(&command{name: "rollout", summary: rolloutSummary, run: func(args []string) error { return runRollout(args, os.Stderr) }})
}

// rolloutOut is the rollout command's JSON: the lab's result (rollout.Result, with its json names) and
// the attention of every head that it was computed from.
type rolloutOut struct {
	rollout.Result
	// Attentions [layers, heads, T, T] are the model's attention maps, by the heads' numbers before
	// pruning: a pruned head's maps are zeros, as the head mask that pruning stands for makes them.
	Attentions *tensor.Tensor `json:"attentions"`
}

func runRollout(args []string, stderr io.Writer) error {
	fs := newFlagSet("rollout", rolloutSummary)
	var src modelSource
	fs.StringVar(&src.nameOrPath, "model", "", "model directory in Hugging Face's layout, or a Hub model id (org/name) (required)")
	hubFlags(fs, &src.revision, &src.cacheDir)
	text := fs.String("text", "", "the sentence (required)")
	pair := fs.String("pair", "", "optional second sentence of a pair")
	opt := rollout.DefaultOptions()
	fs.Float64Var(&opt.Residual, "residual", opt.Residual, "weight of the identity mixed into each layer's attention for the residual connection, in [0, 1]")
	reduce := fs.String("reduce", "mean", "how a layer's heads are combined: mean or max")
	maxFlow := fs.Int("max-flow-tokens", 64, "skip attention flow, whose cost grows as tokens⁴ × layers, for longer inputs (0: never skip)")
	outPath := fs.String("out", "", "output JSON; attentions, rollout and flow also go to OUT.<name>.npy (required)")
	if err := parseFlags(fs, args, "model", "text", "out"); err != nil {
		return err
	}
	var err error
	if opt.Reduce, err = rollout.ParseHeadReduce(*reduce); err != nil {
		return fmt.Errorf("--%w", err)
	}
	m, tok, enc, err := loadSentence(src, *text, *pair, stderr)
	if err != nil {
		return err
	}
	att, err := analysis.Attention(m, enc)
	if err != nil {
		return err
	}
	L, H, T := len(att.Layers), att.Heads, att.T
	withFlow := *maxFlow <= 0 || T <= *maxFlow
	start := time.Now()
	r, err := rollout.Compute(context.Background(), att, opt, withFlow, nil)
	if err != nil {
		return err
	}
	if withFlow {
		fmt.Fprintf(stderr, "rollout and attention flow over %d tokens and %d layers took %v\n", T, L, time.Since(start).Round(time.Millisecond))
	} else {
		r.FlowNote = fmt.Sprintf("attention flow skipped: %d tokens is more than --max-flow-tokens %d", T, *maxFlow)
		fmt.Fprintf(stderr, "warning: %s (its cost grows as tokens⁴ × layers)\n", r.FlowNote)
	}
	r.Tokens, r.IDs = analysis.TokenStrings(tok, enc.IDs), enc.IDs
	all := tensor.New(L, H, T, T)
	for l, w := range att.Layers {
		for k, h := range att.HeadsOf(l) {
			copy(all.Data[(l*H+h)*T*T:(l*H+h+1)*T*T], w[k*T*T:(k+1)*T*T])
		}
	}
	out := &rolloutOut{Result: *r, Attentions: all}
	for name, t := range map[string]*tensor.Tensor{"attentions": out.Attentions, "rollout": r.Rollout, "flow": r.Flow} {
		if t == nil {
			continue
		}
		if err := writeMatrix(matrixPath(*outPath, name), t.Shape, t.Data); err != nil {
			return err
		}
	}
	return writeJSON(*outPath, out)
}
