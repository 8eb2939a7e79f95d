package tokenizer

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Llama2cFiles are the names of llama2.c's tokenizer file (tokenizer.bin, run.c's default; tok512.bin,
// stories260K's), in the order a llama2.c model directory is searched for one.
var Llama2cFiles = []string{"tokenizer.bin", "tok512.bin"}

// llama2.c's tokenizer file (tokenizer.py's export of a sentencepiece model) is an int32
// max_token_length, then for each token a float32 score, an int32 length and the token's bytes, with
// sentencepiece's "▁" written as a space, <s> as "\n<s>\n" and </s> as "\n</s>\n". run.c reads as many
// tokens as the model's vocab_size; the file holds exactly those, so it is read to its end here.

// llama2c ids run.c hard-codes: BOS 1, EOS 2, and the 256 byte tokens from 3.
const (
	llama2cBOS       = 1
	llama2cEOS       = 2
	llama2cFirstByte = 3
)

// llama2cTokenizer encodes as run.c's encode(text, bos=1, eos=0) does and decodes as its decode.
type llama2cTokenizer struct {
	*tokenizer
	scores []float32
	space  int // the id of " ", the dummy prefix
}

// readLlama2cTokenizer reads a llama2.c tokenizer file, name being its name for errors.
func readLlama2cTokenizer(name string, data []byte) (*llama2cTokenizer, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("tokenizer: %s: "+format, append([]any{name}, args...)...)
	}
	if len(data) < 4 {
		return nil, fail("%d bytes, too short for llama2.c's tokenizer", len(data))
	}
	maxLen := int64(int32(binary.LittleEndian.Uint32(data)))
	if maxLen < 1 || maxLen > 1<<16 {
		return nil, fail("max_token_length %d, want 1 to %d", maxLen, 1<<16)
	}
	ids := map[string]int{}
	var tokens []string
	var scores []float32
	for at := 4; at < len(data); {
		if len(tokens) >= maxVocabID {
			return nil, fail("more than %d tokens", maxVocabID)
		}
		if len(data)-at < 8 {
			return nil, fail("token %d: the file ends at byte %d, inside its score and length", len(tokens), len(data))
		}
		score := math.Float32frombits(binary.LittleEndian.Uint32(data[at:]))
		n := int64(int32(binary.LittleEndian.Uint32(data[at+4:])))
		at += 8
		switch {
		case n < 1 || n > maxLen:
			return nil, fail("token %d has length %d, want 1 to max_token_length %d", len(tokens), n, maxLen)
		case n > int64(len(data)-at):
			return nil, fail("token %d of %d bytes: the file ends at byte %d", len(tokens), n, len(data))
		}
		tok := string(data[at : at+int(n)])
		at += int(n)
		if _, dup := ids[tok]; !dup { // run.c's binary search finds one of equal tokens; the first here
			ids[tok] = len(tokens)
		}
		tokens = append(tokens, tok)
		scores = append(scores, score)
	}
	if len(tokens) < llama2cFirstByte+256 {
		return nil, fail("%d tokens, fewer than the 3 special and 256 byte tokens run.c's encode needs", len(tokens))
	}
	space, ok := ids[" "]
	if !ok {
		return nil, fail("no \" \" token, which run.c's encode puts before the text")
	}
	v := &vocabulary{ids: ids, tokens: tokens}
	s := settings{tokens: map[string]string{"unk_token": tokens[0], "bos_token": tokens[llama2cBOS], "eos_token": tokens[llama2cEOS]}}
	t := &llama2cTokenizer{tokenizer: newTokenizer(v, s), scores: scores, space: space}
	// the special tokens are not cut out of the text (run.c encodes "<s>" as characters), and their
	// ids are by place, whatever their text
	t.special = specialSplitter{}
	t.ids = SpecialTokens{UNK: 0, BOS: llama2cBOS, EOS: llama2cEOS, CLS: -1, SEP: -1, PAD: -1, MASK: -1}
	return t, nil
}

