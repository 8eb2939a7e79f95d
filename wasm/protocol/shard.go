package protocol

import "bertology/core/attnstats"

// A data-set pass in the browser may run on a pool of shards: Web Workers, each with its own lab and
// a copy of the model, that run the pass's batches while the lab that the page talks to adds up their
// answers in batch order. A shard is asked consecutive batches through its model, several in one
// message when they are short, since a message costs more than a short sentence's pass: runBatch for
// the workflow's passes (importance, evaluation, the masking loop), each batch as the core's
// bertology.ModelRunner runs it, and analyzeBatch for the analyses' (probe features, attention
// statistics), each as analysis.Pass.Run runs it, which answers only what the analysis keeps of the
// batch. The page never sends them; the lab's worker does.
const (
	OpRunBatch     = "runBatch"     // RunBatchRequest → RunBatchResult
	OpAnalyzeBatch = "analyzeBatch" // AnalyzeBatchRequest → AnalyzeBatchResult
)

// RunBatchRequest runs batches, one after the other, under a head mask.
type RunBatchRequest struct {
	Batches []Batch `js:"batches"`
	// HeadMask is [layers × heads] in the original head numbering; empty keeps every head.
	HeadMask []float32 `js:"headMask,omitempty"`
	Want     Want      `js:"want"`
}

// RunBatchResult holds a Step for each batch of the request, in order.
type RunBatchResult struct {
	Steps []Step `js:"steps"`
}

// Batch is a padded batch of sequences, every array [size × seqLen] row-major except Labels of a
// sequence classifier ([size]) and Targets of a regression ([size × labels]). An array left out takes
// the model's default: every token real, token type 0, no labels (so no loss).
type Batch struct {
	Size          int       `js:"size"`
	SeqLen        int       `js:"seqLen"`
	InputIDs      []int32   `js:"inputIds"`
	AttentionMask []int32   `js:"attentionMask,omitempty"`
	TokenTypeIDs  []int32   `js:"tokenTypeIds,omitempty"`
	Labels        []int32   `js:"labels,omitempty"` // -100 ignores a position of a language model
	Targets       []float32 `js:"targets,omitempty"`
}

// Want says what a step computes besides the logits and the loss.
type Want struct {
	HeadMaskGrad bool `js:"headMaskGrad"` // ∂loss/∂headMask (needs labels)
	Attentions   bool `js:"attentions"`   // every layer's attention
}

// Step is one batch's answer.
type Step struct {
	Logits       []float32   `js:"logits"`                 // [size × labels], or [size × seqLen × vocab] for a language model
	Loss         float32     `js:"loss"`                   // the batch's mean loss
	HeadMaskGrad []float32   `js:"headMaskGrad,omitempty"` // [layers × heads], when asked
	Attentions   [][]float32 `js:"attentions,omitempty"`   // per layer [size × heads × seqLen × seqLen], when asked
}

// AnalyzeBatchRequest runs batches, one after the other, for one of the analyses' data-set passes
// (analysis.Pass).
type AnalyzeBatchRequest struct {
	// Keep is what the pass keeps of each batch (analysis.Keep): 0 each sequence's hidden states
	// pooled at every depth, 1 the hidden states at the positions of Words, 2 each sequence's attention
	// statistics, 3 each layer's heads' outputs summed over the batch's positions.
	Keep    int             `js:"keep"`
	Pool    int             `js:"pool"`              // keep 0: how a sequence is pooled (probe.Pool: 0 first, 1 last, 2 mean)
	Special []string        `js:"special,omitempty"` // keep 2: the tokens counted as special
	Batches []AnalysisBatch `js:"batches"`
}

// AnalysisBatch is a batch of an analysis and what the pass needs of each of its sequences besides.
type AnalysisBatch struct {
	Batch  Batch      `js:"batch"`
	Words  [][]int32  `js:"words,omitempty"`  // keep 1: each sequence's positions to keep
	Tokens [][]string `js:"tokens,omitempty"` // keep 2: each sequence's real tokens, as the lab reads them
}

// AnalyzeBatchResult holds what the pass keeps of each batch of the request, in order.
type AnalyzeBatchResult struct {
	Kept []KeptBatch `js:"kept"`
}

// KeptBatch is what a pass keeps of one batch.
type KeptBatch struct {
	// Features holds, per depth, [rows × hidden] features: a row per sequence (keep 0) or per position
	// of Words (keep 1).
	Features [][]float64 `js:"features,omitempty"`
	// Attention holds each sequence's attention statistics before averaging (keep 2).
	Attention []*attnstats.Sums `js:"attention,omitempty"`
	// Heads holds each layer's heads' outputs summed over the batch's positions (keep 3).
	Heads [][]float64 `js:"heads,omitempty"`
}
