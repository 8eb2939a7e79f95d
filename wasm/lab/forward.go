package lab

import (
	"context"
	"errors"
	"fmt"

	"bertology/core/f64"
	"bertology/core/model"
	"bertology/core/tensor"
	"bertology/wasm/protocol"
)

// defaultTopK is how many tokens per position a language-model head reports unless asked otherwise.
const defaultTopK = 5

// Forward runs the model on one input and returns its prediction and every head's attention.
func (l *Lab) Forward(ctx context.Context, req *protocol.ForwardRequest, report Reporter) (*protocol.ForwardResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	in, err := l.input(req)
	if err != nil {
		return nil, err
	}
	if req.TopK < 0 {
		return nil, fmt.Errorf("topK is %d, must not be negative", req.TopK)
	}
	t := len(in.IDs)
	batch := &model.Batch{Size: 1, SeqLen: t, InputIDs: ints(in.IDs), TokenTypeIDs: ints(in.TypeIDs)}
	opt := model.Options{HeadMask: req.HeadMask, Attentions: true, HiddenStates: req.HiddenStates}
	if len(req.HeadMask) == 0 {
		opt.HeadMask = nil
	}
	report(protocol.Progress{Phase: "forward", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := l.model.model.Forward(batch, opt)
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "forward", Done: 1, Total: 1})

	res := &protocol.ForwardResult{Tokens: in.Tokens, IDs: in.IDs, TypeIDs: in.TypeIDs, Truncated: in.Truncated}
	for _, a := range out.Attentions {
		res.Attentions = append(res.Attentions, dropBatch(a))
	}
	for _, h := range out.HiddenStates {
		res.HiddenStates = append(res.HiddenStates, dropBatch(h))
	}
	if out.Logits != nil {
		logits := dropBatch(out.Logits)
		switch l.model.model.Head() {
		case model.SequenceClassification:
			res.Logits = logits
			res.Classes = l.classes(logits.Data)
		case model.MaskedLM, model.CausalLM, model.PreTraining:
			k := req.TopK
			if k == 0 {
				k = defaultTopK
			}
			res.TopTokens = l.topTokens(logits.Data, t, k)
			if req.Logits {
				res.Logits = logits
			}
		}
	}
	return res, nil
}

// input is the request's tokens: encoded from its text, or its ids with the tokens they stand for.
func (l *Lab) input(req *protocol.ForwardRequest) (*protocol.Tokens, error) {
	var in *protocol.Tokens
	switch {
	case len(req.IDs) > 0 && (req.Text != "" || req.Pair != ""):
		return nil, errors.New("give either text (and pair) or ids, not both")
	case len(req.IDs) > 0:
		if len(req.TypeIDs) > 0 && len(req.TypeIDs) != len(req.IDs) { // none: JavaScript's empty array too
			return nil, fmt.Errorf("typeIds has %d values for %d ids", len(req.TypeIDs), len(req.IDs))
		}
		in = &protocol.Tokens{IDs: req.IDs, TypeIDs: req.TypeIDs}
		if len(in.TypeIDs) == 0 {
			in.TypeIDs = nil // the model's default, as when none are given
		}
		vocab := l.model.info.Vocab
		for i, id := range req.IDs {
			if id < 0 || int(id) >= vocab {
				return nil, fmt.Errorf("ids[%d] is %d, outside the vocabulary of %d", i, id, vocab)
			}
			in.Tokens = append(in.Tokens, l.tokenName(int(id)))
		}
	default:
		enc, err := l.encode(req.Text, req.Pair, req.Truncate)
		if err != nil {
			return nil, err
		}
		in = tokensOf(enc)
	}
	if len(in.IDs) == 0 {
		return nil, errors.New("the input has no tokens")
	}
	return in, nil
}

// tokenName is the vocabulary token of id, or "#id" when the model has no tokenizer.
func (l *Lab) tokenName(id int) string {
	if l.model.tok == nil {
		return fmt.Sprintf("#%d", id)
	}
	return l.model.tok.Token(id)
}

// dropBatch returns the only sequence of a batch of one: t without its leading dimension of 1.
func dropBatch(t *tensor.Tensor) protocol.Tensor {
	return protocol.Tensor{Shape: append([]int(nil), t.Shape[1:]...), Data: t.Data}
}

func (l *Lab) classes(logits []float32) []protocol.ClassScore {
	labels := l.model.info.Labels
	probs := make([]float64, len(logits))
	f64.Softmax(probs, logits)
	out := make([]protocol.ClassScore, len(logits))
	for i, z := range logits {
		out[i] = protocol.ClassScore{Label: labels[i], Logit: float64(z), Probability: probs[i]}
	}
	return out
}

// topTokens returns the k most probable tokens at each of t positions of [t, vocab] logits, most
// probable first.
func (l *Lab) topTokens(logits []float32, t, k int) [][]protocol.TokenScore {
	vocab := len(logits) / t
	out := make([][]protocol.TokenScore, t)
	probs := make([]float64, vocab)
	for i := range t {
		f64.Softmax(probs, logits[i*vocab:(i+1)*vocab])
		for _, id := range f64.TopK(probs, k) {
			out[i] = append(out[i], protocol.TokenScore{Token: l.tokenName(id), ID: id, Probability: probs[id]})
		}
	}
	return out
}
