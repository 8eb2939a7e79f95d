package protocol

import "bertology/core/generate"

// OpGenerate continues a prompt with the loaded causal language model: GenerateRequest → GenerateResult.
const OpGenerate = "generate"

// GenerateRequest asks for a continuation of Prompt: greedy when Temperature is 0, else sampled as
// llama2.c's run.c samples (TopP in (0, 1) for its nucleus, Seed its generator's seed).
type GenerateRequest struct {
	Prompt       string  `js:"prompt"`
	MaxNewTokens int     `js:"maxNewTokens"` // default 64
	Temperature  float64 `js:"temperature"`
	TopP         float64 `js:"topP"`
	Seed         int     `js:"seed"` // default 1
}

// GenerateResult is the generation: prompt and generated ids, the generated tokens with the probability
// each had when chosen, the decoded text and why it stopped; the command line writes the same type.
type GenerateResult = generate.Result
