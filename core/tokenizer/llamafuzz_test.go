package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLlamaText encodes arbitrary text with stories260K's three tokenizers: llama2.c's (which loses
// nothing of valid UTF-8 before a NUL byte), LlamaTokenizer's (which loses spaces at the ends and in runs) and
// LlamaTokenizerFast's (which loses nothing of valid UTF-8), each decoding back to what it keeps.
func FuzzLlamaText(f *testing.F) {
	files := stories260KFiles(f, "tok512.bin", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")
	run, err := FromFiles("llama", map[string][]byte{"tok512.bin": files["tok512.bin"]})
	if err != nil {
		f.Fatal(err)
	}
	slow, err := FromFiles("llama", files)
	if err != nil {
		f.Fatal(err)
	}
	fastFiles := map[string][]byte{"tokenizer.json": llamaConverted(f, files["tokenizer.model"]), "tokenizer_config.json": files["tokenizer_config.json"]}
	fast, err := FromFiles("llama", fastFiles)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("  Once upon a  time ", "", false, 5, true, false)
	f.Add("Bob<s>Alice </s> <unk>", "x\x00y", true, 9, true, true)
	f.Add("ünïcödé 中文 🙂\xff\xfe", " ", false, 0, false, false)
	f.Fuzz(func(t *testing.T, text, pair string, hasPair bool, maxLength int, truncate, pad bool) {
		opt := fuzzOptions(maxLength, truncate, pad)
		full := checkEncoding(t, run, text, pair, hasPair, opt)
		if !hasPair {
			want, _, _ := strings.Cut(text, "\x00")
			if got := run.Decode(full.IDs); got != validUTF8(want) {
				t.Fatalf("llama2.c: %q decodes back to %q", want, got)
			}
		}
		full = checkEncoding(t, slow, text, pair, hasPair, opt)
		specials := strings.Contains(text, "<s>") || strings.Contains(text, "</s>") || strings.Contains(text, "<unk>")
		if !hasPair && !specials {
			want := strings.Join(strings.FieldsFunc(validUTF8(text), func(r rune) bool { return r == ' ' }), " ")
			if got := slow.Decode(full.IDs[1:]); got != want {
				t.Fatalf("LlamaTokenizer: %q decodes back to %q, want %q", text, got, want)
			}
		}
		full = checkEncoding(t, fast, text, pair, hasPair, opt)
		if !hasPair && !specials {
			if got := fast.Decode(full.IDs[1:]); got != validUTF8(text) {
				t.Fatalf("LlamaTokenizerFast: %q decodes back to %q", text, got)
			}
		}
	})
}

// FuzzSentencepieceModel reads arbitrary bytes as a tokenizer.model: an error, or a model that encodes
// and decodes.
func FuzzSentencepieceModel(f *testing.F) {
	model, err := os.ReadFile(filepath.Join("testdata", "stories260K", "tokenizer.model"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(model)
	f.Add(model[:len(model)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := readSentencepiece(data)
		if err != nil {
			return
		}
		sp, err := newSentencepieceBPE(m)
		if err != nil {
			return
		}
		pieces := sp.encode(nil, " Once upon a time, ünï 中 \xff")
		tokens := make([]string, len(pieces))
		for i, p := range pieces {
			if p.id < 0 || p.id >= len(m.pieces) || m.pieces[p.id].text != p.token {
				t.Fatalf("piece %q has id %d", p.token, p.id)
			}
			tokens[i] = p.token
		}
		sp.decode(tokens)
	})
}

// FuzzLlama2cTokenizerFile reads arbitrary bytes as llama2.c's tokenizer file: an error, or a tokenizer
// that encodes and decodes.
func FuzzLlama2cTokenizerFile(f *testing.F) {
	tok, err := os.ReadFile(filepath.Join("testdata", "stories260K", "tok512.bin"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add(tok[:len(tok)-3])
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := readLlama2cTokenizer("tokenizer.bin", data)
		if err != nil {
			return
		}
		checkEncoding(t, tok, "Once upon a time, ünï 中 \xff", "<s>", true, Options{MaxLength: 8, Truncate: true})
	})
}
