// Package protocol defines the messages between bertology's lab, which runs the core in WebAssembly
// (in a Web Worker in the browser, or in Node), and its callers: the page's UI, Node scripts and tests.
//
// The lab registers one JavaScript function,
//
//	globalThis.bertologyHandle(request, onProgress) → Promise
//
// where request is a plain object {op, id, ...fields}: op names the operation (the Op constants), id is
// the caller's number for the request (needed only to cancel it), and the fields are those of the op's
// request struct below, spelled as their `js` tags. The promise resolves to the op's result struct as a
// plain object, or rejects with an Error whose message says what went wrong; the lab stays usable after
// any error. onProgress, if given, receives Progress objects while long operations run. Float32 data
// travels as Float32Array, the token ids of requests, Tokens and ForwardResult as Int32Array and file
// contents as Uint8Array.
//
// The analyses' results are the core's own types (probe.Result, attnstats.Summary, rollout.Result,
// lens.Result), which the command line writes as JSON: one schema per result, with js names here and
// json names there. Their token ids travel as plain arrays of numbers.
//
// The Web Worker (public/worker.js) wraps this in messages: it receives {id, op, ...fields} and posts
// {id, progress}, then {id, result} or {id, error}.
package protocol

import (
	"bertology/core/lens"
	"bertology/core/tensor"
)

// Operation names, the request's op field.
const (
	OpLoadModel = "loadModel" // LoadModelRequest → ModelInfo
	OpModelInfo = "modelInfo" // no fields → ModelInfo of the loaded model
	OpTokenize  = "tokenize"  // TokenizeRequest → Tokens
	OpForward   = "forward"   // ForwardRequest → ForwardResult
	OpCancel    = "cancel"    // CancelRequest → CancelResult; answered at once, even while other work runs
)

// LoadModelRequest carries a model directory in Hugging Face's layout, by file base name: config.json,
// the weights (model.safetensors or pytorch_model.bin, or a sharded checkpoint's index and shards), and
// the tokenizer's files (vocab.txt, or vocab.json and merges.txt, or tokenizer.json). Name, optional,
// is where the files came from (a folder's name, a URL, a Hub id): it decides the model type of a
// config.json without one, as with transformers. Loading replaces the model loaded before, but only
// once the new one has loaded.
//
// URLs, instead of Files, gives the address of each file of the directory (the blob: URLs of the files
// a user picked): the lab fetches those it needs, found as transformers finds them
// (checkpoint.Discover), and leaves the others (TensorFlow or ONNX weights, READMEs) alone.
type LoadModelRequest struct {
	Files map[string][]byte `js:"files"`
	URLs  map[string]string `js:"urls"`
	Name  string            `js:"name"`
}

// ModelInfo summarises the loaded model.
type ModelInfo struct {
	Type          string   `js:"type"`          // model_type: bert, distilbert, gpt2, openai-gpt, llama
	Architecture  string   `js:"architecture"`  // e.g. BertForSequenceClassification
	Layers        int      `js:"layers"`        // transformer layers
	Heads         int      `js:"heads"`         // attention heads per layer before pruning
	HeadsPerLayer []int    `js:"headsPerLayer"` // heads left in each layer
	KeptHeads     [][]int  `js:"keptHeads"`     // the heads left in each layer, by their numbers before pruning
	Hidden        int      `js:"hidden"`        // hidden size
	Intermediate  int      `js:"intermediate"`  // feed-forward size
	Vocab         int      `js:"vocab"`         // vocabulary size
	MaxPositions  int      `js:"maxPositions"`  // longest input in tokens
	Params        int      `js:"params"`        // number of parameters
	Labels        []string `js:"labels"`        // class names (id2label) of a classifier of sequences or tokens; empty otherwise
	Files         []string `js:"files"`         // the files the model was loaded from, sorted
	Kernels       string   `js:"kernels"`       // the kernels the model runs on: simd128, relaxed-simd or go
	CausalLM      bool     `js:"causalLM"`      // a causal language model, which the induction op needs
	LMHead        bool     `js:"lmHead"`        // a language-model head (causal or masked), which the logit lens needs
}

