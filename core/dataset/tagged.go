package dataset

import (
	"fmt"
	"slices"
	"strings"

	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

// TokenClassificationSequences encodes tagged sentences for a token classifier as the
// token-classification example of transformers (run_ner.py, label_all_tokens false) does: each
// sentence's words joined by spaces, truncated to maxLen tokens, and the first word piece of each word
// labelled with its tag's class id, the index of the tag in classes (the model's labels, id2label);
// every other piece, the special tokens and the words the truncation cut off get -100. It returns one
// unpadded sequence (a batch of one) per sentence. A tag that is not among classes is an error.
func TokenClassificationSequences(tok tokenizer.Tokenizer, sentences []glue.TaggedSentence, classes []string, maxLen int) ([]*model.Batch, error) {
	if err := checkSizes(maxLen, 1); err != nil {
		return nil, err
	}
	ids := make(map[string]int, len(classes))
	for i, c := range classes {
		ids[c] = i
	}
	// The special tokens the tokenizer wraps every text in, which truncation keeps.
	bare, err := tok.Encode("", "", false, tokenizer.Options{})
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	seqs := make([]*model.Batch, len(sentences))
	for i, s := range sentences {
		whole, first, err := AlignWords(tok, s.Words)
		if err != nil {
			return nil, fmt.Errorf("dataset: tagged sentence %d: %w", i, err)
		}
		enc := whole
		if len(whole.IDs) > maxLen {
			if enc, err = tok.Encode(strings.Join(s.Words, " "), "", false, tokenizer.Options{MaxLength: maxLen, Truncate: true}); err != nil {
				return nil, fmt.Errorf("dataset: tagged sentence %d: %w", i, err)
			}
		}
		// Truncation keeps the special tokens and the first pieces: a word is kept when its first piece
		// comes before the special tokens that end the sequence (the first word's first piece follows
		// those that start it).
		kept := len(enc.IDs) - (len(bare.IDs) - first[0])
		seq := Sequence(enc)
		seq.Labels = slices.Repeat([]int{-100}, len(enc.IDs))
		for w, p := range first {
			id, ok := ids[s.Tags[w]]
			if !ok {
				return nil, fmt.Errorf("dataset: tagged sentence %d, word %d %q: tag %q is not one of the model's labels (%s)",
					i, w, s.Words[w], s.Tags[w], strings.Join(classes, ", "))
			}
			if p < kept {
				seq.Labels[p] = id
			}
		}
		seqs[i] = seq
	}
	return seqs, nil
}

// AlignWords encodes words joined by single spaces and returns the encoding with the position of each
// word's first sub-word token. Each word is tokenized on its own (after a space, but for the first, as
// GPT-2 sees it inside the sentence) and its pieces must appear, in order, in the sentence's encoding;
// a word that tokenizes to nothing is an error, since it would have no token of its own.
func AlignWords(tok tokenizer.Tokenizer, words []string) (tokenizer.Encoding, []int, error) {
	if len(words) == 0 {
		return tokenizer.Encoding{}, nil, fmt.Errorf("no words")
	}
	whole, err := tok.Encode(strings.Join(words, " "), "", false, tokenizer.Options{})
	if err != nil {
		return tokenizer.Encoding{}, nil, err
	}
	// The special tokens the tokenizer wraps every text in: [CLS] [SEP] for BERT, nothing for GPT-2.
	bare, err := tok.Encode("", "", false, tokenizer.Options{})
	if err != nil {
		return tokenizer.Encoding{}, nil, err
	}
	var pieces []int
	first := make([]int, len(words))
	for i, w := range words {
		text := w
		if i > 0 {
			text = " " + w
		}
		enc, err := tok.Encode(text, "", false, tokenizer.Options{})
		if err != nil {
			return tokenizer.Encoding{}, nil, fmt.Errorf("word %d %q: %w", i, w, err)
		}
		lead := 0
		for lead < len(bare.IDs) && lead < len(enc.IDs) && enc.IDs[lead] == bare.IDs[lead] {
			lead++
		}
		ids := enc.IDs[lead : len(enc.IDs)-(len(bare.IDs)-lead)]
		if len(ids) == 0 {
			return tokenizer.Encoding{}, nil, fmt.Errorf("word %d %q has no tokens", i, w)
		}
		first[i] = len(pieces)
		pieces = append(pieces, ids...)
	}
	offset := -1
	for o := 0; o+len(pieces) <= len(whole.IDs); o++ {
		if slices.Equal(whole.IDs[o:o+len(pieces)], pieces) {
			offset = o
			break
		}
	}
	if offset < 0 {
		return tokenizer.Encoding{}, nil, fmt.Errorf("the words tokenized one by one do not give the sentence's tokens %q", whole.Tokens)
	}
	for i := range first {
		first[i] += offset
	}
	return whole, first, nil
}
