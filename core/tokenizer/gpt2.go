package tokenizer

import (
	"unicode/utf8"
)

// byteLevel is GPT-2's bytes_to_unicode table: every byte as a printable character, so that BPE works
// on bytes while the vocabulary stays readable text. Printable Latin-1 bytes stand for themselves;
// the others (controls, space, soft hyphen, ...) map to U+0100 onwards in byte order, so " " is "Ġ".
type byteLevel struct {
	char   [256]string
	byteOf map[rune]byte
}

func newByteLevel() *byteLevel {
	bl := &byteLevel{byteOf: make(map[rune]byte, 256)}
	next := rune(256)
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !('!' <= b && b <= '~' || 0xA1 <= b && b <= 0xAC || 0xAE <= b && b <= 0xFF) {
			r = next
			next++
		}
		bl.char[b] = string(r)
		bl.byteOf[r] = byte(b)
	}
	return bl
}

// gpt2BPE is GPT2Tokenizer's model: the pre-tokenizer's pieces, as byte-level characters, joined by BPE.
type gpt2BPE struct {
	*bpeWords
	bytes   *byteLevel
	byteSym [256]symbol // each byte's character as a symbol
}

func newGPT2BPE(vocab *vocabulary, merges *bpeMerges, unk int) *gpt2BPE {
	m := &gpt2BPE{bpeWords: newBPEWords(merges, vocab, unk), bytes: newByteLevel()}
	for b := range m.byteSym {
		m.byteSym[b] = merges.newSymbol([]byte(m.bytes.char[b]))
	}
	return m
}

func (m *gpt2BPE) appendTokens(dst []piece, text string) []piece {
	var word []symbol
	for _, w := range appendGPT2Pretokens(nil, text) {
		if p, ok := m.cache.get(w); ok {
			dst = append(dst, p...)
			continue
		}
		word = word[:0]
		for i := 0; i < len(w); i++ {
			word = append(word, m.byteSym[w[i]])
		}
		dst = append(dst, m.encode(w, word)...)
	}
	return dst
}

// joinTokens is GPT2Tokenizer.convert_tokens_to_string: the byte-level characters back to bytes, read
// as UTF-8 with Python's errors="replace". A character outside the byte table (a made-up vocabulary
// may hold one) stands for its own UTF-8 bytes.
func (m *gpt2BPE) joinTokens(tokens []string) string {
	var b []byte
	for _, t := range tokens {
		for _, r := range t {
			if c, ok := m.bytes.byteOf[r]; ok {
				b = append(b, c)
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return pyDecodeUTF8(b)
}
