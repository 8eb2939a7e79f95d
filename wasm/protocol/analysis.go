package protocol

import (
	"bertology/core/attnstats"
	"bertology/core/induction"
	"bertology/core/lens"
	"bertology/core/probe"
	"bertology/core/rollout"
)

// The analyses beyond single attention maps: hidden states, probes, attention statistics, rollout and
// flow, and the logit lens. Probe and attention statistics run over the loaded data set; the others over
// one input.
const (
	OpHiddenStates = "hiddenStates" // HiddenStatesRequest → HiddenStatesResult
	OpProbe        = "probe"        // ProbeRequest → ProbeResult
	OpAttnStats    = "attnStats"    // AttnStatsRequest → AttnStatsResult
	OpRollout      = "rollout"      // RolloutRequest → RolloutResult
	OpLens         = "lens"         // LensRequest → LensResult
	OpInduction    = "induction"    // InductionRequest → InductionResult
)

// HiddenStatesRequest asks how the token vectors of one input relate at every depth of the model.
type HiddenStatesRequest struct {
	Text string `js:"text"`
	Pair string `js:"pair"`
	// Truncate cuts an input longer than the model's maximum down to it, as ForwardRequest's does.
	Truncate bool `js:"truncate"`
}

// HiddenStatesResult describes the hidden states of one input, T tokens.
type HiddenStatesResult struct {
	Tokens []string `js:"tokens"`
	// Layers holds the embeddings' output (depth 0), then each layer's: Layers+1 entries.
	Layers []HiddenLayer `js:"layers"`
}

// HiddenLayer is one depth's hidden states, seen two ways.
type HiddenLayer struct {
	// Cosine [T, T] is the cosine similarity of every pair of token vectors (0 where a vector is zero).
	Cosine Tensor `js:"cosine"`
	// PCA [T, K] holds each token's coordinates on the first K = min(2, T) principal components of the
	// depth's T vectors, and Explained [K] the share of their variance each component explains.
	PCA       Tensor    `js:"pca"`
	Explained []float64 `js:"explained"`
	// Norms [T] are the lengths of the token vectors.
	Norms []float32 `js:"norms"`
}

// ProbeRequest trains a linear probe on every depth's pooled hidden states of the loaded data set's
// examples (a classification task with labels) and reports its accuracy.
type ProbeRequest struct {
	// Pool is how a sequence becomes one vector: "first" ([CLS]), "last" or "mean" of the real tokens;
	// empty means first for BERT and DistilBERT, last for the GPTs.
	Pool string `js:"pool"`
	// Subset, if > 0, keeps the first Subset examples.
	Subset int `js:"subset"`
	// MaxSeqLength truncates longer examples (default 128, at most the model's maximum).
	MaxSeqLength int `js:"maxSeqLength"`
	// HeldOut is the fraction of the examples kept out of training, in (0, 1) (default 0.2).
	HeldOut float64 `js:"heldOut"`
	// Lambda is the L2 weight of the logistic regression (default 1e-3; 0 is allowed).
	Lambda *float64 `js:"lambda"`
	// Seed chooses the held-out examples (default 1).
	Seed int `js:"seed"`
}

// ProbeResult is a probe's accuracy at every depth; the command line writes the same type.
type ProbeResult = probe.Result

// ProbeLayer is the probe of one depth.
type ProbeLayer = probe.LayerResult

// AttnStatsRequest computes Clark et al.'s per-head attention statistics over the loaded data set.
type AttnStatsRequest struct {
	Subset       int `js:"subset"`       // if > 0, the first Subset examples
	MaxSeqLength int `js:"maxSeqLength"` // default 128, at most the model's maximum
	Top          int `js:"top"`          // heads listed per statistic (default 5)
}

// AttnStatsResult holds every statistic of every head, by its key (attnstats.Statistic.Key), and the
// heads where each is highest; the command line writes the same type.
type AttnStatsResult = attnstats.Summary

// HeadScore is one head's value of a statistic.
type HeadScore = attnstats.HeadScore

// RolloutRequest traces where the information of one input's positions comes from (Abnar & Zuidema).
type RolloutRequest struct {
	Text string `js:"text"`
	Pair string `js:"pair"`
	// Truncate cuts an input longer than the model's maximum down to it, as ForwardRequest's does.
	Truncate bool `js:"truncate"`
	// Residual is the weight of the identity mixed into each layer's attention, in [0, 1] (default 0.5).
	Residual *float64 `js:"residual"`
	// Reduce combines a layer's heads: "mean" (default) or "max".
	Reduce string `js:"reduce"`
	// MaxFlowTokens skips attention flow, whose cost grows as tokens⁴ × layers, for longer inputs
	// (default 32).
	MaxFlowTokens int `js:"maxFlowTokens"`
}

// RolloutResult holds T × T maps, rows for output positions and columns for input tokens: each layer's
// attention with its heads combined, the rollout after each layer and the raw attention flow (nil when
// skipped, with the reason in FlowNote); the command line writes the same type.
type RolloutResult = rollout.Result

// LensRequest reads every depth of a language model's residual stream through its own head (the logit
// lens). For a masked language model, MaskPositions (0 is [CLS]) are replaced by [MASK] and predicted.
type LensRequest struct {
	Text string `js:"text"`
	Pair string `js:"pair"`
	// Truncate cuts an input longer than the model's maximum down to it, as ForwardRequest's does.
	Truncate      bool    `js:"truncate"`
	TopK          int     `js:"topK"` // tokens kept per cell (default 5)
	MaskPositions []int32 `js:"maskPositions"`
}

// LensResult is the lens of one input: Layers+1 depths × T positions; the command line writes the same
// type.
type LensResult = lens.Result

// InductionRequest scores every head of a causal language model as an induction head and as a
// previous-token head on repeated random tokens (Olsson et al. 2022; see core/induction).
type InductionRequest struct {
	Length    int `js:"length"`    // random tokens in one repeat (default 50, or as many as the model fits)
	Sequences int `js:"sequences"` // sequences the scores average over (default 10)
	Seed      int `js:"seed"`      // seed of the first sequence (default 1)
}

// InductionResult holds the prefix-matching, copying and previous-token score of every head, as
// [layers, heads] matrices; the command line writes the same type.
type InductionResult = induction.Result
