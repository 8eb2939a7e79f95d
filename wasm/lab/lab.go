// Package lab is what the WebAssembly module does for its callers: it holds one loaded model and
// answers the requests of package bertology/wasm/protocol with the core's packages. It has no
// syscall/js in it, so it is tested natively like any other package; the module's main only turns
// JavaScript values into requests and results back into JavaScript values.
package lab

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"bertology/wasm/protocol"
)

// Reporter receives progress reports. The browser's reporter also yields to the event loop, so a
// long operation must call it between steps and then check its context.
type Reporter func(protocol.Progress)

// Lab holds the loaded model. It is not safe for concurrent use: the module runs one request at a time.
type Lab struct {
	model *loaded  // nil until a model loads
	work  workflow // the data set and what was computed on it

	// pool runs the data-set passes when it has more than one shard; nil means the host's, if any
	// (hostShards). shared is the model the pool was last given, as its sharedVersion.
	pool          shards
	shared        *loaded
	sharedVersion int

	// kept is where the models downloaded from a Hub are kept; nil means the host's, if any
	// (hostStore).
	kept Store
}

// New returns a lab with no model loaded.
func New() *Lab { return &Lab{} }

// handler runs one op on the fields of its request.
type handler func(l *Lab, ctx context.Context, fields map[string]any, report Reporter) (any, error)

// handle adapts a typed op to a handler: it decodes the request fields into Req first.
func handle[Req, Res any](run func(*Lab, context.Context, *Req, Reporter) (*Res, error)) handler {
	return func(l *Lab, ctx context.Context, fields map[string]any, report Reporter) (any, error) {
		var req Req
		if err := protocol.Decode(fields, &req); err != nil {
			return nil, err
		}
		return run(l, ctx, &req, report)
	}
}

var handlers = map[string]handler{
	protocol.OpLoadModel:    handle((*Lab).LoadModel),
	protocol.OpLoadModelURL: handle((*Lab).LoadModelURL),
	protocol.OpLoadHubModel: handle((*Lab).LoadHubModel),
	protocol.OpHubFiles:     handle((*Lab).HubFiles),
	protocol.OpKeptModels: handle(func(l *Lab, _ context.Context, _ *struct{}, _ Reporter) (*protocol.KeptModels, error) {
		return l.KeptModels()
	}),
	protocol.OpDeleteKeptModel: handle(func(l *Lab, _ context.Context, req *protocol.DeleteKeptModelRequest, _ Reporter) (*protocol.KeptModels, error) {
		return l.DeleteKeptModel(req)
	}),
	protocol.OpModelInfo: handle(func(l *Lab, _ context.Context, _ *struct{}, _ Reporter) (*protocol.ModelInfo, error) {
		return l.ModelInfo()
	}),
	protocol.OpTokenize: handle(func(l *Lab, _ context.Context, req *protocol.TokenizeRequest, _ Reporter) (*protocol.Tokens, error) {
		return l.Tokenize(req)
	}),
	protocol.OpForward:      handle((*Lab).Forward),
	protocol.OpQueries:      handle((*Lab).Queries),
	protocol.OpRunBatch:     handle((*Lab).RunBatch),
	protocol.OpAnalyzeBatch: handle((*Lab).AnalyzeBatch),

	protocol.OpLoadDataset:  handle((*Lab).LoadDataset),
	protocol.OpImportance:   handle((*Lab).Importance),
	protocol.OpEvaluate:     handle((*Lab).Evaluate),
	protocol.OpExamples:     handle((*Lab).Examples),
	protocol.OpMaskingLoop:  handle((*Lab).MaskingLoop),
	protocol.OpPrune:        handle((*Lab).Prune),
	protocol.OpRestoreModel: handle((*Lab).RestoreModel),
	protocol.OpExportModel:  handle((*Lab).ExportModel),
	protocol.OpExportNpy:    handle((*Lab).ExportNpy),
	protocol.OpExportZip:    handle((*Lab).ExportZip),
	protocol.OpSession:      handle((*Lab).Session),

	protocol.OpHiddenStates:  handle((*Lab).HiddenStates),
	protocol.OpProbe:         handle((*Lab).Probe),
	protocol.OpAttnStats:     handle((*Lab).AttnStats),
	protocol.OpRollout:       handle((*Lab).Rollout),
	protocol.OpLens:          handle((*Lab).Lens),
	protocol.OpInduction:     handle((*Lab).Induction),
	protocol.OpGenerate:      handle((*Lab).Generate),
	protocol.OpSaliency:      handle((*Lab).Saliency),
	protocol.OpPatch:         handle((*Lab).Patch),
	protocol.OpAblate:        handle((*Lab).Ablate),
	protocol.OpUnknownTokens: handle((*Lab).UnknownTokens),
}

// Knows reports whether op names an operation of the lab.
func (l *Lab) Knows(op string) bool { return handlers[op] != nil }

// Ops lists the lab's operations, sorted and comma-separated.
func (l *Lab) Ops() string {
	ops := make([]string, 0, len(handlers))
	for op := range handlers {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return strings.Join(ops, ", ")
}

// Handle runs op on the request fields (the request without op and id). Errors start with the op's name.
func (l *Lab) Handle(ctx context.Context, op string, fields map[string]any, report Reporter) (any, error) {
	h := handlers[op]
	if h == nil {
		return nil, fmt.Errorf("unknown op %q (known: %s)", op, l.Ops())
	}
	if report == nil {
		report = func(protocol.Progress) {}
	}
	res, err := h(l, ctx, fields, report)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return res, nil
}
