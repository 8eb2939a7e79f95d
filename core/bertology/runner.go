package bertology

import "bertology/core/model"

// Want says what a Runner must compute for a batch besides the logits.
type Want struct {
	HeadMaskGrad bool // ∂loss/∂head_mask (needs labels)
	Attentions   bool // post-softmax, post-mask attention of every layer
}

// Step is a Runner's answer for one batch.
type Step struct {
	Logits       []float32   // [batch, NumLabels] for classifiers; nil for language models, scored by their loss
	Loss         float32     // mean loss of the batch
	HeadMaskGrad []float32   // [layers*heads], when asked
	Attentions   [][]float32 // per layer [batch, heads, T, T], when asked
}

// Runner evaluates a model on one batch with each head scaled by headMask ([layers*heads] in the original
// head numbering; nil means all ones).
type Runner interface {
	Run(b *model.Batch, headMask []float32, want Want) (*Step, error)
	Shape() (layers, heads int)
}

// ConcurrentRunner is a Runner that may run several batches at once, on different goroutines: it must be
// safe for concurrent use. Concurrency says how many at most.
type ConcurrentRunner interface {
	Runner
	Concurrency() int
}
