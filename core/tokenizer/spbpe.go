package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// spaceSymbol is sentencepiece's "▁", which stands for a space inside pieces.
const spaceSymbol = "\u2581"

// sentencepieceBPE is SentencePieceProcessor for a BPE model with byte fallback, the tokenizer.model of
// Llama and of llama2.c's models: Encode as sentencepiece 0.1.97's EncodeAsPieces, Decode as its
// DecodePieces.
type sentencepieceBPE struct {
	model *spModel
	// pieces are the ids of the pieces BPE joins into (normal, user-defined and unused ones);
	// reserved those of the others (control, unknown, byte), which PieceToId finds first.
	pieces, reserved map[string]int
	userDefined      []string
	unk              int
	bytes            [256]int // the id of each byte's piece <0xXX>
}

// newSentencepieceBPE checks that m is a model this encoder follows exactly and indexes its pieces.
func newSentencepieceBPE(m *spModel) (*sentencepieceBPE, error) {
	fail := func(format string, args ...any) error { return fmt.Errorf("tokenizer.model: "+format, args...) }
	switch {
	case m.modelType != 2:
		return nil, fail("model type %d is not supported: bertology reads sentencepiece BPE models (type 2), as Llama's", m.modelType)
	case !m.byteFallback:
		return nil, fail("a BPE model without byte_fallback is not supported (Llama's has it)")
	case m.whitespaceSuffix:
		return nil, fail("treat_whitespace_as_suffix is not supported")
	case m.charsmap || m.normalizationRules:
		return nil, fail("normalizer %q with a character map is not supported: bertology reads the identity normalizer (Llama's)", m.normalizerName)
	case m.denormalizerPresent:
		return nil, fail("a denormalizer is not supported")
	}
	sp := &sentencepieceBPE{model: m, pieces: map[string]int{}, reserved: map[string]int{}, unk: -1}
	for id, p := range m.pieces {
		table := sp.reserved
		if p.typ == pieceNormal || p.typ == pieceUserDefined || p.typ == pieceUnused {
			table = sp.pieces
		}
		if _, dup := table[p.text]; dup || p.text == "" {
			return nil, fail("piece %d %q is empty or defined twice", id, p.text)
		}
		table[p.text] = id
		switch p.typ {
		case pieceUserDefined:
			sp.userDefined = append(sp.userDefined, p.text)
		case pieceUnknown:
			sp.unk = id
		}
	}
	if sp.unk < 0 {
		return nil, fail("no unknown piece")
	}
	for b := range sp.bytes {
		id, ok := sp.reserved[fmt.Sprintf("<0x%02X>", b)]
		if !ok || m.pieces[id].typ != pieceByte {
			return nil, fail("byte_fallback without the byte piece <0x%02X>", b)
		}
		sp.bytes[b] = id
	}
	return sp, nil
}

// pieceID is PieceToId: the unknown piece's id for a piece the model lacks.
func (sp *sentencepieceBPE) pieceID(text string) int {
	if id, ok := sp.reserved[text]; ok {
		return id
	}
	if id, ok := sp.pieces[text]; ok {
		return id
	}
	return sp.unk
}

// normalize is sentencepiece's Normalizer::Normalize with the identity rule: invalid UTF-8 bytes become
// U+FFFD, spaces are dropped at the ends and runs of them made one (remove_extra_whitespaces), "▁" is put
// first (add_dummy_prefix) and stands for each space (escape_whitespaces). Only the ASCII space counts.
func (sp *sentencepieceBPE) normalize(text string) string {
	m := sp.model
	text = validUTF8(text)
	if m.removeExtraSpaces {
		text = strings.TrimLeft(text, " ")
	}
	if text == "" {
		return ""
	}
	space := " "
	if m.escapeWhitespaces {
		space = spaceSymbol
	}
	var b strings.Builder
	if m.addDummyPrefix {
		b.WriteString(space)
	}
	prevSpace := m.removeExtraSpaces
	for _, r := range text {
		if r == ' ' {
			if !prevSpace {
				b.WriteString(space)
			}
			prevSpace = m.removeExtraSpaces
			continue
		}
		b.WriteRune(r)
		prevSpace = false
	}
	out := b.String()
	if m.removeExtraSpaces {
		for strings.HasSuffix(out, space) {
			out = out[:len(out)-len(space)]
		}
	}
	return out
}

