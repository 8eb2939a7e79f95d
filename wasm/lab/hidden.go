package lab

import (
	"context"
	"fmt"
	"math"

	"bertology/core/analysis"
	"bertology/core/f64"
	"bertology/core/model"
	"bertology/core/pca"
	"bertology/core/tokenizer"
	"bertology/wasm/protocol"
)

// HiddenStates runs the model on one input and describes the token vectors of every depth: how similar
// each pair is, and where each lies on the depth's first two principal components.
func (l *Lab) HiddenStates(ctx context.Context, req *protocol.HiddenStatesRequest, report Reporter) (*protocol.HiddenStatesResult, error) {
	enc, err := l.encode(req.Text, req.Pair, req.Truncate)
	if err != nil {
		return nil, err
	}
	m := l.model.model
	report(protocol.Progress{Phase: "forward", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := m.Forward(analysis.Batch(m, []tokenizer.Encoding{enc}, 0), model.Options{HiddenStates: true})
	if err != nil {
		return nil, err
	}
	T, D := len(enc.IDs), m.Config().HiddenSize
	res := &protocol.HiddenStatesResult{Tokens: l.tokenStrings(enc.IDs)}
	for d, h := range out.HiddenStates {
		report(protocol.Progress{Phase: "hidden states", Done: d, Total: len(out.HiddenStates)})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		layer, err := describeHidden(f64.FromFloat32(h.Data), T, D)
		if err != nil {
			return nil, fmt.Errorf("depth %d: %w", d, err)
		}
		res.Layers = append(res.Layers, layer)
	}
	report(protocol.Progress{Phase: "hidden states", Done: len(out.HiddenStates), Total: len(out.HiddenStates)})
	return res, nil
}

// describeHidden returns the cosine similarities, the norms and the 2-D principal components of T
// vectors x ([T, D] row-major).
func describeHidden(x []float64, T, D int) (protocol.HiddenLayer, error) {
	norms := make([]float64, T)
	layer := protocol.HiddenLayer{Norms: make([]float32, T), Cosine: protocol.Tensor{Shape: []int{T, T}, Data: make([]float32, T*T)}}
	for i := range T {
		norms[i] = math.Sqrt(dot(x[i*D:(i+1)*D], x[i*D:(i+1)*D]))
		layer.Norms[i] = float32(norms[i])
	}
	for i := range T {
		for j := range T {
			if norms[i] > 0 && norms[j] > 0 {
				layer.Cosine.Data[i*T+j] = float32(dot(x[i*D:(i+1)*D], x[j*D:(j+1)*D]) / (norms[i] * norms[j]))
			}
		}
	}
	K := min(2, T, D)
	p, err := pca.Compute(x, T, D, K)
	if err != nil {
		return protocol.HiddenLayer{}, err
	}
	layer.PCA = protocol.Tensor{Shape: []int{T, K}, Data: f64.ToFloat32(p.Coords)}
	layer.Explained = p.Explained
	return layer, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// tokenStrings is what each token reads as (GPT-2's "Ġ," as " ,"), for the analyses' labels.
func (l *Lab) tokenStrings(ids []int) []string {
	return analysis.TokenStrings(l.model.tok, ids)
}
