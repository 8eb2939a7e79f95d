package tokenizer

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The tokenizer.json of transformers 4.31's LlamaTokenizerFast (LlamaConverter's): a BPE of ranked
// merges over the whole text with byte fallback, after a normalizer that puts "▁" first and for every
// space; its decoder reads "▁" as a space, byte tokens as their bytes, and drops the first space. It
// keeps every space, where the slow LlamaTokenizer (sentencepiece) drops those at the ends and
// collapses runs of them.

// llamaJSONNormalizer, llamaJSONDecoder are the normalizer and decoder LlamaConverter writes.
const (
	llamaJSONNormalizer = `{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},` +
		`{"type":"Replace","pattern":{"String":" "},"content":"▁"}]}`
	llamaJSONDecoder = `{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},` +
		`{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}`
)

// llamaBPE is the subword model of a Llama tokenizer.json.
type llamaBPE struct {
	vocab  *vocabulary
	merges *bpeMerges
	unk    int
	bytes  [256]int // the ids of <0x00> ... <0xFF>, -1 where the vocabulary lacks one
}

// newLlamaFromJSON returns LlamaTokenizerFast on a tokenizer.json, refusing one whose model, normalizer,
// pre-tokenizer or decoder is not LlamaConverter's.
func newLlamaFromJSON(data []byte, s settings) (Tokenizer, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("tokenizer: tokenizer.json: "+format, args...)
	}
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, fail("%w", err)
	}
	var parts struct {
		Normalizer, PreTokenizer, Decoder json.RawMessage
	}
	if err := json.Unmarshal(data, &struct {
		Normalizer   *json.RawMessage `json:"normalizer"`
		PreTokenizer *json.RawMessage `json:"pre_tokenizer"`
		Decoder      *json.RawMessage `json:"decoder"`
	}{&parts.Normalizer, &parts.PreTokenizer, &parts.Decoder}); err != nil {
		return nil, fail("%w", err)
	}
	m := &tj.Model
	switch {
	case m.Type != "BPE" || !m.ByteFallback:
		return nil, fail("model %q without byte_fallback is not supported: a Llama tokenizer.json is a BPE with byte_fallback", m.Type)
	case m.Dropout != nil:
		return nil, fail("BPE dropout %v is not supported", *m.Dropout)
	case m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "" || m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "":
		return nil, fail("a continuing_subword_prefix or end_of_word_suffix is not supported")
	case m.UnkToken == nil:
		return nil, fail("the BPE model has no unk_token")
	case !sameJSON(parts.Normalizer, llamaJSONNormalizer):
		return nil, fail("normalizer %s is not supported (LlamaTokenizerFast's is %s)", parts.Normalizer, llamaJSONNormalizer)
	case !isNull(parts.PreTokenizer):
		return nil, fail("pre_tokenizer %s is not supported (LlamaTokenizerFast's is null)", parts.PreTokenizer)
	case !sameJSON(parts.Decoder, llamaJSONDecoder):
		return nil, fail("decoder %s is not supported (LlamaTokenizerFast's is %s)", parts.Decoder, llamaJSONDecoder)
	}
	v, merges, err := tj.vocabulary(&s, true)
	if err != nil {
		return nil, err
	}
	unk, ok := v.ids[*m.UnkToken]
	if !ok {
		return nil, fail("the vocabulary lacks the unk_token %q", *m.UnkToken)
	}
	bpe := &llamaBPE{vocab: v, merges: merges, unk: unk}
	for b := range bpe.bytes {
		bpe.bytes[b] = v.id(fmt.Sprintf("<0x%02X>", b))
	}
	t := newTokenizer(v, s)
	t.model = bpe
	t.layout = llamaLayout(t, s)
	return t, nil
}

// sameJSON reports whether raw encodes the same value as want.
func sameJSON(raw json.RawMessage, want string) bool {
	var a, b any
	return json.Unmarshal(raw, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && reflect.DeepEqual(a, b)
}

// appendTokens normalizes text (Prepend "▁" to a text that is not empty, Replace " " by "▁"), splits it
// into characters, a character the vocabulary lacks into its bytes' tokens (into the unknown token when
// one of those is missing too, consecutive unknowns fused), and merges by rank, the leftmost of a rank
// first, as the tokenizers library's BPE does.
func (m *llamaBPE) appendTokens(dst []piece, text string) []piece {
	if text == "" {
		return dst
	}
	normalized := spaceSymbol + strings.ReplaceAll(text, " ", spaceSymbol)
	var symbols []scoredSymbol
	for i, r := range normalized {
		c := normalized[i : i+utf8.RuneLen(r)]
		if id, ok := m.vocab.ids[c]; ok {
			symbols = append(symbols, scoredSymbol{text: c, id: id})
			continue
		}
		var fallback []scoredSymbol
		for j := range len(c) {
			id := m.bytes[c[j]]
			if id < 0 {
				fallback = nil
				break
			}
			fallback = append(fallback, scoredSymbol{text: m.vocab.tokens[id], id: id})
		}
		if fallback == nil {
			if n := len(symbols); n > 0 && symbols[n-1].id == m.unk && symbols[n-1].frozen {
				symbols[n-1].text += c
				continue
			}
			fallback = []scoredSymbol{{text: c, id: m.unk, frozen: true}} // the unknown token joins nothing
		}
		symbols = append(symbols, fallback...)
	}
	symbols = mergeByScore(symbols, func(left, right *scoredSymbol) (int, float32, bool) {
		rank, merged := m.merges.rank(m.merges.newSymbol([]byte(left.text)), m.merges.newSymbol([]byte(right.text)))
		if rank == noMerge {
			return 0, 0, false
		}
		id, ok := m.vocab.ids[m.merges.symbols[merged]]
		// a rank is exact in a float32 up to 2^24 merges
		return id, -float32(rank), ok
	})
	for _, s := range symbols {
		tok := s.text
		if s.id == m.unk {
			tok = m.vocab.tokens[m.unk]
		}
		dst = append(dst, piece{tok, s.id})
	}
	return dst
}

// joinTokens is the decoder: "▁" read as a space, each run of byte tokens as its bytes (one U+FFFD per
// token when they are not UTF-8), all joined, the first space dropped.
func (m *llamaBPE) joinTokens(tokens []string) string {
	var b strings.Builder
	var run []byte
	flush := func() {
		if utf8.Valid(run) {
			b.Write(run)
		} else {
			b.WriteString(strings.Repeat("\uFFFD", len(run)))
		}
		run = run[:0]
	}
	for _, tok := range tokens {
		if len(tok) == 6 && strings.HasPrefix(tok, "<0x") && tok[5] == '>' {
			if c, err := strconv.ParseUint(tok[3:5], 16, 8); err == nil {
				run = append(run, byte(c))
				continue
			}
		}
		flush()
		b.WriteString(strings.ReplaceAll(tok, spaceSymbol, " "))
	}
	flush()
	return strings.TrimPrefix(b.String(), " ")
}
