package lab

import (
	"context"
	"fmt"

	"bertology/core/generate"
	"bertology/wasm/protocol"
)

// generateDefaultTokens is how many tokens the generate op writes when the request does not say.
const generateDefaultTokens = 64

// Generate continues the request's prompt with the loaded causal language model (core/generate),
// reporting each token and stopping when ctx is cancelled.
func (l *Lab) Generate(ctx context.Context, req *protocol.GenerateRequest, report Reporter) (*protocol.GenerateResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	if req.MaxNewTokens < 0 || req.Seed < 0 {
		return nil, fmt.Errorf("max new tokens %d and seed %d must not be negative", req.MaxNewTokens, req.Seed)
	}
	opt := generate.Options{MaxNewTokens: req.MaxNewTokens, Temperature: float32(req.Temperature), TopP: float32(req.TopP), Seed: uint64(req.Seed)}
	if opt.MaxNewTokens == 0 {
		opt.MaxNewTokens = generateDefaultTokens
	}
	prompt, err := generate.Encode(l.model.tok, req.Prompt)
	if err != nil {
		return nil, err
	}
	return generate.Generate(ctx, l.model.model, l.model.tok, prompt, opt, throttled(report))
}
