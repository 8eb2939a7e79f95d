package protocol

// A data-set pass in the browser may run on a pool of shards: Web Workers, each with its own lab and
// a copy of the model, that run the pass's batches while the lab that the page talks to adds up their
// answers in batch order. runBatch is what a shard is asked: consecutive batches through its model, each
// as the core's bertology.ModelRunner runs it; several go in one message when they are short, since a
// message costs more than a short sentence's pass. The page never sends it; the lab's worker does.
const OpRunBatch = "runBatch" // RunBatchRequest → RunBatchResult

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
