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

// SentenceFeatures runs the model on the encodings, batchSize at a time, and pools each sequence's hidden
// states at every depth into one vector (probe.SentenceFeatures): one row per encoding. It stops between
// batches when ctx is cancelled; report follows the batches.
func SentenceFeatures(ctx context.Context, m *model.Model, encs []tokenizer.Encoding, batchSize, padID int, pool probe.Pool, report progress.Func) (*Features, error) {
	f := &Features{Layers: make([][]float64, m.Config().NumLayers+1), D: m.Config().HiddenSize}
	err := forEachBatch(ctx, m, encs, batchSize, padID, model.Options{HiddenStates: true}, func(_ int, b *model.Batch, out *model.Output) error {
		for l, h := range out.HiddenStates {
			x, err := probe.SentenceFeatures(h.Data, b.Size, b.SeqLen, f.D, b.AttentionMask, pool)
			if err != nil {
				return fmt.Errorf("analysis: %w", err)
			}
			f.Layers[l] = append(f.Layers[l], x...)
		}
		f.N += b.Size
		return nil
	}, report)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// WordFeatures runs the model on tagged sentences, each encoded from its words joined by spaces (at most
// maxLen tokens), and returns at every depth the hidden vector of each word's first sub-word token: one row
// per word, in the order of the sentences' tags, which it also returns. It stops between batches when
// ctx is cancelled; report follows the batches.
func WordFeatures(ctx context.Context, m *model.Model, tok tokenizer.Tokenizer, sentences []glue.TaggedSentence, maxLen, batchSize int, report progress.Func) (*Features, []string, error) {
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
	f := &Features{Layers: make([][]float64, m.Config().NumLayers+1), D: m.Config().HiddenSize}
	err := forEachBatch(ctx, m, encs, batchSize, tok.PadID(), model.Options{HiddenStates: true}, func(first int, b *model.Batch, out *model.Output) error {
		positions := firsts[first : first+b.Size]
		for l, h := range out.HiddenStates {
			x, err := probe.TokenFeatures(h.Data, b.Size, b.SeqLen, f.D, positions)
			if err != nil {
				return fmt.Errorf("analysis: %w", err)
			}
			f.Layers[l] = append(f.Layers[l], x...)
		}
		for _, p := range positions {
			f.N += len(p)
		}
		return nil
	}, report)
	if err != nil {
		return nil, nil, err
	}
	return f, tags, nil
}