// TokenizeRequest asks for the tokens of a text, or of a text pair when Pair is not empty.
type TokenizeRequest struct {
	Text string `js:"text"`
	Pair string `js:"pair"`
	// Truncate cuts an input longer than the model's maximum down to it (transformers'
	// truncation=True, longest_first); without it such an input is an error.
	Truncate bool `js:"truncate"`
}

// Tokens is a tokenized input, with special tokens.
type Tokens struct {
	Tokens  []string `js:"tokens"`
	IDs     []int32  `js:"ids"`
	TypeIDs []int32  `js:"typeIds"`
	// Truncated is how many tokens the request's Truncate cut off; 0 when the input fit.
	Truncated int `js:"truncated,omitempty"`
}

// ForwardRequest runs the model on one input: either Text (and Pair, when not empty), which the model's
// tokenizer encodes, or IDs (and TypeIDs, optional) given directly.
type ForwardRequest struct {
	Text string `js:"text"`
	Pair string `js:"pair"`
	// Truncate cuts a Text (and Pair) longer than the model's maximum down to it, as
	// TokenizeRequest's does; without it such an input is an error.
	Truncate bool    `js:"truncate"`
	IDs      []int32 `js:"ids"`
	TypeIDs  []int32 `js:"typeIds"`
	// HeadMask is [layers × heads] row-major: 1 keeps a head, 0 silences it, values between scale it.
	// Empty keeps every head.
	HeadMask []float32 `js:"headMask"`
	// HiddenStates asks for every layer's hidden states, which can be large.
	HiddenStates bool `js:"hiddenStates"`
	// TopK is how many tokens per position a language-model head reports (default 5).
	TopK int `js:"topK"`
	// Logits asks a language model for its raw logits [tokens, vocab] as well (GPT-2's are 200 KB a
	// token); without it only TopTokens come back. A classifier's logits always do.
	Logits bool `js:"logits"`
}

// ForwardResult is what the model computed for one input.
type ForwardResult struct {
	Tokens  []string `js:"tokens"`
	IDs     []int32  `js:"ids"`
	TypeIDs []int32  `js:"typeIds"`
	// Truncated is how many tokens the request's Truncate cut off; 0 when the input fit.
	Truncated int `js:"truncated,omitempty"`
	// Logits is the head's output: [labels] for a classification head, [tokens, vocab] for a
	// language-model head when the request asks for them (else empty).
	Logits Tensor `js:"logits"`
	// Classes holds a classification head's labels with their softmax probabilities.
	Classes []ClassScore `js:"classes,omitempty"`
	// TopTokens holds, for each position, a language-model head's most probable tokens.
	TopTokens [][]TokenScore `js:"topTokens,omitempty"`
	// Attentions holds each layer's attention weights, [heads, tokens, tokens] (query, key).
	Attentions []Tensor `js:"attentions"`
	// HiddenStates holds the embeddings' output and each layer's, [tokens, hidden], when asked for.
	HiddenStates []Tensor `js:"hiddenStates,omitempty"`
}

// Tensor is a dense row-major float32 array, {shape, data} in JavaScript: the core's tensor, which the
// command line writes as the goldens do.
type Tensor = tensor.Tensor

// ClassScore is one class of a classification head.
type ClassScore struct {
	Label       string  `js:"label"`
	Logit       float64 `js:"logit"`
	Probability float64 `js:"probability"`
}

// TokenScore is one candidate token of a language-model head, {token, id, probability}: the type of the
// logit lens's predictions (the lens at the last depth is the head's own).
type TokenScore = lens.Prediction

// CancelRequest stops the request whose id is Target. The cancelled request rejects with an error
// saying it was cancelled.
type CancelRequest struct {
	Target int `js:"target"`
}

// CancelResult says whether Target was running (or waiting) and is now cancelled.
type CancelResult struct {
	Cancelled bool `js:"cancelled"`
}

// Progress reports how far a long operation has come: Done of Total steps of its current Phase. Unit
// is "bytes" for a download (Phase is then the file's name), "" for steps.
type Progress struct {
	Phase string `js:"phase"`
	Done  int    `js:"done"`
	Total int    `js:"total"`
	Unit  string `js:"unit,omitempty"`
}
