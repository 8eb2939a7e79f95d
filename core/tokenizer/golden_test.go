package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"bertology/core/golden"
)

// readDir reads the regular files of dir by base name, as checkpoint.LoadDir does.
func readDir(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

// goldenTokenizer loads the made-up vocabulary testdata/golden/tokenizers/<name> for modelType.
func goldenTokenizer(t testing.TB, modelType, name string) Tokenizer {
	t.Helper()
	tok, err := FromFiles(modelType, readDir(t, golden.Path(t, "tokenizers", name)))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func assertInts(t *testing.T, what string, got, want []int) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

func assertStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func encode(t *testing.T, tok Tokenizer, text, pair string, hasPair bool, opt Options) Encoding {
	t.Helper()
	enc, err := tok.Encode(text, pair, hasPair, opt)
	if err != nil {
		t.Fatalf("Encode(%q, %q): %v", text, pair, err)
	}
	return enc
}

func TestWordPieceGolden(t *testing.T) {
	var g struct {
		Special map[string]int
		Single  []struct {
			Text          string
			BasicTokens   []string `json:"basic_tokens"`
			Tokens        []string
			InputIDs      []int `json:"input_ids"`
			TokenTypeIDs  []int `json:"token_type_ids"`
			AttentionMask []int `json:"attention_mask"`
			Decoded       string
		}
		Pairs []struct {
			TextA         string `json:"text_a"`
			TextB         string `json:"text_b"`
			InputIDs      []int  `json:"input_ids"`
			TokenTypeIDs  []int  `json:"token_type_ids"`
			AttentionMask []int  `json:"attention_mask"`
		}
		BatchPadded struct {
			Texts         []string
			InputIDs      [][]int `json:"input_ids"`
			TokenTypeIDs  [][]int `json:"token_type_ids"`
			AttentionMask [][]int `json:"attention_mask"`
		} `json:"batch_padded"`
		Truncated struct {
			Text          string
			InputIDs      []int `json:"input_ids"`
			TokenTypeIDs  []int `json:"token_type_ids"`
			AttentionMask []int `json:"attention_mask"`
		} `json:"truncated_max_length_8"`
	}
	golden.Decode(t, golden.Path(t, "tokenizers", "wordpiece.json"), &g)
	tok := goldenTokenizer(t, "bert", "wordpiece")

	sp := tok.Special()
	for name, want := range map[string]int{"[UNK]": sp.UNK, "[SEP]": sp.SEP, "[PAD]": sp.PAD, "[CLS]": sp.CLS, "[MASK]": sp.MASK} {
		if g.Special[name] != want {
			t.Errorf("Special(): %s has id %d, want %d", name, want, g.Special[name])
		}
	}
	basic := tok.(*tokenizer).model.(*wordPiece).basic
	for _, c := range g.Single {
		t.Run(c.Text, func(t *testing.T) {
			assertStrings(t, "basic tokens", basic.appendWords(nil, c.Text), c.BasicTokens)
			enc := encode(t, tok, c.Text, "", false, Options{})
			assertStrings(t, "tokens", enc.Tokens[1:len(enc.Tokens)-1], c.Tokens)
			assertInts(t, "ids", enc.IDs, c.InputIDs)
			assertInts(t, "token type ids", enc.TypeIDs, c.TokenTypeIDs)
			assertInts(t, "attention mask", enc.AttentionMask, c.AttentionMask)
			if got := tok.Decode(enc.IDs); got != c.Decoded {
				t.Errorf("Decode: %q, want %q", got, c.Decoded)
			}
		})
	}
	for _, c := range g.Pairs {
		enc := encode(t, tok, c.TextA, c.TextB, true, Options{})
		assertInts(t, "pair ids", enc.IDs, c.InputIDs)
		assertInts(t, "pair token type ids", enc.TypeIDs, c.TokenTypeIDs)
		assertInts(t, "pair attention mask", enc.AttentionMask, c.AttentionMask)
	}
	encs, err := encodeBatch(tok, g.BatchPadded.Texts, nil, Options{Pad: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, enc := range encs {
		assertInts(t, "padded ids", enc.IDs, g.BatchPadded.InputIDs[i])
		assertInts(t, "padded token type ids", enc.TypeIDs, g.BatchPadded.TokenTypeIDs[i])
		assertInts(t, "padded attention mask", enc.AttentionMask, g.BatchPadded.AttentionMask[i])
	}
	enc := encode(t, tok, g.Truncated.Text, "", false, Options{MaxLength: 8, Truncate: true})
	assertInts(t, "truncated ids", enc.IDs, g.Truncated.InputIDs)
	assertInts(t, "truncated token type ids", enc.TypeIDs, g.Truncated.TokenTypeIDs)
	assertInts(t, "truncated attention mask", enc.AttentionMask, g.Truncated.AttentionMask)
}

func TestGPT2BPEGolden(t *testing.T) {
	var g struct {
		VocabSize int `json:"vocab_size"`
		Special   map[string]int
		Single    []struct {
			Text      string
			Pretokens []string
			Tokens    []string
			InputIDs  []int `json:"input_ids"`
			Decoded   string
		}
	}
	golden.Decode(t, golden.Path(t, "tokenizers", "gpt2_bpe.json"), &g)
	tok := goldenTokenizer(t, "gpt2", "gpt2_bpe")
	if tok.VocabSize() != g.VocabSize {
		t.Errorf("VocabSize: %d, want %d", tok.VocabSize(), g.VocabSize)
	}
	if sp := tok.Special(); sp.EOS != g.Special["<|endoftext|>"] || sp.BOS != sp.EOS || sp.UNK != sp.EOS {
		t.Errorf("Special(): %+v, want <|endoftext|> = %d as BOS, EOS and UNK", sp, g.Special["<|endoftext|>"])
	}
	for _, c := range g.Single {
		t.Run(c.Text, func(t *testing.T) {
			assertStrings(t, "pretokens", appendGPT2Pretokens(nil, c.Text), c.Pretokens)
			enc := encode(t, tok, c.Text, "", false, Options{})
			assertStrings(t, "tokens", enc.Tokens, c.Tokens)
			assertInts(t, "ids", enc.IDs, c.InputIDs)
			if enc.TypeIDs != nil {
				t.Errorf("token type ids %v, want none", enc.TypeIDs)
			}
			if got := tok.Decode(enc.IDs); got != c.Decoded {
				t.Errorf("Decode: %q, want %q", got, c.Decoded)
			}
		})
	}
}

func TestOpenAIBPEGolden(t *testing.T) {
	var g struct {
		VocabSize int `json:"vocab_size"`
		Single    []struct {
			Text     string
			Tokens   []string
			InputIDs []int `json:"input_ids"`
			Decoded  string
		}
	}
	golden.Decode(t, golden.Path(t, "tokenizers", "openai_bpe.json"), &g)
	tok := goldenTokenizer(t, "openai-gpt", "openai_bpe")
	if tok.VocabSize() != g.VocabSize {
		t.Errorf("VocabSize: %d, want %d", tok.VocabSize(), g.VocabSize)
	}
	for _, c := range g.Single {
		t.Run(c.Text, func(t *testing.T) {
			enc := encode(t, tok, c.Text, "", false, Options{})
			assertStrings(t, "tokens", enc.Tokens, c.Tokens)
			assertInts(t, "ids", enc.IDs, c.InputIDs)
			if got := tok.Decode(enc.IDs); got != c.Decoded {
				t.Errorf("Decode: %q, want %q", got, c.Decoded)
			}
		})
	}
}
