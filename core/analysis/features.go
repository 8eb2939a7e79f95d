package analysis

import (
	"context"
	"fmt"

	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/probe"
	"bertology/core/progress"
	"bertology/core/tokenizer"
)

// Features are probe inputs at every depth of a model: Layers[l] is [N, D] row-major, from hidden state l
// (0: the embeddings' output; GPT-2's last after its final LayerNorm, as Hugging Face returns it).
type Features struct {
	Layers [][]float64
	N, D   int
}

// SentenceFeatures runs m on the encodings, batchSize at a time, on r (m itself or copies of it), and
// pools each sequence's hidden states at every depth into one vector (probe.SentenceFeatures): one row
// per encoding. It stops between batches when ctx is cancelled; report follows the batches.
func SentenceFeatures(ctx context.Context, r Runner, m *model.Model, encs []tokenizer.Encoding, batchSize, padID int, pool probe.Pool, report progress.Func) (*Features, error) {
	batches, err := passBatches(m, encs, batchSize, padID)
	if err != nil {
		return nil, err
	}
	f := newFeatures(m)
	err = runPass(ctx, r, Pass{Keep: KeepSentences, Pool: pool}, batches, func(k int, kept *Kept) error {
		return f.add(kept, batches[k].Batch.Size)
	}, report)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// WordFeatures runs m on tagged sentences, each encoded from its words joined by spaces (at most maxLen
// tokens), batchSize at a time, on r (m itself or copies of it), and returns at every depth the hidden
// vector of each word's first sub-word token: one row per word, in the order of the sentences' tags,
// which it also returns. It stops between batches when ctx is cancelled; report follows the batches.
func WordFeatures(ctx context.Context, r Runner, m *model.Model, tok tokenizer.Tokenizer, sentences []glue.TaggedSentence, maxLen, batchSize int, report progress.Func) (*Features, []string, error) {
	encs := make([]tokenizer.Encoding, len(sentences))
	firsts := make([][]int, len(sentences))
	var tags []string
	for i, s := range sentences {
		enc, first, err := dataset.AlignWords(tok, s.Words)
		if err != nil {
			return nil, nil, fmt.Errorf("analysis: tagged sentence %d: %w", i, err)
		}
		if len(enc.IDs) > maxLen {
			return nil, nil, fmt.Errorf("analysis: tagged sentence %d is %d tokens, more than the maximum of %d", i, len(enc.IDs), maxLen)
		}
		encs[i], firsts[i] = enc, first
		tags = append(tags, s.Tags...)
	}
	batches, err := passBatches(m, encs, batchSize, tok.PadID())
	if err != nil {
		return nil, nil, err
	}
	for k := range batches {
		first := k * batchSize
		batches[k].Words = firsts[first : first+batches[k].Batch.Size]
	}
	f := newFeatures(m)
	err = runPass(ctx, r, Pass{Keep: KeepWords}, batches, func(k int, kept *Kept) error {
		rows := 0
		for _, p := range batches[k].Words {
			rows += len(p)
		}
		return f.add(kept, rows)
	}, report)
	if err != nil {
		return nil, nil, err
	}
	return f, tags, nil
}

// newFeatures returns no features of m's depths.
func newFeatures(m *model.Model) *Features {
	return &Features{Layers: make([][]float64, m.Config().NumLayers+1), D: m.Config().HiddenSize}
}

// add appends the rows that a pass kept of a batch, at every depth.
func (f *Features) add(kept *Kept, rows int) error {
	if len(kept.Features) != len(f.Layers) {
		return fmt.Errorf("features of %d depths, want %d", len(kept.Features), len(f.Layers))
	}
	for l, x := range kept.Features {
		if len(x) != rows*f.D {
			return fmt.Errorf("depth %d: %d features, want %d rows of %d", l, len(x), rows, f.D)
		}
		f.Layers[l] = append(f.Layers[l], x...)
	}
	f.N += rows
	return nil
}
