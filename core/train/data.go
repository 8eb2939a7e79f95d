package train

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"bertology/core/model"
)

// Examples splits batches (from core/dataset) into one batch per sequence, its padding cut off: the
// units Train shuffles and regroups into batches padded only to their longest sequence. A sequence's
// length is the number of ones in its attention mask (all of it without a mask); padding is on the
// right, as the tokenizers put it. Labels are split per token when the batch has a label per token (a
// language model), else per sequence.
func Examples(batches []*model.Batch) ([]*model.Batch, error) {
	var out []*model.Batch
	for bi, b := range batches {
		n := b.Size * b.SeqLen
		tokenLabels := len(b.Labels) == n
		if b.Labels != nil && !tokenLabels && len(b.Labels) != b.Size {
			return nil, fmt.Errorf("train: batch %d has %d labels for %d sequences of %d tokens", bi, len(b.Labels), b.Size, b.SeqLen)
		}
		perTarget := 0
		if b.Targets != nil {
			perTarget = len(b.Targets) / b.Size
		}
		for s := 0; s < b.Size; s++ {
			row := func(x []int) []int { return x[s*b.SeqLen : (s+1)*b.SeqLen] }
			t := b.SeqLen
			if b.AttentionMask != nil {
				t = 0
				for _, v := range row(b.AttentionMask) {
					t += v
				}
			}
			if t == 0 {
				return nil, fmt.Errorf("train: batch %d, sequence %d is all padding", bi, s)
			}
			ex := &model.Batch{Size: 1, SeqLen: t, InputIDs: slices.Clone(row(b.InputIDs)[:t])}
			if b.TokenTypeIDs != nil {
				ex.TokenTypeIDs = slices.Clone(row(b.TokenTypeIDs)[:t])
			}
			switch {
			case tokenLabels:
				ex.Labels = slices.Clone(row(b.Labels)[:t])
			case b.Labels != nil:
				ex.Labels = []int{b.Labels[s]}
			}
			if b.Targets != nil {
				ex.Targets = slices.Clone(b.Targets[s*perTarget : (s+1)*perTarget])
			}
			out = append(out, ex)
		}
	}
	return out, nil
}

// Batches groups examples (from Examples), in order, into batches of batchSize (the last may be
// smaller), each padded only to its longest sequence: evaluation batches that waste little work on
// padding. tokenLabels says the labels are per token (a language model), padded with -100.
func Batches(examples []*model.Batch, batchSize, padID int, tokenLabels bool) []*model.Batch {
	var out []*model.Batch
	for start := 0; start < len(examples); start += batchSize {
		out = append(out, collate(examples[start:min(start+batchSize, len(examples))], padID, tokenLabels))
	}
	return out
}

// collate pads examples (from Examples) to the longest of them and stacks them into one batch: padding
// has id padID, attention mask 0, token type 0 and, with tokenLabels, label -100.
func collate(examples []*model.Batch, padID int, tokenLabels bool) *model.Batch {
	t := 0
	for _, ex := range examples {
		t = max(t, ex.SeqLen)
	}
	b := &model.Batch{Size: len(examples), SeqLen: t}
	types := examples[0].TokenTypeIDs != nil
	for _, ex := range examples {
		for j := 0; j < t; j++ {
			id, mask, typ, label := padID, 0, 0, -100
			if j < ex.SeqLen {
				id, mask = ex.InputIDs[j], 1
				if types {
					typ = ex.TokenTypeIDs[j]
				}
				if tokenLabels {
					label = ex.Labels[j]
				}
			}
			b.InputIDs = append(b.InputIDs, id)
			b.AttentionMask = append(b.AttentionMask, mask)
			if types {
				b.TokenTypeIDs = append(b.TokenTypeIDs, typ)
			}
			if tokenLabels {
				b.Labels = append(b.Labels, label)
			}
		}
		if !tokenLabels {
			b.Labels = append(b.Labels, ex.Labels...)
		}
		b.Targets = append(b.Targets, ex.Targets...)
	}
	return b
}

// megabatch is how many batches' worth of examples a length-grouped order sorts at a time, Hugging
// Face's LengthGroupedSampler's megabatch_mult.
const megabatch = 50

// epochOrder returns the order an epoch visits the examples in: a random permutation, and with
// groupByLength each run of megabatch·batchSize of it sorted by length, longest first (Hugging Face's
// group_by_length), so that batches hold sequences of similar lengths and little padding.
func epochOrder(r *rand.Rand, examples []*model.Batch, batchSize int, groupByLength bool) []int {
	order := r.Perm(len(examples))
	if !groupByLength {
		return order
	}
	size := megabatch * batchSize
	for start := 0; start < len(order); start += size {
		part := order[start:min(start+size, len(order))]
		slices.SortStableFunc(part, func(a, b int) int { return examples[b].SeqLen - examples[a].SeqLen })
	}
	return order
}
