package tokenizer

import (
	"fmt"
	"strings"
	"testing"

	"bertology/core/golden"
)

// TestTruncation follows Hugging Face's longest_first truncation by hand on the golden WordPiece
// vocabulary: "the quick brown fox" is [88 90 91 92] and "jumps over the lazy dog" [93 70 96 88 97 98];
// [CLS] = 2, [SEP] = 3, [PAD] = 0.
func TestTruncation(t *testing.T) {
	tok := goldenTokenizer(t, "bert", "wordpiece")
	const a, b = "the quick brown fox", "jumps over the lazy dog"
	for _, tc := range []struct {
		name        string
		pair        bool
		opt         Options
		ids, types  []int
		errContains string
	}{
		{name: "fits", pair: true, opt: Options{MaxLength: 13},
			ids: []int{2, 88, 90, 91, 92, 3, 93, 70, 96, 88, 97, 98, 3}, types: []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}},
		// 13 tokens, 5 must go: b 6>4, b 5>4, tie 4=4 takes from b, a 4>3, tie 3=3 takes from b.
		{name: "pair longest first", pair: true, opt: Options{MaxLength: 8, Truncate: true},
			ids: []int{2, 88, 90, 91, 3, 93, 70, 3}, types: []int{0, 0, 0, 0, 0, 1, 1, 1}},
		{name: "pair down to the specials", pair: true, opt: Options{MaxLength: 3, Truncate: true},
			ids: []int{2, 3, 3}, types: []int{0, 0, 1}},
		{name: "pair padded", pair: true, opt: Options{MaxLength: 9, Truncate: true, Pad: true},
			ids: []int{2, 88, 90, 91, 3, 93, 70, 96, 3}, types: []int{0, 0, 0, 0, 0, 1, 1, 1, 1}},
		{name: "single padded", opt: Options{MaxLength: 9, Pad: true},
			ids: []int{2, 88, 90, 91, 92, 3, 0, 0, 0}, types: []int{0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{name: "single to one token", opt: Options{MaxLength: 3, Truncate: true},
			ids: []int{2, 88, 3}, types: []int{0, 0, 0}},
		// Hugging Face refuses to truncate a single text to nothing (it logs an error and returns it whole).
		{name: "single to nothing", opt: Options{MaxLength: 2, Truncate: true}, errContains: "cannot truncate"},
		{name: "pair below the specials", pair: true, opt: Options{MaxLength: 2, Truncate: true}, errContains: "cannot truncate"},
		{name: "too long", opt: Options{MaxLength: 4}, errContains: "more than the maximum length 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := tok.Encode(a, b, tc.pair, tc.opt)
			if tc.errContains != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errContains) {
					t.Fatalf("error %v, want one containing %q", err, tc.errContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertInts(t, "ids", enc.IDs, tc.ids)
			assertInts(t, "token types", enc.TypeIDs, tc.types)
			for i, id := range enc.IDs {
				if want := tok.Token(id); enc.Tokens[i] != want {
					t.Errorf("token %d is %q, id %d is %q", i, enc.Tokens[i], id, want)
				}
				want := 1
				if id == tok.PadID() {
					want = 0
				}
				if enc.AttentionMask[i] != want {
					t.Errorf("attention mask %v for ids %v", enc.AttentionMask, enc.IDs)
				}
			}
		})
	}
}

func TestEncodeBatchPairs(t *testing.T) {
	tok := goldenTokenizer(t, "gpt2", "gpt2_bpe")
	encs, err := encodeBatch(tok, []string{"Hello", "xyzzyqqq"}, []string{", World!", ""}, Options{Pad: true})
	if err != nil {
		t.Fatal(err)
	}
	// GPT-2 adds no special tokens: a pair is the two texts' tokens one after the other, and it pads
	// with <|endoftext|> (336).
	assertInts(t, "first", encs[0].IDs, []int{72, 101, 108, 262, 44, 32, 87, 285, 108, 100, 33})
	assertInts(t, "second", encs[1].IDs, []int{120, 121, 122, 122, 121, 113, 113, 113, 336, 336, 336})
	assertInts(t, "second mask", encs[1].AttentionMask, []int{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0})
	if _, err := encodeBatch(tok, []string{"a"}, []string{"b", "c"}, Options{}); err == nil {
		t.Error("EncodeBatch accepted 1 text with 2 pairs")
	}
}

// TestSettings checks tokenizer_config.json keys that change tokenization.
func TestSettings(t *testing.T) {
	wordpiece := readDir(t, golden.Path(t, "tokenizers", "wordpiece"))
	gpt2 := readDir(t, golden.Path(t, "tokenizers", "gpt2_bpe"))
	with := func(files map[string][]byte, config string) map[string][]byte {
		out := map[string][]byte{}
		for k, v := range files {
			out[k] = v
		}
		out["tokenizer_config.json"] = []byte(config)
		delete(out, "special_tokens_map.json")
		return out
	}
	for _, tc := range []struct {
		name, modelType string
		files           map[string][]byte
		text            string
		tokens          []string
	}{
		// strip_accents false keeps é, which the made-up vocabulary lacks: [UNK].
		{"lower without stripping accents", "bert", with(wordpiece, `{"do_lower_case": true, "strip_accents": false}`),
			"Héllo naïve", []string{"[CLS]", "[UNK]", "[UNK]", "[SEP]"}},
		{"no lower case", "bert", with(wordpiece, `{"do_lower_case": false}`),
			"Hello hello", []string{"[CLS]", "[UNK]", "hello", "[SEP]"}},
		{"another special token", "bert", with(wordpiece, `{"mask_token": {"content": "quick", "lstrip": true}}`),
			"the QUICKquick", []string{"[CLS]", "the", "quick", "quick", "[SEP]"}},
		// never_split words stay whole (the text is lower-cased before, as only special tokens are
		// protected from that); "xyzzy" is not in the vocabulary, so it has [UNK]'s id.
		{"never_split", "bert", with(wordpiece, `{"never_split": ["xyzzy"]}`),
			"XYZZY xyzzy", []string{"[CLS]", "xyzzy", "xyzzy", "[SEP]"}},
		{"add_prefix_space", "gpt2", with(gpt2, `{"add_prefix_space": true}`),
			"the", []string{"Ġthe"}},
		{"add_bos_token", "gpt2", with(gpt2, `{"add_bos_token": true}`),
			" the", []string{"<|endoftext|>", "Ġthe"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := FromFiles(tc.modelType, tc.files)
			if err != nil {
				t.Fatal(err)
			}
			assertStrings(t, "tokens", encode(t, tok, tc.text, "", false, Options{}).Tokens, tc.tokens)
		})
	}
}

// encodeBatch encodes texts, paired with pairs when pairs is not nil (then as long as texts). With
// opt.Pad and no opt.MaxLength every encoding is padded to the longest one (Hugging Face's
// padding="longest"), as the
// goldens' padded batch was made. Batches for a model are made by model.Collate.
func encodeBatch(tok Tokenizer, texts, pairs []string, opt Options) ([]Encoding, error) {
	if pairs != nil && len(pairs) != len(texts) {
		return nil, fmt.Errorf("tokenizer: %d texts but %d pairs", len(texts), len(pairs))
	}
	encs := make([]Encoding, len(texts))
	longest := 0
	for i, text := range texts {
		var pair string
		if pairs != nil {
			pair = pairs[i]
		}
		enc, err := tok.Encode(text, pair, pairs != nil, opt)
		if err != nil {
			return nil, fmt.Errorf("text %d: %w", i, err)
		}
		encs[i] = enc
		longest = max(longest, len(enc.IDs))
	}
	if opt.Pad && opt.MaxLength == 0 {
		for i := range encs {
			Pad(&encs[i], longest, tok.PadID(), tok.Token(tok.PadID()))
		}
	}
	return encs, nil
}
