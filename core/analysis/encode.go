package analysis

import (
	"fmt"
	"slices"

	"bertology/core/dataset"
	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

// EncodeExamples encodes GLUE examples as pairs when the task has two texts, truncated longest-first to
// maxLen tokens and not padded.
func EncodeExamples(tok tokenizer.Tokenizer, task *glue.Task, examples []glue.Example, maxLen int) ([]tokenizer.Encoding, error) {
	if maxLen < 1 {
		return nil, fmt.Errorf("analysis: maximum length %d, want at least 1", maxLen)
	}
	encs := make([]tokenizer.Encoding, len(examples))
	for i, ex := range examples {
		enc, err := tok.Encode(ex.TextA, ex.TextB, task.Pair, tokenizer.Options{MaxLength: maxLen, Truncate: true})
		if err != nil {
			return nil, fmt.Errorf("analysis: example %d (%s): %w", i, ex.GUID, err)
		}
		if len(enc.IDs) == 0 {
			return nil, fmt.Errorf("analysis: example %d (%s) has no tokens", i, ex.GUID)
		}
		encs[i] = enc
	}
	return encs, nil
}

// Batch packs encodings, unpadded, into one batch for m, right-padded with padID to the longest of them
// (model.Collate: the model decides whether token types are kept).
func Batch(m *model.Model, encs []tokenizer.Encoding, padID int) *model.Batch {
	seqs := make([]*model.Batch, len(encs))
	for i, e := range encs {
		seqs[i] = dataset.Sequence(e)
	}
	return m.Collate(seqs, 0, padID)
}

// TokenStrings returns what each token reads as: the token decoded on its own, so that GPT-2's byte-level
// "Ġ," becomes " ," and OpenAI GPT's "fox</w>" becomes "fox"; WordPiece tokens ("##ing", "[CLS]") stay as
// they are.
func TokenStrings(tok tokenizer.Tokenizer, ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tok.Decode([]int{id})
	}
	return out
}

// SpecialTokens returns the strings, as TokenStrings gives them, of the tokenizer's special tokens that
// mark structure rather than text: [CLS], [SEP], and the beginning and end of text (GPT-2's <|endoftext|>),
// each once.
func SpecialTokens(tok tokenizer.Tokenizer) []string {
	s := tok.Special()
	var out []string
	for _, id := range []int{s.CLS, s.SEP, s.BOS, s.EOS} {
		if str := tok.Decode([]int{id}); id >= 0 && !slices.Contains(out, str) {
			out = append(out, str)
		}
	}
	return out
}
