package lab

import (
	"context"
	"fmt"
	"math"
	"slices"

	"bertology/core/model"
	"bertology/wasm/protocol"
)

// Queries runs the model on one input and returns one head's queries, keys, scores and attention: what
// the neuron view draws.
func (l *Lab) Queries(ctx context.Context, req *protocol.QueriesRequest, report Reporter) (*protocol.QueriesResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	m := l.model.model
	layers, heads := m.Shape()
	if req.Layer < 0 || req.Layer >= layers {
		return nil, fmt.Errorf("layer %d is outside the model's %d layers", req.Layer, layers)
	}
	kept := m.Heads(req.Layer)
	h := slices.Index(kept, req.Head)
	if h < 0 {
		if req.Head < 0 || req.Head >= heads {
			return nil, fmt.Errorf("head %d is outside the model's %d heads", req.Head, heads)
		}
		return nil, fmt.Errorf("head %d of layer %d was pruned", req.Head, req.Layer)
	}
	in, err := l.input(&protocol.ForwardRequest{Text: req.Text, Pair: req.Pair, Truncate: req.Truncate, IDs: req.IDs, TypeIDs: req.TypeIDs})
	if err != nil {
		return nil, err
	}
	t := len(in.IDs)
	opt := model.Options{HeadMask: req.HeadMask, QueriesKeys: true}
	if len(req.HeadMask) == 0 {
		opt.HeadMask = nil
	}
	report(protocol.Progress{Phase: "forward", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := m.Forward(&model.Batch{Size: 1, SeqLen: t, InputIDs: ints(in.IDs), TokenTypeIDs: ints(in.TypeIDs)}, opt)
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "forward", Done: 1, Total: 1})
	q, k := out.Queries[req.Layer], out.Keys[req.Layer]
	hd := q.Shape[3]
	res := &protocol.QueriesResult{
		Tokens: in.Tokens, TypeIDs: in.TypeIDs, Layer: req.Layer, Head: req.Head,
		KVHead: req.Head / m.Config().KVGroup(), Scale: float64(m.ScoreScale(req.Layer)), Causal: m.Causal(),
		Queries: protocol.Tensor{Shape: []int{t, hd}, Data: slices.Clone(q.Data[h*t*hd : (h+1)*t*hd])},
		Keys:    protocol.Tensor{Shape: []int{t, hd}, Data: slices.Clone(k.Data[h*t*hd : (h+1)*t*hd])},
		Scores:  protocol.Tensor{Shape: []int{t, t}, Data: make([]float32, t*t)},
		Probs:   protocol.Tensor{Shape: []int{t, t}, Data: make([]float32, t*t)},
	}
	for i := range t {
		seen := t // the keys query i sees
		if res.Causal {
			seen = i + 1
		}
		qi := res.Queries.Data[i*hd : (i+1)*hd]
		scaled := make([]float64, seen)
		for j := range seen {
			var s float64
			for d, v := range qi {
				s += float64(v) * float64(res.Keys.Data[j*hd+d])
			}
			res.Scores.Data[i*t+j] = float32(s)
			scaled[j] = s / res.Scale
		}
		top := slices.Max(scaled)
		var sum float64
		for j, s := range scaled {
			scaled[j] = math.Exp(s - top)
			sum += scaled[j]
		}
		for j, p := range scaled {
			res.Probs.Data[i*t+j] = float32(p / sum)
		}
	}
	return res, nil
}
