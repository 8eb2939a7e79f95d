package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// wordEnd marks the last symbol of a word in OpenAI GPT's vocabulary.
const wordEnd = "</w>"

// openAIBPE is OpenAIGPTTokenizer's model as transformers 4.31 runs it without ftfy and spaCy: BERT's
// BasicTokenizer with lower-casing, then BPE on each word's characters, the last one carrying "</w>".
type openAIBPE struct {
	*bpeWords
	basic basicTokenizer
}

func (m *openAIBPE) appendTokens(dst []piece, text string) []piece {
	var word []symbol
	var buf []byte
	for _, w := range m.basic.appendWords(nil, text) {
		if p, ok := m.cache.get(w); ok {
			dst = append(dst, p...)
			continue
		}
		word = word[:0]
		for i, r := range w {
			buf = utf8.AppendRune(buf[:0], r)
			if i+utf8.RuneLen(r) == len(w) {
				buf = append(buf, wordEnd...)
			}
			word = append(word, m.merges.newSymbol(buf))
		}
		dst = append(dst, m.encode(w, word)...)
	}
	return dst
}

// joinTokens is OpenAIGPTTokenizer.convert_tokens_to_string: concatenated, each "</w>" a space.
func (m *openAIBPE) joinTokens(tokens []string) string {
	return pyStrip(strings.ReplaceAll(strings.Join(tokens, ""), wordEnd, " "))
}
