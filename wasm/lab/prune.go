package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"bertology/core/bertology"
	"bertology/core/checkpoint"
	"bertology/wasm/protocol"
)

// Prune removes heads from the model's weights and compares the model with those heads masked and
// pruned: parameters, time per example and metrics on the batches of the last importance request.
// The pruned model replaces the loaded one.
func (l *Lab) Prune(ctx context.Context, req *protocol.PruneRequest, report Reporter) (*protocol.PruneResult, error) {
	e, err := l.evaluation()
	if err != nil {
		return nil, err
	}
	cur := l.model
	layers, heads := cur.model.Shape()
	mask, byLayer, err := headsToPrune(req, layers, heads)
	if err != nil {
		return nil, err
	}
	p, err := bertology.PruneAndCompare(ctx, cur.checkpoint(), cur.model, e.batches, mask, byLayer, throttled(report))
	if err != nil {
		return nil, err
	}
	before, err := e.evaluationOf(p.Masked)
	if err != nil {
		return nil, err
	}
	after, err := e.evaluationOf(p.Pruned)
	if err != nil {
		return nil, err
	}
	pm := p.Model

	pruned := &loaded{model: pm, tok: cur.tok, tokErr: cur.tokErr, files: cur.files, info: describe(pm, nil)}
	pruned.info.Files = cur.info.Files
	if l.work.original == nil {
		l.work.original = cur
	}
	l.model, l.work.model = pruned, pruned

	n := float64(e.examples)
	res := &protocol.PruneResult{
		Pruned:                  map[string][]int{},
		ParamsBefore:            p.ParamsBefore,
		ParamsAfter:             p.ParamsAfter,
		SecondsPerExampleBefore: p.TimeMasked.Seconds() / n,
		SecondsPerExampleAfter:  p.TimePruned.Seconds() / n,
		Before:                  *before,
		After:                   *after,
		Model:                   pruned.info,
	}
	for layer, hs := range byLayer {
		res.Pruned[strconv.Itoa(layer)] = hs
	}
	return res, nil
}

// headsToPrune reads the request's heads, as a mask and by layer.
func headsToPrune(req *protocol.PruneRequest, layers, heads int) (mask []float32, byLayer map[int][]int, err error) {
	switch {
	case len(req.HeadMask) > 0 && len(req.Heads) > 0:
		return nil, nil, errors.New("give either headMask or heads, not both")
	case len(req.HeadMask) > 0:
		if len(req.HeadMask) != layers*heads {
			return nil, nil, fmt.Errorf("headMask has %d values, the model has %d layers × %d heads", len(req.HeadMask), layers, heads)
		}
		mask = req.HeadMask
		byLayer = bertology.HeadsToPrune(mask, layers, heads)
	case len(req.Heads) > 0:
		mask = make([]float32, layers*heads)
		for i := range mask {
			mask[i] = 1
		}
		byLayer = map[int][]int{}
		for key, hs := range req.Heads {
			l, err := strconv.Atoi(key)
			if err != nil || l < 0 || l >= layers {
				return nil, nil, fmt.Errorf("heads: %q is not a layer (0 to %d)", key, layers-1)
			}
			for _, h := range hs {
				if h < 0 || h >= heads {
					return nil, nil, fmt.Errorf("heads.%s: layer %d has no head %d (0 to %d)", key, l, h, heads-1)
				}
				mask[l*heads+h] = 0
			}
			byLayer[l] = append(byLayer[l], hs...)
			slices.Sort(byLayer[l])
		}
	}
	if len(byLayer) == 0 {
		return nil, nil, errors.New("no heads to prune: give a headMask with zeros, or heads by layer")
	}
	return mask, byLayer, nil
}

// RestoreModel brings back the model as it was before the first prune.
func (l *Lab) RestoreModel(_ context.Context, _ *struct{}, _ Reporter) (*protocol.ModelInfo, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	l.syncWorkflow()
	if l.work.original == nil {
		return nil, errors.New("the loaded model has not been pruned: there is nothing to restore")
	}
	l.model, l.work.model, l.work.original = l.work.original, l.work.original, nil
	return l.ModelInfo()
}

// checkpoint rebuilds the loaded model's checkpoint from its weights, for pruning and export.
func (ld *loaded) checkpoint() *checkpoint.Checkpoint {
	return &checkpoint.Checkpoint{Config: ld.model.Config(), Weights: ld.model.Weights(), Files: ld.files}
}
