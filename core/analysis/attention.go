package analysis

import (
	"context"
	"fmt"

	"bertology/core/attnstats"
	"bertology/core/model"
	"bertology/core/progress"
	"bertology/core/rollout"
	"bertology/core/tokenizer"
)

// Attention runs the model on one encoding (unpadded) and returns its attention maps, the input of
// rollout.Rollout and rollout.Flow. A model pruned to different numbers of heads per layer has none that
// the rollout package can hold, and gets an error.
func Attention(m *model.Model, enc tokenizer.Encoding) (*rollout.Attention, error) {
	if len(enc.IDs) == 0 {
		return nil, fmt.Errorf("analysis: no tokens")
	}
	b := Batch(m, []tokenizer.Encoding{enc}, 0)
	out, err := m.Forward(b, model.Options{Attentions: true})
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	a, err := rollout.Crop(out.Attentions, 0, b.AttentionMask)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	return a, nil
}

// AttentionStats runs the model over the encodings, batchSize at a time, and accumulates Clark et al.'s
// statistics of every head over their real tokens (see NewAttentionStats and AddAttentionStats). It stops
// between batches when ctx is cancelled; report follows the batches.
func AttentionStats(ctx context.Context, m *model.Model, tok tokenizer.Tokenizer, encs []tokenizer.Encoding, batchSize int, report progress.Func) (*attnstats.Result, error) {
	acc, err := NewAttentionStats(m, tok)
	if err != nil {
		return nil, err
	}
	if err := AddAttentionStats(ctx, acc, m, tok, encs, batchSize, report); err != nil {
		return nil, err
	}
	return acc.Result(), nil
}

// NewAttentionStats returns an empty accumulator of the statistics of the model's heads, with
// SpecialTokens as the special set.
func NewAttentionStats(m *model.Model, tok tokenizer.Tokenizer) (*attnstats.Accumulator, error) {
	c := m.Config()
	for l := range c.NumLayers {
		if c.HeadsInLayer(l) != c.HeadsInLayer(0) {
			return nil, fmt.Errorf("analysis: attention statistics need the same number of heads in every layer; layer %d has %d, layer 0 %d", l, c.HeadsInLayer(l), c.HeadsInLayer(0))
		}
	}
	return attnstats.New(c.NumLayers, c.HeadsInLayer(0), SpecialTokens(tok)), nil
}

// AddAttentionStats runs the model over the encodings, batchSize at a time, and adds each one's attention
// over its real tokens, read as TokenStrings gives them (so that GPT-2's " ," counts as punctuation), to
// acc. Adding a data set in parts, one call each, gives the same statistics as adding it at once. It
// stops between batches when ctx is cancelled.
func AddAttentionStats(ctx context.Context, acc *attnstats.Accumulator, m *model.Model, tok tokenizer.Tokenizer, encs []tokenizer.Encoding, batchSize int, report progress.Func) error {
	return forEachBatch(ctx, m, encs, batchSize, tok.PadID(), model.Options{Attentions: true}, func(first int, b *model.Batch, out *model.Output) error {
		for s := range b.Size {
			a, err := rollout.Crop(out.Attentions, s, b.AttentionMask[s*b.SeqLen:(s+1)*b.SeqLen])
			if err != nil {
				return fmt.Errorf("analysis: sequence %d: %w", first+s, err)
			}
			if err := acc.Add(TokenStrings(tok, encs[first+s].IDs), a); err != nil {
				return fmt.Errorf("analysis: sequence %d: %w", first+s, err)
			}
		}
		return nil
	}, report)
}
