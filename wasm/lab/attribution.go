package lab

import (
	"bertology/core/analysis"
	"bertology/core/tokenizer"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"bertology/core/model"
	"bertology/core/patching"
	"bertology/core/saliency"
	"bertology/wasm/protocol"
)

// Saliency explains one logit of one input: each token's saliency, or each head's attention
// attribution.
func (l *Lab) Saliency(ctx context.Context, req *protocol.SaliencyRequest, report Reporter) (*protocol.SaliencyResult, error) {
	base, err := saliency.ParseBaseline(req.Baseline)
	if err != nil {
		return nil, err
	}
	if req.Steps < 0 {
		return nil, fmt.Errorf("steps is %d, must not be negative", req.Steps)
	}
	enc, err := l.encode(req.Text, req.Pair, req.Truncate)
	if err != nil {
		return nil, err
	}
	m := l.model.model
	opt := saliency.Options{Method: req.Method, Target: -1, Steps: req.Steps, Baseline: base}
	if req.Target != nil {
		opt.Target = *req.Target
	}
	return saliency.Explain(ctx, m, l.model.tok, analysis.Batch(m, []tokenizer.Encoding{enc}, 0), l.tokenStrings(enc.IDs), opt, throttled(report))
}

// Patch patches a clean input's residual stream and heads' outputs into a corrupted one.
func (l *Lab) Patch(ctx context.Context, req *protocol.PatchRequest, report Reporter) (*protocol.PatchResult, error) {
	clean, err := l.encode(req.Clean, "", false)
	if err != nil {
		return nil, fmt.Errorf("clean: %w", err)
	}
	corrupted, err := l.encode(req.Corrupted, "", false)
	if err != nil {
		return nil, fmt.Errorf("corrupted: %w", err)
	}
	if len(clean.IDs) != len(corrupted.IDs) {
		return nil, fmt.Errorf("the clean text is %d tokens, the corrupted %d: they must be as long", len(clean.IDs), len(corrupted.IDs))
	}
	m := l.model.model
	mt, name, err := l.metric(req.A, req.B, req.TokenA, req.TokenB)
	if err != nil {
		return nil, err
	}
	res, err := patching.Compute(ctx, m, analysis.Batch(m, []tokenizer.Encoding{clean}, 0), analysis.Batch(m, []tokenizer.Encoding{corrupted}, 0), mt, throttled(report))
	if err != nil {
		return nil, err
	}
	res.CleanTokens, res.CorruptedTokens = l.tokenStrings(clean.IDs), l.tokenStrings(corrupted.IDs)
	res.Metric = name
	return res, nil
}

// Ablate ablates each head of one input in turn, to zero or to its mean over the loaded data set.
func (l *Lab) Ablate(ctx context.Context, req *protocol.AblateRequest, report Reporter) (*protocol.AblateResult, error) {
	enc, err := l.encode(req.Text, "", false)
	if err != nil {
		return nil, err
	}
	mt, name, err := l.metric(req.A, req.B, req.TokenA, req.TokenB)
	if err != nil {
		return nil, err
	}
	m := l.model.model
	var means [][]float32
	n := 0
	switch req.Mode {
	case "", patching.AblateZero:
	case patching.AblateMean:
		d, err := l.encodeData(req.Subset, 0, false)
		if err != nil {
			return nil, fmt.Errorf("mean ablation averages over the data set: %w", err)
		}
		runner, err := l.analysisRunner()
		if err != nil {
			return nil, err
		}
		if means, err = analysis.HeadMeans(ctx, runner, m, d.encs, throttled(report).Phase("head means")); err != nil {
			return nil, err
		}
		n = len(d.encs)
	default:
		return nil, fmt.Errorf("ablation %q: want zero or mean", req.Mode)
	}
	res, err := patching.Ablate(ctx, m, analysis.Batch(m, []tokenizer.Encoding{enc}, 0), mt, means, throttled(report).Phase("layers"))
	if err != nil {
		return nil, err
	}
	res.Tokens, res.MetricName, res.MeanOver = l.tokenStrings(enc.IDs), name, n
	return res, nil
}

// metric is patching's logit[a] − logit[b]: two classes of a classifier (default 1 and 0), or a
// language model's two next tokens, by id or as text the model tokenises into one token each; and its
// name.
func (l *Lab) metric(a, b *int, ta, tb string) (patching.Metric, string, error) {
	m, tok := l.model.model, l.model.tok
	mt := patching.Metric{A: 1, B: 0}
	switch {
	case a != nil && b != nil:
		mt = patching.Metric{A: *a, B: *b}
	case ta != "" || tb != "":
		if m.Head() == model.SequenceClassification {
			return mt, "", errors.New("a classifier's metric is two classes, not two tokens")
		}
		var err error
		if mt.A, err = l.oneToken(ta); err != nil {
			return mt, "", err
		}
		if mt.B, err = l.oneToken(tb); err != nil {
			return mt, "", err
		}
	case m.Head() != model.SequenceClassification:
		return mt, "", errors.New("a language model needs the two next tokens a and b")
	}
	return mt, fmt.Sprintf("logit[%s] − logit[%s]", saliency.TargetName(m, tok, mt.A), saliency.TargetName(m, tok, mt.B)), nil
}

// oneToken is the id of the one token the model's tokenizer makes of text, special tokens aside.
func (l *Lab) oneToken(text string) (int, error) {
	if text == "" {
		return 0, errors.New("a language model needs both next tokens")
	}
	enc, err := l.encode(text, "", false)
	if err != nil {
		return 0, err
	}
	special := analysis.SpecialTokens(l.model.tok)
	var ids []int
	var pieces []string
	for i, id := range enc.IDs {
		if t := l.model.tok.Decode([]int{id}); slices.Contains(special, t) {
			continue
		}
		ids, pieces = append(ids, id), append(pieces, enc.Tokens[i])
	}
	if len(ids) != 1 {
		return 0, fmt.Errorf("%q is %d tokens for this model (%s), not one: choose a word the model has as one token", text, len(ids), strings.Join(pieces, " "))
	}
	return ids[0], nil
}

// UnknownTokens lists the tokens the model's vocabulary has neither as an entry nor decoded.
func (l *Lab) UnknownTokens(_ context.Context, req *protocol.UnknownTokensRequest, _ Reporter) (*protocol.UnknownTokens, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	tok := l.model.tok
	if tok == nil {
		return nil, fmt.Errorf("the model has no tokenizer (%v)", l.model.tokErr)
	}
	var decoded map[string]bool // built only when a token is not a vocabulary entry
	out := &protocol.UnknownTokens{}
	for _, t := range req.Tokens {
		if _, ok := tok.TokenID(t); ok {
			continue
		}
		if decoded == nil {
			decoded = make(map[string]bool, tok.VocabSize())
			for id := range tok.VocabSize() {
				decoded[tok.Decode([]int{id})] = true
			}
		}
		if !decoded[t] && !slices.Contains(out.Tokens, t) {
			out.Tokens = append(out.Tokens, t)
		}
	}
	return out, nil
}