// encode is run.c's encode(text, bos=1, eos=0): BOS, the dummy prefix " " when the text is not empty,
// each UTF-8 character's token (its bytes' tokens, byte+3, when the vocabulary lacks it; run.c reads at
// most 4 bytes as one character), then merges by score. The text ends at a NUL byte, as a C string does.
func (t *llama2cTokenizer) encode(text string) []piece {
	if i := strings.IndexByte(text, 0); i >= 0 {
		text = text[:i]
	}
	symbols := []scoredSymbol{{text: t.vocab.tokens[llama2cBOS], id: llama2cBOS}}
	if text != "" {
		symbols = append(symbols, scoredSymbol{text: " ", id: t.space})
	}
	for start := 0; start < len(text); {
		end := start + 1
		for end < len(text) && text[end]&0xC0 == 0x80 && end-start < 4 {
			end++
		}
		if id, ok := t.vocab.ids[text[start:end]]; ok {
			symbols = append(symbols, scoredSymbol{text: text[start:end], id: id})
		} else {
			for i := start; i < end; i++ {
				id := int(text[i]) + llama2cFirstByte
				symbols = append(symbols, scoredSymbol{text: t.vocab.tokens[id], id: id})
			}
		}
		start = end
	}
	// run.c starts its search from a best score of -1e10: a join that scores no higher never happens.
	const floor = float32(-1e10)
	symbols = mergeByScore(symbols, joinedPiece(func(text string) (int, float32, bool) {
		id, ok := t.vocab.ids[text]
		if !ok || t.scores[id] <= floor {
			return 0, 0, false
		}
		return id, t.scores[id], true
	}))
	out := make([]piece, len(symbols))
	for i, s := range symbols {
		out[i] = piece{t.vocab.tokens[s.id], s.id}
	}
	return out
}

// Encode encodes text, and pair after it, each as run.c does (BOS first), then truncates and pads.
func (t *llama2cTokenizer) Encode(text, pair string, hasPair bool, opt Options) (Encoding, error) {
	a := t.encode(text)
	var b []piece
	if hasPair {
		b = t.encode(pair)
	}
	return t.assemble(a, b, hasPair, opt)
}

// Decode joins the tokens as run.c's decode prints them: a token after BOS loses its leading space, and
// a byte token <0xXX> is its byte (a byte that is not part of a UTF-8 character reads as U+FFFD). BOS itself, which run.c never prints (it starts the sequence, or
// ends generation), is nothing.
func (t *llama2cTokenizer) Decode(ids []int) string {
	var b strings.Builder
	prev := -1
	for _, id := range ids {
		tok := t.Token(id)
		if id == llama2cBOS {
			tok = ""
		}
		if prev == llama2cBOS {
			tok = strings.TrimPrefix(tok, " ")
		}
		if c, ok := llama2cByte(tok); ok {
			b.WriteByte(c)
		} else {
			b.WriteString(tok)
		}
		prev = id
	}
	// run.c prints the bytes as they come; a text here is UTF-8, each stray byte U+FFFD
	return validUTF8(b.String())
}

// llama2cByte reads a token as run.c's sscanf(piece, "<0x%02hhX>") does: "<0x" and one or two hex
// digits.
func llama2cByte(tok string) (byte, bool) {
	rest, ok := strings.CutPrefix(tok, "<0x")
	if !ok {
		return 0, false
	}
	var v, n int
	for n < 2 && n < len(rest) {
		c := rest[n]
		switch {
		case '0' <= c && c <= '9':
			v = v*16 + int(c-'0')
		case 'a' <= c && c <= 'f':
			v = v*16 + int(c-'a') + 10
		case 'A' <= c && c <= 'F':
			v = v*16 + int(c-'A') + 10
		default:
			return byte(v), n > 0
		}
		n++
	}
	return byte(v), n > 0
}
