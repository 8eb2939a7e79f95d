package tokenizer

import (
	"fmt"
	"slices"
)

// llamaSentencepiece is the subword model of transformers 4.31's LlamaTokenizer (the slow one, legacy):
// each stretch of text between special tokens is encoded by sentencepiece on its own, dummy prefix and
// all, and tokens join back as convert_tokens_to_string joins them.
type llamaSentencepiece struct {
	sp      *sentencepieceBPE
	special []string // all_special_tokens
}

func (m *llamaSentencepiece) appendTokens(dst []piece, text string) []piece {
	return m.sp.encode(dst, text)
}

// joinTokens is LlamaTokenizer.convert_tokens_to_string: the runs of ordinary tokens decoded by
// sentencepiece, special tokens written as they are, with a space before one that follows an ordinary
// token.
func (m *llamaSentencepiece) joinTokens(tokens []string) string {
	out := ""
	var run []string
	prevSpecial := false
	for i, tok := range tokens {
		if !slices.Contains(m.special, tok) {
			run = append(run, tok)
			prevSpecial = false
			continue
		}
		if !prevSpecial && i != 0 {
			out += " "
		}
		out += m.sp.decode(run) + tok
		prevSpecial, run = true, run[:0]
	}
	return out + m.sp.decode(run)
}

// newLlama returns transformers 4.31's LlamaTokenizer on a tokenizer.model.
func newLlama(model []byte, s settings) (Tokenizer, error) {
	if !s.legacy {
		return nil, fmt.Errorf("tokenizer: LlamaTokenizer with legacy false is not supported (bertology follows transformers 4.31's legacy tokenization)")
	}
	m, err := readSentencepiece(model)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	sp, err := newSentencepieceBPE(m)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	ids := make(map[string]int, len(m.pieces))
	tokens := make([]string, len(m.pieces))
	for id, p := range m.pieces {
		tokens[id] = p.text
		ids[p.text] = sp.pieceID(p.text)
	}
	t := newTokenizer(&vocabulary{ids: ids, tokens: tokens}, s)
	t.model = &llamaSentencepiece{sp: sp, special: t.special.tokens}
	t.layout = llamaLayout(t, s)
	return t, nil
}

// llamaLayout is LlamaTokenizer's build_inputs_with_special_tokens: <s> a </s> <s> b </s>, each <s>
// with add_bos_token and each </s> with add_eos_token.
func llamaLayout(t *tokenizer, s settings) layout {
	var bos, eos []piece
	if s.addBOS {
		bos = []piece{t.specialPiece("bos_token")}
	}
	if s.addEOS {
		eos = []piece{t.specialPiece("eos_token")}
	}
	return layout{beforeA: bos, afterA: eos, beforeB: bos, afterB: eos}
}
