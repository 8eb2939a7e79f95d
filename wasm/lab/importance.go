package lab

import (
	"context"
	"fmt"
	"slices"

	"bertology/core/bertology"
	"bertology/core/dataset"
	"bertology/core/f64"
	"bertology/core/model"
	"bertology/wasm/protocol"
)

// Importance computes head importance and attention entropy over the data set, and the model's metrics
// on it.
func (l *Lab) Importance(ctx context.Context, req *protocol.ImportanceRequest, report Reporter) (*protocol.ImportanceResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	l.syncWorkflow()
	d, err := l.data()
	if err != nil {
		return nil, err
	}
	mode, err := bertology.ParseMode(req.Mode)
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "encoding the data", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e, err := l.batch(d, req)
	if err != nil {
		return nil, err
	}
	e.opt = bertology.Options{
		Mode:          mode,
		Normalization: bertology.Normalization{ByLayer: orTrue(req.NormalizeByLayer), Global: orTrue(req.NormalizeGlobal)},
	}
	opt := e.opt
	opt.Entropy, opt.Importance, opt.HeadMask = true, true, req.HeadMask
	if len(req.HeadMask) == 0 {
		opt.HeadMask = nil
	}
	opt.Progress = throttled(report).Phase("importance")
	r, err := l.runner()
	if err != nil {
		return nil, err
	}
	imp, err := bertology.ComputeImportance(ctx, r, e.batches, opt)
	if err != nil {
		return nil, err
	}
	ev, err := e.evaluationOf(imp)
	if err != nil {
		return nil, err
	}
	if e.task != nil || e.tags != nil {
		for name := range ev.Metrics {
			if name != "loss" {
				e.reported = append(e.reported, name)
			}
		}
		slices.Sort(e.reported)
	}
	l.work.eval, l.work.importance, l.work.unmasked = e, imp, nil
	if opt.HeadMask == nil {
		l.work.unmasked = imp // the masking loop starts from it
	}
	res := &protocol.ImportanceResult{
		Layers: imp.Layers, Heads: imp.Heads,
		Importance: f64.ToFloat32(imp.Importance), Raw: f64.ToFloat32(imp.Raw), Entropy: f64.ToFloat32(imp.Entropy),
		Ranks: make([]int32, len(imp.Ranks)), TotTokens: imp.TotTokens, Mode: mode.String(), Evaluation: *ev,
	}
	for i, r := range imp.Ranks {
		res.Ranks[i] = int32(r)
	}
	return res, nil
}

// Evaluate evaluates the model with heads masked on the batches of the last importance request.
func (l *Lab) Evaluate(ctx context.Context, req *protocol.EvaluateRequest, report Reporter) (*protocol.Evaluation, error) {
	e, err := l.evaluation()
	if err != nil {
		return nil, err
	}
	mask := req.HeadMask
	if len(mask) == 0 {
		mask = nil
	}
	r, err := l.runner()
	if err != nil {
		return nil, err
	}
	imp, err := bertology.Evaluate(ctx, r, e.batches, mask, throttled(report).Phase("evaluate"))
	if err != nil {
		return nil, err
	}
	return e.evaluationOf(imp)
}

// batch encodes the data set for the loaded model as the request asks: a GLUE task for a sequence
// classifier with as many labels, tagged words for a token classifier, plain text for a language model.
func (l *Lab) batch(d *dataFile, req *protocol.ImportanceRequest) (*evaluation, error) {
	info := &l.model.info
	if l.model.tok == nil {
		return nil, fmt.Errorf("the model has no tokenizer (%v), so it cannot read the data", l.model.tokErr)
	}
	maxLen := req.MaxSeqLength
	switch {
	case maxLen == 0:
		maxLen = min(bertology.DefaultMaxSeqLength, info.MaxPositions)
	case maxLen < 0:
		return nil, fmt.Errorf("maxSeqLength is %d, must be positive", maxLen)
	case maxLen > info.MaxPositions:
		return nil, fmt.Errorf("maxSeqLength %d is longer than the model's %d positions", maxLen, info.MaxPositions)
	}
	batchSize := req.BatchSize
	switch {
	case batchSize == 0:
		batchSize = bertology.DefaultBatchSize
	case batchSize < 0:
		return nil, fmt.Errorf("batchSize is %d, must be positive", batchSize)
	}
	if req.Subset < 0 {
		return nil, fmt.Errorf("subset is %d; give 0 for every example, or how many to use", req.Subset)
	}

	if d.task != nil && d.info.Split == "test" {
		return nil, fmt.Errorf("%s has no labels (a test file): importance needs them", d.info.Name)
	}
	data := dataset.Data{Task: d.task, Examples: d.examples, Texts: d.texts, Tagged: d.tagged}.First(req.Subset)
	batches, err := dataset.ForModel(l.model.model, l.model.tok, data, maxLen, batchSize)
	if err != nil {
		return nil, err
	}
	if err := fitsPasses(l.model.model, batches); err != nil {
		return nil, err
	}
	e := &evaluation{task: d.task, examples: data.Len(), batches: batches}
	if d.tagged != nil {
		e.tags = l.model.model.Config().LabelNames()
	}
	return e, nil
}

// fitsPasses refuses batches whose largest would not fit the memory left in an importance pass (a
// gradient pass with a head mask that returns the attentions), before the first of them runs; the
// model checks each pass again as it starts, in whichever worker runs it.
func fitsPasses(m *model.Model, batches []*model.Batch) error {
	var largest *model.Batch
	for _, b := range batches {
		if largest == nil || b.Size*b.SeqLen > largest.Size*largest.SeqLen {
			largest = b
		}
	}
	if largest == nil {
		return nil
	}
	pass := model.Pass{Size: largest.Size, SeqLen: largest.SeqLen, Options: model.Options{Attentions: true, HeadMask: []float32{}},
		Grad: &model.GradOptions{HeadMask: true}}
	return m.PassMemory(pass).Fits(fmt.Sprintf("a batch of %d × %d tokens", largest.Size, largest.SeqLen))
}

func orTrue(b *bool) bool { return b == nil || *b }
