package saliency

import (
	"context"
	"fmt"
	"strconv"

	"bertology/core/model"
	"bertology/core/progress"
	"bertology/core/tokenizer"
)

// The methods Explain runs.
const (
	MethodGrad      = "grad"       // gradient norm per token
	MethodGradInput = "gradxinput" // gradient × input per token
	MethodIG        = "ig"         // integrated gradients per token
	MethodAttention = "attention"  // attention attribution per head
	defaultSteps    = 64
)

// Options choose what Explain computes.
type Options struct {
	Method   string // one of the Method constants; "" is MethodIG
	Target   int    // the class or next token explained; < 0 for the predicted one
	Steps    int    // integration steps of ig and attention; 0 for 64
	Baseline Baseline
}

// Result is one explanation, one schema for the lab (js names) and the command line (json names).
type Result struct {
	Method     string   `js:"method" json:"method"`
	Tokens     []string `js:"tokens" json:"tokens"`
	Target     int      `js:"target" json:"target"`
	TargetName string   `js:"targetName" json:"target_name"`
	Logit      float64  `js:"logit" json:"logit"` // f(x), the target logit
	// Scores are one per token, or [layers*heads] row-major for attention attribution.
	Scores   []float64 `js:"scores" json:"scores"`
	Layers   int       `js:"layers" json:"layers,omitempty"`
	Heads    int       `js:"heads" json:"heads,omitempty"`
	Steps    int       `js:"steps" json:"steps,omitempty"`
	Baseline string    `js:"baseline" json:"baseline,omitempty"`
	// AttentionMaps are attention attribution's per query and key position, [layers][heads·T·T] (see
	// Attention.Maps); nil for the other methods.
	AttentionMaps [][]float64 `js:"attentionMaps" json:"attention_maps,omitempty"`
	// Graph is attention attribution's graph of the strongest token-to-token links (BuildGraph with
	// GraphThreshold and GraphEdges); nil for the other methods.
	Graph *Graph `js:"graph" json:"graph,omitempty"`
	// Completeness is ig's one check, or attention attribution's one per layer; none for gradients.
	Completeness []Completeness `js:"completeness" json:"completeness,omitempty"`
}

// Explain runs opt.Method on the sequence b (whose tokens are tokens) of a model with tokenizer tok,
// telling p of its steps. It stops between steps when ctx is cancelled.
func Explain(ctx context.Context, m *model.Model, tok tokenizer.Tokenizer, b *model.Batch, tokens []string, opt Options, p progress.Func) (*Result, error) {
	tg := Target{Class: opt.Target}
	if opt.Target < 0 {
		var err error
		if tg, err = Predicted(m, b); err != nil {
			return nil, err
		}
	}
	steps := opt.Steps
	if steps == 0 {
		steps = defaultSteps
	}
	method := opt.Method
	if method == "" {
		method = MethodIG
	}
	res := &Result{Method: method, Tokens: tokens, Target: tg.Class, TargetName: TargetName(m, tok, tg.Class)}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch method {
	case MethodGrad, MethodGradInput:
		g, err := Gradients(m, b, tg)
		if err != nil {
			return nil, err
		}
		res.Logit, res.Scores = g.Logit, g.Norm
		if method == MethodGradInput {
			res.Scores = g.Times
		}
	case MethodIG:
		pad := m.Config().PadTokenID
		ig, err := IntegratedGradients(ctx, m, b, tg, opt.Baseline, pad, steps, p)
		if err != nil {
			return nil, err
		}
		res.Logit, res.Scores, res.Steps, res.Baseline = ig.Logit, ig.Attributions, ig.Steps, opt.Baseline.String()
		res.Completeness = []Completeness{ig.Completeness}
	case MethodAttention:
		a, err := AttentionAttribution(ctx, m, b, tg, steps, p)
		if err != nil {
			return nil, err
		}
		res.Logit, res.Scores, res.Steps, res.Completeness = a.Logit, a.Scores, a.Steps, a.Completeness
		res.Layers, res.Heads, res.AttentionMaps = a.Layers, a.Heads, a.Maps
		if res.Graph, err = BuildGraph(a.Maps, b.SeqLen, readPosition(m, b), GraphThreshold, GraphEdges); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("method %q: want grad, gradxinput, ig or attention", method)
	}
	return res, ctx.Err()
}

// String is the baseline's name, as ParseBaseline reads it.
func (b Baseline) String() string {
	if b == Pad {
		return "pad"
	}
	return "zero"
}

// TargetName is a class's label (its number when the config names none) or a token's text.
func TargetName(m *model.Model, tok tokenizer.Tokenizer, c int) string {
	if m.Head() == model.SequenceClassification {
		if name, ok := m.Config().ID2Label[c]; ok {
			return name
		}
		return strconv.Itoa(c)
	}
	return tok.Token(c)
}
