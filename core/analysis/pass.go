package analysis

import (
	"context"
	"fmt"
	"slices"

	"bertology/core/attnstats"
	"bertology/core/model"
	"bertology/core/parallel"
	"bertology/core/patching"
	"bertology/core/probe"
	"bertology/core/progress"
	"bertology/core/rollout"
	"bertology/core/tensor"
	"bertology/core/tokenizer"
)

// Keep names what a data-set pass keeps of each batch it runs through the model.
type Keep int

const (
	// KeepSentences keeps each sequence's hidden states at every depth, pooled into one vector with
	// Pass.Pool (probe.SentenceFeatures).
	KeepSentences Keep = iota
	// KeepWords keeps, at every depth, the hidden vector at each of PassBatch.Words' positions
	// (probe.TokenFeatures).
	KeepWords
	// KeepAttention keeps each sequence's attention statistics before they are averaged
	// (attnstats.Sums), over its tokens PassBatch.Tokens, with Pass.Special as the special tokens.
	KeepAttention
	// KeepHeads keeps each layer's heads' outputs summed over the batch's positions
	// (patching.HeadSums), for mean ablation's means.
	KeepHeads
)

// Pass says what a data-set pass keeps of each batch. The hidden states and attention maps stay where
// the batch runs (on another worker, in the browser) and only what is kept comes back, which is small.
type Pass struct {
	Keep    Keep
	Pool    probe.Pool // KeepSentences: how a sequence becomes one vector
	Special []string   // KeepAttention: the tokens attnstats counts as special
}

// PassBatch is one batch of a pass: the model's input, and what the pass needs to know of each of its
// sequences besides.
type PassBatch struct {
	Batch  *model.Batch
	Words  [][]int    // KeepWords: each sequence's positions to keep, the first token of each word
	Tokens [][]string // KeepAttention: each sequence's real tokens, as TokenStrings reads them
}

// Kept is what a pass keeps of one batch.
type Kept struct {
	// Features[d] holds depth d's features, [rows, D] row-major: a row for each sequence
	// (KeepSentences) or for each position of Words (KeepWords).
	Features [][]float64
	// Attention holds each sequence's statistics (KeepAttention).
	Attention []*attnstats.Sums
	// Heads holds each layer's heads' outputs summed over the batch's positions (KeepHeads).
	Heads [][]float64
}

// Run runs one batch through m and returns what p keeps of it: what a worker computes for each batch
// it is given, and the lab for each batch it runs itself.
func (p Pass) Run(m *model.Model, b PassBatch) (*Kept, error) {
	switch p.Keep {
	case KeepSentences, KeepWords:
		out, err := m.Forward(b.Batch, model.Options{HiddenStates: true})
		if err != nil {
			return nil, err
		}
		D := m.Config().HiddenSize
		kept := &Kept{Features: make([][]float64, len(out.HiddenStates))}
		for l, h := range out.HiddenStates {
			if p.Keep == KeepSentences {
				kept.Features[l], err = probe.SentenceFeatures(h.Data, b.Batch.Size, b.Batch.SeqLen, D, b.Batch.AttentionMask, p.Pool)
			} else {
				kept.Features[l], err = probe.TokenFeatures(h.Data, b.Batch.Size, b.Batch.SeqLen, D, b.Words)
			}
			if err != nil {
				return nil, err
			}
		}
		return kept, nil
	case KeepAttention:
		layers, heads := attentionShape(m)
		if len(b.Tokens) != b.Batch.Size {
			return nil, fmt.Errorf("tokens of %d sequences for a batch of %d", len(b.Tokens), b.Batch.Size)
		}
		out, err := m.Forward(b.Batch, model.Options{Attentions: true})
		if err != nil {
			return nil, err
		}
		acc := attnstats.New(layers, heads, p.Special)
		kept := &Kept{Attention: make([]*attnstats.Sums, b.Batch.Size)}
		T, mask := b.Batch.SeqLen, b.Batch.AttentionMask
		if mask == nil { // every token real, as the model reads it
			mask = slices.Repeat([]int{1}, b.Batch.Size*T)
		}
		for s := range b.Batch.Size {
			a, err := crop(m, out.Attentions, s, mask[s*T:(s+1)*T])
			if err == nil {
				kept.Attention[s], err = acc.Measure(b.Tokens[s], a)
			}
			if err != nil {
				return nil, fmt.Errorf("sequence %d of the batch: %w", s, err)
			}
		}
		return kept, nil
	case KeepHeads:
		sums, err := patching.HeadSums(m, b.Batch)
		if err != nil {
			return nil, err
		}
		return &Kept{Heads: sums}, nil
	}
	return nil, fmt.Errorf("unknown pass %d", p.Keep)
}

