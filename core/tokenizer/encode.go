package tokenizer

import "fmt"

// layout is where a model's special tokens go around the sequences (build_inputs_with_special_tokens):
// BERT's single text is beforeA a afterA, a pair beforeA a afterA beforeB b afterB.
type layout struct {
	beforeA, afterA, beforeB, afterB []piece
}

// count is num_special_tokens_to_add.
func (l layout) count(hasPair bool) int {
	n := len(l.beforeA) + len(l.afterA)
	if hasPair {
		n += len(l.beforeB) + len(l.afterB)
	}
	return n
}

func (t *tokenizer) Encode(text, pair string, hasPair bool, opt Options) (Encoding, error) {
	a := t.tokenize(text)
	var b []piece
	if hasPair {
		b = t.tokenize(pair)
	}
	return t.assemble(a, b, hasPair, opt)
}

// assemble is prepare_for_model: truncate, add the special tokens, pad.
func (t *tokenizer) assemble(a, b []piece, hasPair bool, opt Options) (Encoding, error) {
	specials := t.layout.count(hasPair)
	truncated := 0
	if n := len(a) + len(b) + specials; opt.MaxLength > 0 && n > opt.MaxLength {
		if !opt.Truncate {
			return Encoding{}, fmt.Errorf("tokenizer: %d tokens, more than the maximum length %d", n, opt.MaxLength)
		}
		var err error
		if a, b, err = truncateLongestFirst(a, b, hasPair, n-opt.MaxLength); err != nil {
			return Encoding{}, fmt.Errorf("tokenizer: cannot truncate to %d tokens with %d special tokens: %w", opt.MaxLength, specials, err)
		}
		truncated = n - opt.MaxLength
	}
	n := len(a) + len(b) + specials
	size := n
	if opt.Pad && opt.MaxLength > n {
		size = opt.MaxLength
	}
	enc := Encoding{Tokens: make([]string, 0, size), IDs: make([]int, 0, size), AttentionMask: make([]int, 0, size), Truncated: truncated}
	if t.typeIDs {
		enc.TypeIDs = make([]int, 0, size)
	}
	add := func(pieces []piece, typeID int) error {
		for _, p := range pieces {
			if p.id < 0 {
				return fmt.Errorf("tokenizer: token %q has no id: the vocabulary lacks it and has no unknown token", p.token)
			}
			enc.Tokens = append(enc.Tokens, p.token)
			enc.IDs = append(enc.IDs, p.id)
			enc.AttentionMask = append(enc.AttentionMask, 1)
			if t.typeIDs {
				enc.TypeIDs = append(enc.TypeIDs, typeID)
			}
		}
		return nil
	}
	for _, part := range []struct {
		pieces []piece
		typeID int
	}{{t.layout.beforeA, 0}, {a, 0}, {t.layout.afterA, 0}} {
		if err := add(part.pieces, part.typeID); err != nil {
			return Encoding{}, err
		}
	}
	if hasPair {
		for _, part := range [][]piece{t.layout.beforeB, b, t.layout.afterB} {
			if err := add(part, 1); err != nil {
				return Encoding{}, err
			}
		}
	}
	if opt.Pad {
		Pad(&enc, size, t.PadID(), t.Token(t.PadID()))
	}
	return enc, nil
}

// truncateLongestFirst removes remove tokens as Hugging Face's truncate_sequences does with
// longest_first: a single text loses its last tokens but must keep one; a pair loses one token at a
// time from the end of the longer sequence, of the second when they are as long.
func truncateLongestFirst(a, b []piece, hasPair bool, remove int) ([]piece, []piece, error) {
	if !hasPair {
		if len(a) <= remove {
			return nil, nil, fmt.Errorf("the text has %d tokens and %d must go", len(a), remove)
		}
		return a[:len(a)-remove], b, nil
	}
	for ; remove > 0 && len(a)+len(b) > 0; remove-- {
		if len(a) > len(b) {
			a = a[:len(a)-1]
		} else {
			b = b[:len(b)-1]
		}
	}
	if remove > 0 {
		return nil, nil, fmt.Errorf("%d more tokens must go than the pair has", remove)
	}
	return a, b, nil
}

// Pad pads enc on the right to length tokens with padToken, whose id is padID: attention mask 0,
// token type 0.
func Pad(enc *Encoding, length, padID int, padToken string) {
	for len(enc.IDs) < length {
		enc.Tokens = append(enc.Tokens, padToken)
		enc.IDs = append(enc.IDs, padID)
		enc.AttentionMask = append(enc.AttentionMask, 0)
		if enc.TypeIDs != nil {
			enc.TypeIDs = append(enc.TypeIDs, 0)
		}
	}
}
