package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets encode arbitrary text with the made-up golden vocabularies and check what must
// hold whatever the text: no panic, no error without a length limit, ids inside the vocabulary that
// match the tokens, the requested length, masks and token types in order, and the pieces spelling
// the text back. Seeds live in testdata/fuzz.

// fuzzOptions turns fuzzed numbers into Options with a small MaxLength (0 to 31).
func fuzzOptions(maxLength int, truncate, pad bool) Options {
	return Options{MaxLength: int(uint(maxLength) % 32), Truncate: truncate, Pad: pad}
}

// checkEncoding checks the invariants every encoding has and returns the unlimited encoding.
func checkEncoding(t *testing.T, tok Tokenizer, text, pair string, hasPair bool, opt Options) Encoding {
	full, err := tok.Encode(text, pair, hasPair, Options{})
	if err != nil {
		t.Fatalf("Encode without a length limit: %v", err)
	}
	enc, err := tok.Encode(text, pair, hasPair, opt)
	if err != nil {
		if opt.MaxLength == 0 || len(full.IDs) <= opt.MaxLength {
			t.Fatalf("Encode(%+v) fails although the text fits: %v", opt, err)
		}
		return full
	}
	n := len(enc.IDs)
	if len(enc.Tokens) != n || len(enc.AttentionMask) != n || enc.TypeIDs != nil && len(enc.TypeIDs) != n {
		t.Fatalf("lengths differ: %d tokens, %d ids, %d types, %d mask", len(enc.Tokens), n, len(enc.TypeIDs), len(enc.AttentionMask))
	}
	if opt.MaxLength > 0 && n > opt.MaxLength || opt.Pad && opt.MaxLength > 0 && n != opt.MaxLength {
		t.Fatalf("%d tokens with %+v", n, opt)
	}
	unk := tok.Special().UNK
	real := 0
	for i, id := range enc.IDs {
		if id < 0 || id >= tok.VocabSize() {
			t.Fatalf("id %d outside the vocabulary of %d", id, tok.VocabSize())
		}
		if got, ok := tok.TokenID(enc.Tokens[i]); (!ok || got != id) && id != unk {
			t.Fatalf("token %q has id %d, vocabulary says %d, %v", enc.Tokens[i], id, got, ok)
		}
		if enc.AttentionMask[i] == 1 {
			if real != i {
				t.Fatalf("attention mask %v: padding before a token", enc.AttentionMask)
			}
			real++
		}
	}
	if real < n && (!opt.Pad || enc.IDs[real] != tok.PadID()) {
		t.Fatalf("padding %v without Pad or with ids other than %d", enc.IDs[real:], tok.PadID())
	}
	if enc.TypeIDs != nil && !slices.IsSorted(enc.TypeIDs[:real]) {
		t.Fatalf("token types %v out of order", enc.TypeIDs)
	}
	if !hasPair && real > 0 && n < len(full.IDs) {
		// a single text loses tokens from its end only
		if body := enc.IDs[:real-1]; !slices.Equal(body, full.IDs[:len(body)]) {
			t.Fatalf("truncated %v is not a prefix of %v", enc.IDs, full.IDs)
		}
	}
	if d := tok.Decode(enc.IDs); !utf8.ValidString(d) {
		t.Fatalf("Decode gives invalid UTF-8 %q", d)
	}
	return full
}

func FuzzWordPiece(f *testing.F) {
	tok := goldenTokenizer(f, "bert", "wordpiece")
	wp := tok.(*tokenizer).model.(*wordPiece)
	f.Add("Hello, World!", "bertology is fun", true, 8, true, true)
	f.Fuzz(func(t *testing.T, text, pair string, hasPair bool, maxLength int, truncate, pad bool) {
		checkEncoding(t, tok, text, pair, hasPair, fuzzOptions(maxLength, truncate, pad))
		// WordPiece cuts a word into pieces that spell it, or replaces it whole by [UNK].
		for _, w := range wp.basic.appendWords(nil, text) {
			var spelled strings.Builder
			for _, p := range wp.appendPieces(nil, w) {
				if p.id == wp.unk.id {
					spelled.Reset()
					spelled.WriteString(w)
					break
				}
				spelled.WriteString(strings.TrimPrefix(p.token, "##"))
			}
			if spelled.String() != w {
				t.Fatalf("pieces of %q spell %q", w, spelled.String())
			}
		}
	})
}

func FuzzGPT2BPE(f *testing.F) {
	tok := goldenTokenizer(f, "gpt2", "gpt2_bpe")
	model := tok.(*tokenizer).model
	f.Add("hello<|endoftext|>world  's", "x", false, 3, true, false)
	f.Fuzz(func(t *testing.T, text, pair string, hasPair bool, maxLength int, truncate, pad bool) {
		full := checkEncoding(t, tok, text, pair, hasPair, fuzzOptions(maxLength, truncate, pad))
		if got := strings.Join(appendGPT2Pretokens(nil, text), ""); got != text {
			t.Fatalf("pre-tokens of %q join to %q", text, got)
		}
		// Byte-level BPE loses nothing: the tokens spell the text (tokenization spaces not cleaned up).
		want := validUTF8(text)
		if hasPair {
			want += validUTF8(pair)
		}
		if got := model.joinTokens(full.Tokens); got != want {
			t.Fatalf("tokens %q spell %q, want %q", full.Tokens, got, want)
		}
	})
}

func FuzzOpenAIBPE(f *testing.F) {
	tok := goldenTokenizer(f, "openai-gpt", "openai_bpe")
	tk := tok.(*tokenizer)
	basic := tk.model.(*openAIBPE).basic
	f.Add("Hello <UNK> naïve 中文!", "", false, 0, false, false)
	f.Fuzz(func(t *testing.T, text, pair string, hasPair bool, maxLength int, truncate, pad bool) {
		full := checkEncoding(t, tok, text, pair, hasPair, fuzzOptions(maxLength, truncate, pad))
		// Without special tokens the pieces spell the basic tokenizer's words, each ended by </w>.
		if hasPair || strings.Contains(tk.special.lowerOutside(validUTF8(text)), "<unk>") {
			return
		}
		var want strings.Builder
		for _, w := range basic.appendWords(nil, pyLower(validUTF8(text))) {
			want.WriteString(w + wordEnd)
		}
		if got := strings.Join(full.Tokens, ""); got != want.String() {
			t.Fatalf("tokens %q spell %q, want %q", full.Tokens, got, want.String())
		}
	})
}