// encode is EncodeAsPieces: the normalized text split into characters (user-defined symbols whole,
// never joined), joined by score, then each symbol that is no piece written as its bytes' pieces.
func (sp *sentencepieceBPE) encode(dst []piece, text string) []piece {
	normalized := sp.normalize(text)
	var symbols []scoredSymbol
	for rest := normalized; rest != ""; {
		n, frozen := sp.prefixMatch(rest)
		symbols = append(symbols, scoredSymbol{text: rest[:n], id: -1, frozen: frozen})
		rest = rest[n:]
	}
	symbols = mergeByScore(symbols, joinedPiece(func(text string) (int, float32, bool) {
		id, ok := sp.pieces[text]
		if !ok {
			return 0, 0, false
		}
		return id, sp.model.pieces[id].score, true
	}))
	for _, s := range symbols {
		dst = sp.resegment(dst, s)
	}
	return dst
}

// prefixMatch returns the length of the symbol rest starts with: the longest user-defined symbol there
// (frozen), else one character.
func (sp *sentencepieceBPE) prefixMatch(rest string) (n int, frozen bool) {
	for _, u := range sp.userDefined {
		if len(u) > n && strings.HasPrefix(rest, u) {
			n = len(u)
		}
	}
	if n > 0 {
		return n, true
	}
	_, n = utf8.DecodeRuneInString(rest)
	return n, false
}

// resegment appends s's pieces: an unused piece is split back into the two it was joined from, and a
// symbol that is no piece (the unknown piece's id) becomes its bytes' pieces.
func (sp *sentencepieceBPE) resegment(dst []piece, s scoredSymbol) []piece {
	id := sp.pieceID(s.text)
	if id >= 0 && sp.model.pieces[id].typ == pieceUnused && s.parts != nil {
		return sp.resegment(sp.resegment(dst, s.parts[0]), s.parts[1])
	}
	if id != sp.unk {
		return append(dst, piece{s.text, id})
	}
	for i := 0; i < len(s.text); i++ {
		id := sp.bytes[s.text[i]]
		dst = append(dst, piece{sp.model.pieces[id].text, id})
	}
	return dst
}

// decode is DecodePieces: control pieces are nothing, the unknown piece its surface (" ⁇ "), runs of
// byte pieces their bytes read as UTF-8 (U+FFFD for each byte that is not part of a character), others
// their text with "▁" read as a space; the leading spaces of the text are dropped (the dummy prefix).
func (sp *sentencepieceBPE) decode(tokens []string) string {
	var text strings.Builder
	var bytes []byte
	flush := func() {
		for len(bytes) > 0 {
			r, n := utf8.DecodeRune(bytes)
			if r == utf8.RuneError && n <= 1 {
				text.WriteString("\uFFFD")
				n = 1
			} else {
				text.Write(bytes[:n])
			}
			bytes = bytes[n:]
		}
	}
	bosSpace, spaceSeen := true, false
	m := sp.model
	for _, tok := range tokens {
		id := sp.pieceID(tok)
		if m.pieces[id].typ == pieceByte {
			c, _ := llama2cByte(tok) // a byte piece is <0xXX>
			bytes = append(bytes, c)
			continue
		}
		flush()
		if spaceSeen || text.Len() > 0 {
			bosSpace = false
		}
		spaceSeen = false
		switch m.pieces[id].typ {
		case pieceControl:
			continue
		case pieceUnknown:
			if tok == m.pieces[id].text {
				text.WriteString(m.unkSurface)
			} else {
				text.WriteString(tok)
			}
			continue
		}
		if bosSpace && (m.addDummyPrefix || m.removeExtraSpaces) {
			var had bool
			tok, had = strings.CutPrefix(tok, spaceSymbol)
			// with remove_extra_whitespaces every leading space goes, not only the first
			spaceSeen = had && !m.removeExtraSpaces
		}
		text.WriteString(strings.ReplaceAll(tok, spaceSymbol, " "))
	}
	flush()
	return text.String()
}
