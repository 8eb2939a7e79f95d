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
// rollout.Rollout and rollout.Flow, each layer's heads by their numbers before pruning.
func Attention(m *model.Model, enc tokenizer.Encoding) (*rollout.Attention, error) {
	if len(enc.IDs) == 0 {
		return nil, fmt.Errorf("analysis: no tokens")
	}
	b := Batch(m, []tokenizer.Encoding{enc}, 0)
	out, err := m.Forward(b, model.Options{Attentions: true})
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	a, err := crop(m, out.Attentions, 0, b.AttentionMask)
	if err != nil {
		return nil, fmt.Errorf("analysis: %w", err)
	}
	return a, nil
}

// AttentionStats runs m over the encodings, batchSize at a time, on r (m itself or copies of it), and
// accumulates Clark et al.'s statistics of every head over their real tokens, read as TokenStrings
// gives them (so that GPT-2's " ," counts as punctuation), with SpecialTokens as the special set. Each
// sequence's sums are added in order, so the statistics are the same however the sequences are
// batched and wherever they ran. It stops between batches when ctx is cancelled; report follows the
// batches.
func AttentionStats(ctx context.Context, r Runner, m *model.Model, tok tokenizer.Tokenizer, encs []tokenizer.Encoding, batchSize int, report progress.Func) (*attnstats.Result, error) {
	layers, heads := attentionShape(m)
	batches, err := passBatches(m, encs, batchSize, tok.PadID())
	if err != nil {
		return nil, err
	}
	for k := range batches {
		for _, enc := range encs[k*batchSize : k*batchSize+batches[k].Batch.Size] {
			batches[k].Tokens = append(batches[k].Tokens, TokenStrings(tok, enc.IDs))
		}
	}
	p := Pass{Keep: KeepAttention, Special: SpecialTokens(tok)}
	acc := attnstats.New(layers, heads, p.Special)
	err = runPass(ctx, r, p, batches, func(k int, kept *Kept) error {
		if len(kept.Attention) != batches[k].Batch.Size {
			return fmt.Errorf("statistics of %d sequences, want %d", len(kept.Attention), batches[k].Batch.Size)
		}
		for _, sums := range kept.Attention {
			if err := acc.AddSums(sums); err != nil {
				return err
			}
		}
		return nil
	}, report)
	if err != nil {
		return nil, err
	}
	return acc.Result(), nil
}
