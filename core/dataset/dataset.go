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
// maxLen, and groups them in order into padded batches of batchSize for m (the last one may be smaller).
// Labels are class ids, or Targets for a regression task.
func Classification(m *model.Model, tok tokenizer.Tokenizer, task *glue.Task, examples []glue.Example, maxLen, batchSize int, pad Padding) ([]*model.Batch, error) {
	if err := checkSizes(maxLen, batchSize); err != nil {
		return nil, err
	}
	seqs, err := ClassificationSequences(tok, task, examples, maxLen)
	if err != nil {
		return nil, err
	}
	seqLen := 0
	if pad == PadToMaxLength {
		seqLen = maxLen
	}
	return Batches(m, seqs, batchSize, seqLen, tok.PadID()), nil
}

// ClassificationSequences encodes examples (a pair when the task has two texts), truncated
// longest-first to maxLen, into one unpadded sequence (a batch of one) each, with its class id in
// Labels or, for a regression task, its target in Targets.
func ClassificationSequences(tok tokenizer.Tokenizer, task *glue.Task, examples []glue.Example, maxLen int) ([]*model.Batch, error) {
	if err := checkSizes(maxLen, 1); err != nil {
		return nil, err
	}
	seqs := make([]*model.Batch, len(examples))
	for i, ex := range examples {
		enc, err := tok.Encode(ex.TextA, ex.TextB, task.Pair, tokenizer.Options{MaxLength: maxLen, Truncate: true})
		if err != nil {
			return nil, fmt.Errorf("example %d (%s): %w", i, ex.GUID, err)
		}
		s := Sequence(enc)
		if task.Regression() {
			s.Targets = []float32{ex.Target}
		} else {
			s.Labels = []int{ex.Label}
		}
		seqs[i] = s
	}
	return seqs, nil
}

// LanguageModel encodes each text as the tokenizer does by default (GPT-2 and OpenAI GPT add no special
// tokens, BERT wraps each text in [CLS] … [SEP]), cuts it into pieces of at most maxLen tokens
// (nothing is dropped), and batches the pieces in order for m, padded to the longest of each batch.
// Labels are the input ids with -100 on padding; the model shifts them itself for a causal language
// model.
func LanguageModel(m *model.Model, tok tokenizer.Tokenizer, texts []string, maxLen, batchSize int) ([]*model.Batch, error) {
	if err := checkSizes(maxLen, batchSize); err != nil {
		return nil, err
	}
	seqs, err := LanguageModelSequences(tok, texts, maxLen)
	if err != nil {
		return nil, err
	}
	return Batches(m, seqs, batchSize, 0, tok.PadID()), nil
}

// LanguageModelSequences encodes texts as LanguageModel does and returns the pieces as unpadded
// sequences (batches of one), each labelled with its own ids.
func LanguageModelSequences(tok tokenizer.Tokenizer, texts []string, maxLen int) ([]*model.Batch, error) {
	if err := checkSizes(maxLen, 1); err != nil {
		return nil, err
	}
	var seqs []*model.Batch
	for i, text := range texts {
		enc, err := tok.Encode(text, "", false, tokenizer.Options{})
		if err != nil {
			return nil, fmt.Errorf("text %d: %w", i, err)
		}
		for start := 0; start < len(enc.IDs); start += maxLen {
			ids := enc.IDs[start:min(start+maxLen, len(enc.IDs))]
			seqs = append(seqs, &model.Batch{Size: 1, SeqLen: len(ids), InputIDs: ids, Labels: ids})
		}
	}
	return seqs, nil
}

// Sequence is an encoding, unpadded, as a batch of one: the unit model.Collate stacks.
func Sequence(enc tokenizer.Encoding) *model.Batch {
	return &model.Batch{Size: 1, SeqLen: len(enc.IDs), InputIDs: enc.IDs, TokenTypeIDs: enc.TypeIDs}
}

// Batches groups sequences, in order, into batches of batchSize for m (the last may be smaller), each
// padded with padID to seqLen or, when seqLen is 0, to its longest sequence.
func Batches(m *model.Model, seqs []*model.Batch, batchSize, seqLen, padID int) []*model.Batch {
	var out []*model.Batch
	for start := 0; start < len(seqs); start += batchSize {
		out = append(out, m.Collate(seqs[start:min(start+batchSize, len(seqs))], seqLen, padID))
	}
	return out
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

func checkSizes(maxLen, batchSize int) error {
	if maxLen <= 0 || batchSize <= 0 {
		return fmt.Errorf("dataset: max length %d and batch size %d must both be positive", maxLen, batchSize)
	}
	return nil
}
