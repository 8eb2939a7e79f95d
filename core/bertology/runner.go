package bertology

import (
	"fmt"

	"bertology/core/model"
	"bertology/core/parallel"
)

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

// GroupRunner is a ConcurrentRunner whose calls are worth making with several batches at once: the
// browser's shards, where each call is a message to another worker and back, which costs more than a
// short sentence's pass. A data-set pass hands it consecutive batches together until they hold
// GroupTokens tokens (while leaving every worker several calls), and reduces their steps in batch order
// as ever, so the results are the same.
type GroupRunner interface {
	ConcurrentRunner
	GroupTokens() int
	// RunGroup runs each batch under headMask, and answers a Step for each, in order.
	RunGroup(batches []*model.Batch, headMask []float32, want Want) ([]*Step, error)
}

// batchGroups splits n batches into the consecutive groups that a pass hands r at once: for a
// GroupRunner, groups of at least its GroupTokens tokens, but no more than 1/(4·workers) of the batches
// each (parallel.Groups); else one batch a group. It returns the first batch of each group, then n.
func batchGroups(r Runner, batches []*model.Batch, workers int) []int {
	least := 0
	if g, ok := r.(GroupRunner); ok {
		least = g.GroupTokens()
	}
	return parallel.Groups(len(batches), func(k int) int { return batches[k].Size * batches[k].SeqLen }, least, workers)
}

// runGroup runs batches[lo:hi] on r, as one group when r is a GroupRunner.
func runGroup(r Runner, batches []*model.Batch, lo, hi int, headMask []float32, want Want) ([]*Step, error) {
	if g, ok := r.(GroupRunner); ok && hi-lo > 1 {
		steps, err := g.RunGroup(batches[lo:hi], headMask, want)
		if err != nil {
			return nil, fmt.Errorf("batches %d to %d: %w", lo, hi-1, err)
		}
		if len(steps) != hi-lo {
			return nil, fmt.Errorf("batches %d to %d: the runner answered %d steps", lo, hi-1, len(steps))
		}
		return steps, nil
	}
	steps := make([]*Step, 0, hi-lo)
	for k := lo; k < hi; k++ {
		step, err := r.Run(batches[k], headMask, want)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", k, err)
		}
		steps = append(steps, step)
	}
	return steps, nil
}
