package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/tokenizer"
	"bertology/core/vocab"
)

// TestVocabCommand trains both kinds of vocabulary on plain text and checks that the tokenizers read
// the files back and cover the text.
func TestVocabCommand(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text.txt")
	writeFile(t, text, "The film is touching.\nA touching, funny film.\n\nFunny? Not the film.\n")
	var out bytes.Buffer
	wp := filepath.Join(dir, "wp", "vocab.txt")
	if err := trainVocab(vocabArgs{inputs: []string{text}, kind: "wordpiece", size: 60, minFreq: 1, out: wp}, &out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(wp)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) > 60 || !slices.Equal(lines[:5], vocab.WordPieceSpecials) {
		t.Errorf("vocab.txt has %d lines starting %q", len(lines), lines[:5])
	}
	tok, err := tokenizer.FromFiles("bert", map[string][]byte{"vocab.txt": b})
	if err != nil {
		t.Fatal(err)
	}
	if enc, _ := tok.Encode("funny film, touching", "", false, tokenizer.Options{}); slices.Contains(enc.Tokens, "[UNK]") {
		t.Errorf("encodes as %q", enc.Tokens)
	}

	bpeDir := filepath.Join(dir, "bpe")
	if err := trainVocab(vocabArgs{inputs: []string{text}, kind: "bpe", size: 280, minFreq: 1, out: bpeDir}, &out); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, name := range []string{"vocab.json", "merges.txt"} {
		if files[name], err = os.ReadFile(filepath.Join(bpeDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	gpt, err := tokenizer.FromFiles("gpt2", files)
	if err != nil {
		t.Fatal(err)
	}
	if gpt.VocabSize() != 280 {
		t.Errorf("byte-level vocabulary of %d tokens, want 280", gpt.VocabSize())
	}
	if enc, _ := gpt.Encode("The film", "", false, tokenizer.Options{}); gpt.Decode(enc.IDs) != "The film" || len(enc.IDs) > 3 {
		t.Errorf(`"The film" encodes as %q`, enc.Tokens)
	}
	if err := trainVocab(vocabArgs{inputs: []string{text}, kind: "unigram", size: 100, out: wp}, &out); err == nil {
		t.Errorf("--type unigram accepted")
	}
}
