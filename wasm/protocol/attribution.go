package protocol

import (
	"bertology/core/patching"
	"bertology/core/saliency"
)

// Why the model decided: token saliency and attention attribution of one logit, and activation
// patching between a clean and a corrupted input.
const (
	OpSaliency = "saliency" // SaliencyRequest → SaliencyResult
	OpPatch    = "patch"    // PatchRequest → PatchResult
	OpAblate   = "ablate"   // AblateRequest → AblateResult
)

// SaliencyRequest explains one logit of one input (see core/saliency): a classifier's class, or a
// language model's next token.
type SaliencyRequest struct {
	Text     string `js:"text"`
	Pair     string `js:"pair"`
	Truncate bool   `js:"truncate"`
	// Method is "grad", "gradxinput", "ig" (default) or "attention".
	Method string `js:"method"`
	// Target is the class or next token's id explained; nil for the predicted one.
	Target *int `js:"target"`
	// Steps of ig and attention (default 64).
	Steps int `js:"steps"`
	// Baseline of ig: "zero" (default) or "pad".
	Baseline string `js:"baseline"`
}

// SaliencyResult is one explanation; the command line writes the same type.
type SaliencyResult = saliency.Result

// PatchRequest patches a clean input's activations into a corrupted one of as many tokens; the metric
// is logit[A] − logit[B]: two classes of a classifier (default 1 and 0), or two next tokens' ids of a
// language model (required, or as text in TokenA and TokenB).
type PatchRequest struct {
	Clean     string `js:"clean"`
	Corrupted string `js:"corrupted"`
	A         *int   `js:"a"`
	B         *int   `js:"b"`
	// TokenA and TokenB are a language model's two next tokens as text, each tokenised by the model
	// into exactly one token; used when A and B are nil.
	TokenA string `js:"tokenA"`
	TokenB string `js:"tokenB"`
}

// PatchResult holds the residual-stream and head maps; the command line writes the same type.
type PatchResult = patching.Result

// AblateRequest ablates each head of one input in turn, to zero or to its mean output over the loaded
// data set's first Subset examples (all when 0); the metric is PatchRequest's.
type AblateRequest struct {
	Text   string `js:"text"`
	Mode   string `js:"mode"` // "zero" (default) or "mean"
	Subset int    `js:"subset"`
	A      *int   `js:"a"`
	B      *int   `js:"b"`
	TokenA string `js:"tokenA"`
	TokenB string `js:"tokenB"`
}

// AblateResult is the metric with each head ablated; the command line writes the same type.
type AblateResult = patching.Ablation

// OpUnknownTokens lists the tokens of a saved result that the loaded model's vocabulary lacks, so that
// the page refuses another model's result: UnknownTokensRequest → UnknownTokens.
const OpUnknownTokens = "unknownTokens"

// UnknownTokensRequest holds tokens as the command line writes them (vocabulary entries) or as the lab
// does (each token decoded).
type UnknownTokensRequest struct {
	Tokens []string `js:"tokens"`
}

// UnknownTokens are the tokens the vocabulary has in neither form.
type UnknownTokens struct {
	Tokens []string `js:"tokens"`
}