// attentionShape is the model's layers and heads per layer before pruning: the shape of its attention
// statistics, which keep a pruned model's heads by their original numbers.
func attentionShape(m *model.Model) (layers, heads int) {
	c := m.Config()
	return c.NumLayers, c.NumHeads
}

// crop cuts sequence b out of the model's attentions (rollout.Crop) with each layer's heads numbered as
// the model numbers them before pruning.
func crop(m *model.Model, layers []*tensor.Tensor, b int, mask []int) (*rollout.Attention, error) {
	a, err := rollout.Crop(layers, b, mask)
	if err != nil {
		return nil, err
	}
	c := m.Config()
	a.Heads, a.Kept = c.NumHeads, nil
	for l := range c.NumLayers {
		if c.HeadsInLayer(l) != c.NumHeads {
			a.Kept = make([][]int, c.NumLayers)
			for l := range a.Kept {
				a.Kept[l] = m.Heads(l)
			}
			break
		}
	}
	return a, nil
}

// Runner runs a pass's batches through a model: the model itself (ModelRunner), or copies of it on
// other workers (the browser's pool of shards, wasm/lab).
type Runner interface {
	// Keep runs consecutive batches, each as p.Run does, and answers what p kept of each, in order.
	Keep(p Pass, batches []PassBatch) ([]*Kept, error)
	// Concurrency is how many calls of Keep may run at once, on different goroutines.
	Concurrency() int
	// GroupTokens is how many tokens the batches of one call hold at least when there are enough
	// batches to keep every worker busy (parallel.Groups), for a runner whose calls cost more than a
	// short batch; 0 hands it one batch a call.
	GroupTokens() int
}

// ModelRunner runs a pass on the model itself, on up to Workers goroutines (the command line gives it
// one per CPU; a Model may run on several at once).
type ModelRunner struct {
	Model   *model.Model
	Workers int
}

// Keep runs the batches on the model, one after the other, as p.Run does.
func (r ModelRunner) Keep(p Pass, batches []PassBatch) ([]*Kept, error) {
	kept := make([]*Kept, len(batches))
	for i, b := range batches {
		k, err := p.Run(r.Model, b)
		if err != nil {
			return nil, err
		}
		kept[i] = k
	}
	return kept, nil
}

// Concurrency is Workers, at least 1.
func (r ModelRunner) Concurrency() int { return max(1, r.Workers) }

// GroupTokens is 0: a call on the model costs nothing beyond its batch.
func (r ModelRunner) GroupTokens() int { return 0 }

// passBatches packs the encodings, in order, into batches of batchSize for m (Batch).
func passBatches(m *model.Model, encs []tokenizer.Encoding, batchSize, padID int) ([]PassBatch, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("analysis: batch size %d, want at least 1", batchSize)
	}
	if len(encs) == 0 {
		return nil, fmt.Errorf("analysis: no sequences")
	}
	batches := make([]PassBatch, 0, (len(encs)+batchSize-1)/batchSize)
	for first := 0; first < len(encs); first += batchSize {
		batches = append(batches, PassBatch{Batch: Batch(m, encs[first:min(first+batchSize, len(encs))], padID)})
	}
	return batches, nil
}

// runPass runs the batches on r, several at once when r allows, and gives reduce what p kept of each
// in batch order, so that the result is the same wherever they ran; report follows the batches. It
// stops after the batch (or the group of them) during which ctx is cancelled.
func runPass(ctx context.Context, r Runner, p Pass, batches []PassBatch, reduce func(k int, kept *Kept) error, report progress.Func) error {
	firsts := make([]int, len(batches)+1) // the index of each batch's first sequence, then their number
	for k, b := range batches {
		firsts[k+1] = firsts[k] + b.Batch.Size
	}
	workers := r.Concurrency()
	groups := parallel.Groups(len(batches), func(k int) int { return batches[k].Batch.Size * batches[k].Batch.SeqLen }, r.GroupTokens(), workers)
	err := parallel.Ordered(ctx, workers, len(groups)-1, func(g int) ([]*Kept, error) {
		lo, hi := groups[g], groups[g+1]
		kept, err := r.Keep(p, batches[lo:hi])
		if err == nil && len(kept) != hi-lo {
			err = fmt.Errorf("%d answers for %d batches", len(kept), hi-lo)
		}
		if err != nil {
			return nil, fmt.Errorf("analysis: sequences %d..%d: %w", firsts[lo], firsts[hi]-1, err)
		}
		return kept, nil
	}, func(g int, kept []*Kept) error {
		for i, kb := range kept {
			k := groups[g] + i
			if err := reduce(k, kb); err != nil {
				return fmt.Errorf("analysis: sequences %d..%d: %w", firsts[k], firsts[k+1]-1, err)
			}
			report.Send(progress.Report{Done: k + 1, Total: len(batches)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ctx.Err() // a cancel during the last batch stops the pass as during any other
}
