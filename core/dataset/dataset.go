// Package dataset turns examples into the padded batches a model runs on: GLUE examples for a sequence
// classifier, as run_bertology.py's GlueDataset and DataLoader build them, and plain text for a causal
// or masked language model, so that head importance also works for models without a task head.
package dataset

import (
	"fmt"
	"math/rand/v2"

	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

// Padding says how long the sequences of a batch are made.
type Padding int

const (
	// PadToMaxLength pads every sequence to the maximum length, as run_bertology.py's GlueDataset does.
	PadToMaxLength Padding = iota
	// PadToLongest pads each batch only to its longest sequence. The results are the same (a padded
	// key gets exactly zero attention) and short sentences cost far less.
	PadToLongest
)

// Classification encodes examples (a pair when the task has two texts), truncated longest-first to
// maxLen, and groups them in order into padded batches of batchSize (the last one may be smaller).
// Labels are class ids, or Targets for a regression task.
func Classification(tok tokenizer.Tokenizer, task *glue.Task, examples []glue.Example, maxLen, batchSize int, pad Padding) ([]*model.Batch, error) {
	if err := checkSizes(maxLen, batchSize); err != nil {
		return nil, err
	}
	encs := make([]tokenizer.Encoding, len(examples))
	for i, ex := range examples {
		enc, err := tok.Encode(ex.TextA, ex.TextB, task.Pair, tokenizer.Options{MaxLength: maxLen, Truncate: true})
		if err != nil {
			return nil, fmt.Errorf("example %d (%s): %w", i, ex.GUID, err)
		}
		encs[i] = enc
	}
	var batches []*model.Batch
	for start := 0; start < len(examples); start += batchSize {
		end := min(start+batchSize, len(examples))
		t := maxLen
		if pad == PadToLongest {
			t = 0
			for _, e := range encs[start:end] {
				t = max(t, len(e.IDs))
			}
		}
		b := pack(encs[start:end], t, tok)
		for _, ex := range examples[start:end] {
			if task.Regression() {
				b.Targets = append(b.Targets, ex.Target)
			} else {
				b.Labels = append(b.Labels, ex.Label)
			}
		}
		batches = append(batches, b)
	}
	return batches, nil
}

// LanguageModel encodes each text as the tokenizer does by default (GPT-2 and OpenAI GPT add no special
// tokens, BERT wraps each text in [CLS] … [SEP]), cuts it into pieces of at most maxLen tokens
// (nothing is dropped), and batches the pieces in order, padded to the longest of each batch. Labels
// are the input ids with -100 on padding; the model shifts them itself for a causal language model.
func LanguageModel(tok tokenizer.Tokenizer, texts []string, maxLen, batchSize int) ([]*model.Batch, error) {
	if err := checkSizes(maxLen, batchSize); err != nil {
		return nil, err
	}
	var pieces [][]int
	for i, text := range texts {
		enc, err := tok.Encode(text, "", false, tokenizer.Options{})
		if err != nil {
			return nil, fmt.Errorf("text %d: %w", i, err)
		}
		for start := 0; start < len(enc.IDs); start += maxLen {
			pieces = append(pieces, enc.IDs[start:min(start+maxLen, len(enc.IDs))])
		}
	}
	var batches []*model.Batch
	for start := 0; start < len(pieces); start += batchSize {
		group := pieces[start:min(start+batchSize, len(pieces))]
		t := 0
		for _, p := range group {
			t = max(t, len(p))
		}
		b := &model.Batch{Size: len(group), SeqLen: t}
		for _, p := range group {
			for j := 0; j < t; j++ {
				id, m, label := tok.PadID(), 0, -100
				if j < len(p) {
					id, m, label = p[j], 1, p[j]
				}
				b.InputIDs = append(b.InputIDs, id)
				b.AttentionMask = append(b.AttentionMask, m)
				b.Labels = append(b.Labels, label)
			}
		}
		batches = append(batches, b)
	}
	return batches, nil
}

// MaskLanguageModel turns causal-LM batches (from LanguageModel) into masked-LM ones for a BERT
// masked-LM head, deterministically from seed: each real token is chosen with probability rate (at
// least one per sequence); a chosen token becomes [MASK] 80% of the time, a random token 10%, itself
// 10%, as BERT's pre-training does. Labels keep the original id at chosen positions, -100 elsewhere.
// The batches are modified in place.
func MaskLanguageModel(batches []*model.Batch, tok tokenizer.Tokenizer, rate float64, seed uint64) error {
	mask := tok.Special().MASK
	if mask < 0 {
		return fmt.Errorf("dataset: the tokenizer has no [MASK] token, so it cannot feed a masked language model")
	}
	rng := rand.New(rand.NewPCG(seed, 0x6265_7274)) // "bert"
	for _, b := range batches {
		for s := 0; s < b.Size; s++ {
			row := b.InputIDs[s*b.SeqLen : (s+1)*b.SeqLen]
			labels := b.Labels[s*b.SeqLen : (s+1)*b.SeqLen]
			real := 0
			for j := range row {
				if b.AttentionMask[s*b.SeqLen+j] == 1 {
					real++
				}
			}
			chosen := false
			for j := 0; j < real; j++ {
				pick := rng.Float64() < rate || (!chosen && j == real-1)
				if !pick {
					labels[j] = -100
					continue
				}
				chosen = true
				switch r := rng.Float64(); {
				case r < 0.8:
					row[j] = mask
				case r < 0.9:
					row[j] = rng.IntN(tok.VocabSize())
				}
			}
		}
	}
	return nil
}

// pack pads encodings to length t and lays them side by side in one batch.
func pack(encs []tokenizer.Encoding, t int, tok tokenizer.Tokenizer) *model.Batch {
	b := &model.Batch{Size: len(encs), SeqLen: t}
	for _, e := range encs {
		tokenizer.Pad(&e, t, tok.PadID(), tok.Token(tok.PadID()))
		b.InputIDs = append(b.InputIDs, e.IDs...)
		b.AttentionMask = append(b.AttentionMask, e.AttentionMask...)
		if e.TypeIDs != nil {
			b.TokenTypeIDs = append(b.TokenTypeIDs, e.TypeIDs...)
		}
	}
	if len(b.TokenTypeIDs) != len(b.InputIDs) {
		b.TokenTypeIDs = nil
	}
	return b
}

func checkSizes(maxLen, batchSize int) error {
	if maxLen <= 0 || batchSize <= 0 {
		return fmt.Errorf("dataset: max length %d and batch size %d must both be positive", maxLen, batchSize)
	}
	return nil
}
