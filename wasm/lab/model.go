package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"bertology/core/bertology"
	"bertology/core/checkpoint"
	"bertology/core/model"
	"bertology/core/tokenizer"
	"bertology/wasm/protocol"
)

// loaded is a model with everything the ops need beside it.
type loaded struct {
	model *model.Model
	// tok is nil when the files had no usable tokenizer; tokErr then says why, and only ops given
	// token ids work.
	tok    tokenizer.Tokenizer
	tokErr error
	info   protocol.ModelInfo
	// files are the checkpoint's files besides its config and weights (the tokenizer's), which an
	// exported model carries along.
	files map[string][]byte
}

var errNoModel = errors.New("no model is loaded: send loadModel first")

// LoadModel loads a model from its files, or from the addresses of its files. The model loaded before
// stays in place if this one fails. A model that would not fit the memory left with a pass of the run's
// defaults (importance on a batch of bertology.DefaultBatchSize sequences of DefaultMaxSeqLength tokens)
// is refused before its weights are read. Reading them reports each tensor and can be cancelled between
// two.
func (l *Lab) LoadModel(ctx context.Context, req *protocol.LoadModelRequest, report Reporter) (*protocol.ModelInfo, error) {
	files := req.Files
	if req.URLs != nil {
		if req.Files != nil {
			return nil, errors.New("give the files or their urls, not both")
		}
		var err error
		if files, err = pickedFiles(ctx, req.URLs, report); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := fitsMemory(req.Name, files); err != nil {
		return nil, err
	}
	ck, err := checkpoint.LoadContext(ctx, req.Name, files, throttled(report))
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "building the model", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := model.New(ck)
	if err != nil {
		return nil, err
	}
	ld := &loaded{model: m, files: ck.Files}
	ld.tok, ld.tokErr = tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	ld.info = describe(m, files)
	report(protocol.Progress{Phase: "building the model", Done: 1, Total: 1})
	l.model = ld
	return l.ModelInfo()
}

// fitsMemory estimates, from config.json alone, the memory that loading the files (from name, as Load
// has them) takes with a pass of the run's defaults, and refuses them when it is more than is left.
// Files without a config.json that parses are left to Load to refuse.
func fitsMemory(name string, files map[string][]byte) error {
	cfg, err := checkpoint.ReadConfig(name, files)
	if err != nil {
		return nil
	}
	pass := model.Pass{Size: bertology.DefaultBatchSize, SeqLen: min(bertology.DefaultMaxSeqLength, cfg.MaxPositions),
		Grad: &model.GradOptions{HeadMask: true}}
	mem, err := model.EstimateLoad(cfg, pass)
	if err != nil {
		return err
	}
	return mem.Fits("loading the model")
}

// describe summarises a model for ModelInfo.
func describe(m *model.Model, files map[string][]byte) protocol.ModelInfo {
	cfg := m.Config()
	info := protocol.ModelInfo{
		Type:         string(cfg.ModelType),
		Architecture: m.Architecture(),
		Layers:       cfg.NumLayers,
		Heads:        cfg.NumHeads,
		Hidden:       cfg.HiddenSize,
		Intermediate: cfg.IntermediateSize,
		Vocab:        cfg.VocabSize,
		MaxPositions: cfg.MaxPositions,
		Params:       m.NumParams(),
		Labels:       classLabels(m),
		Kernels:      m.Kernels().Name(),
		CausalLM:     m.Head() == model.CausalLM,
		LMHead:       slices.Contains([]model.Head{model.CausalLM, model.MaskedLM, model.PreTraining}, m.Head()),
	}
	for layer := range cfg.NumLayers {
		info.HeadsPerLayer = append(info.HeadsPerLayer, len(m.Heads(layer)))
		info.KeptHeads = append(info.KeptHeads, append([]int{}, m.Heads(layer)...)) // [] rather than null for none
	}
	for name := range files {
		info.Files = append(info.Files, name)
	}
	slices.Sort(info.Files)
	return info
}

// classLabels names a classifier's classes, of sequences or tokens, by config.json's id2label
// (LABEL_i where it has none, as Hugging Face names them); nil for other heads.
func classLabels(m *model.Model) []string {
	if h := m.Head(); h != model.SequenceClassification && h != model.TokenClassification {
		return nil
	}
	return m.Config().LabelNames()
}

// ModelInfo describes the loaded model.
func (l *Lab) ModelInfo() (*protocol.ModelInfo, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	info := l.model.info
	return &info, nil
}

// Tokenize encodes a text or text pair with the model's tokenizer.
func (l *Lab) Tokenize(req *protocol.TokenizeRequest) (*protocol.Tokens, error) {
	enc, err := l.encode(req.Text, req.Pair, req.Truncate)
	if err != nil {
		return nil, err
	}
	return tokensOf(enc), nil
}

// encode tokenizes a text or text pair, special tokens included, for the model: an input longer than
// the model's maximum is an error, or, when truncate says, cut down to it as transformers'
// truncation=True does.
func (l *Lab) encode(text, pair string, truncate bool) (tokenizer.Encoding, error) {
	if l.model == nil {
		return tokenizer.Encoding{}, errNoModel
	}
	if l.model.tok == nil {
		return tokenizer.Encoding{}, fmt.Errorf("the model has no tokenizer (%v); give token ids instead", l.model.tokErr)
	}
	return l.model.tok.Encode(text, pair, pair != "", tokenizer.Options{MaxLength: l.model.info.MaxPositions, Truncate: truncate})
}

func tokensOf(enc tokenizer.Encoding) *protocol.Tokens {
	return &protocol.Tokens{Tokens: enc.Tokens, IDs: int32s(enc.IDs), TypeIDs: int32s(enc.TypeIDs), Truncated: enc.Truncated}
}

func int32s(v []int) []int32 {
	if v == nil {
		return nil
	}
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

func ints(v []int32) []int {
	if v == nil {
		return nil
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
