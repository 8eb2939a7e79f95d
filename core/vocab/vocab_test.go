package vocab

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/tokenizer"
)

var corpus = []string{
	"The film is a charming, funny and touching story.",
	"A charmless, unfunny film; the story never touches anyone.",
	"It's funnier than the trailer suggests -- and more touching, too.",
	"Touching performances, but the film drags.",
	"Résumé of a café owner's life: naïve yet charming!",
}

// TestWordPieceHandComputed follows the merges of a tiny corpus by hand: the words are ab (3 times)
// and abc (once), cut as a ##b and a ##b ##c. The pair (a, ##b) occurs 4 times and becomes "ab";
// then (ab, ##c) occurs once and becomes "abc".
func TestWordPieceHandComputed(t *testing.T) {
	got, err := WordPiece([]string{"ab ab", "AB abc"}, WordPieceOptions{Size: 100, Lowercase: true, MinFrequency: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "##a", "##b", "##c", "ab", "abc"}
	if !slices.Equal(got, want) {
		t.Errorf("vocabulary %q, want %q", got, want)
	}
	// With a minimum frequency of 2 the second merge, seen once, is not made.
	got, err = WordPiece([]string{"ab ab", "AB abc"}, WordPieceOptions{Size: 100, Lowercase: true, MinFrequency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want[:len(want)-1]) {
		t.Errorf("min frequency 2: vocabulary %q, want %q", got, want[:len(want)-1])
	}
}

// TestWordPieceCoversCorpus checks what a trained vocabulary promises BertTokenizer: every word of
// the corpus, and any other word spelt with its characters, is cut into pieces without [UNK]; the size
// limit holds; training again, or on the texts in another order, gives the same vocabulary.
func TestWordPieceCoversCorpus(t *testing.T) {
	for _, size := range []int{70, 80, 120, 1000} {
		opt := WordPieceOptions{Size: size, Lowercase: true, MinFrequency: 1}
		tokens, err := WordPiece(corpus, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(tokens) > size {
			t.Errorf("size %d: %d tokens", size, len(tokens))
		}
		if !slices.Equal(tokens[:len(WordPieceSpecials)], WordPieceSpecials) {
			t.Errorf("size %d: starts %q, want the special tokens", size, tokens[:5])
		}
		reversed := slices.Clone(corpus)
		slices.Reverse(reversed)
		again, err := WordPiece(reversed, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tokens, again) {
			t.Errorf("size %d: training on the reversed corpus gave another vocabulary", size)
		}
		tok := wordPieceTokenizer(t, tokens)
		for _, text := range append(slices.Clone(corpus), "untouching charmed stories", "RESUME: naive cafe") {
			enc, err := tok.Encode(text, "", false, tokenizer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(enc.Tokens, "[UNK]") {
				t.Errorf("size %d: %q encodes as %q", size, text, enc.Tokens)
			}
		}
	}
	// A character the corpus never has is unknown.
	tok := wordPieceTokenizer(t, mustWordPiece(t, corpus, WordPieceOptions{Size: 200, Lowercase: true}))
	if enc, _ := tok.Encode("film zoo", "", false, tokenizer.Options{}); !slices.Equal(enc.Tokens, []string{"[CLS]", "film", "[UNK]", "[SEP]"}) {
		t.Errorf(`"film zoo" encodes as %q, want film then [UNK] ("z" is not in the corpus)`, enc.Tokens)
	}
}

// TestWordPieceLearnsFrequentWords: with room to spare, the corpus's frequent words become pieces of
// their own.
func TestWordPieceLearnsFrequentWords(t *testing.T) {
	tok := wordPieceTokenizer(t, mustWordPiece(t, corpus, WordPieceOptions{Size: 1000, Lowercase: true, MinFrequency: 2}))
	for _, w := range []string{"film", "the", "touching", "charming", "story"} {
		if _, ok := tok.TokenID(w); !ok {
			t.Errorf("%q (frequent) is not a token", w)
		}
	}
	if _, ok := tok.TokenID("drags"); ok {
		t.Errorf(`"drags" (seen once) became a token despite MinFrequency 2`)
	}
}

func TestWordPieceErrors(t *testing.T) {
	if _, err := WordPiece(corpus, WordPieceOptions{Size: 20, Lowercase: true}); err == nil || !strings.Contains(err.Error(), "leaves no room") {
		t.Errorf("size 20: error %v, want one saying the alphabet does not fit", err)
	}
	tokens, err := WordPiece(corpus, WordPieceOptions{Size: 30, Lowercase: true, MaxAlphabet: 10})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tokens); n != 30 {
		t.Errorf("alphabet of 10 in 30 tokens: got %d tokens", n)
	}
	if slices.Contains(tokens, "z") || !slices.Contains(tokens, "e") || !slices.Contains(tokens, "##e") {
		t.Errorf("alphabet of 10 should keep the frequent e and drop the absent z: %q", tokens)
	}
	var buf bytes.Buffer
	if err := WriteVocabTxt(&buf, []string{"[PAD]", "a\nb"}); err == nil {
		t.Errorf("WriteVocabTxt accepted a token with a newline")
	}
}

// TestWordPieceSST2 trains on the SST-2 dev sentences and checks that none of them has an unknown
// piece, and that a larger vocabulary cuts them into fewer pieces.
func TestWordPieceSST2(t *testing.T) {
	f, err := os.Open(golden.SharedPath(t, "data", "glue", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	task, _ := glue.LookupTask("sst-2")
	examples, err := glue.ReadTSV(f, task, "dev")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ex := range examples {
		texts = append(texts, ex.TextA)
	}
	var pieces []int
	for _, size := range []int{500, 2000} {
		tokens := mustWordPiece(t, texts, WordPieceOptions{Size: size, Lowercase: true, MinFrequency: 2})
		if len(tokens) != size {
			t.Errorf("%d tokens, want %d", len(tokens), size)
		}
		tok := wordPieceTokenizer(t, tokens)
		n := 0
		for _, text := range texts {
			enc, err := tok.Encode(text, "", false, tokenizer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(enc.Tokens, "[UNK]") {
				t.Errorf("size %d: %q encodes as %q", size, text, enc.Tokens)
			}
			n += len(enc.Tokens)
		}
		pieces = append(pieces, n)
	}
	if pieces[1] >= pieces[0] {
		t.Errorf("%d pieces with 2,000 tokens, %d with 500: the larger vocabulary should need fewer", pieces[1], pieces[0])
	}
}

func TestByteLevelBPEHandComputed(t *testing.T) {
	// GPT-2's pre-tokenizer cuts "aab aab aa" into aab, Ġaab, Ġaa. Pairs: (a,a) 3, (a,b) 2, (Ġ,a) 2.
	// First merge aa; then (aa,b) 2, (Ġ,aa) 2: ties go to the pair that sorts first, (aa, b).
	bpe, err := ByteLevelBPE([]string{"aab aab aa"}, BPEOptions{Size: 256 + 3, MinFrequency: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"a", "a"}, {"aa", "b"}}
	if !slices.Equal(bpe.Merges, want) {
		t.Errorf("merges %q, want %q", bpe.Merges, want)
	}
	if got := bpe.Tokens[256:]; !slices.Equal(got, []string{"aa", "aab", EndOfText}) {
		t.Errorf("tokens after the bytes %q", got)
	}
	if got := string(bpe.MergesTxt()); got != "#version: 0.2\na a\naa b\n" {
		t.Errorf("merges.txt %q", got)
	}
}

// TestByteLevelBPERoundTrip: GPT2Tokenizer reads the trained files, encodes the corpus in fewer
// tokens than bytes, never needs the unknown token, and decodes back to the text; the size holds and
// training is deterministic.
func TestByteLevelBPERoundTrip(t *testing.T) {
	const size = 256 + 80
	bpe, err := ByteLevelBPE(corpus, BPEOptions{Size: size, MinFrequency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(bpe.Tokens) != size {
		t.Errorf("%d tokens, want %d", len(bpe.Tokens), size)
	}
	again, _ := ByteLevelBPE(corpus, BPEOptions{Size: size, MinFrequency: 1})
	if !slices.Equal(bpe.Tokens, again.Tokens) || !slices.Equal(bpe.Merges, again.Merges) {
		t.Errorf("training twice gave different vocabularies")
	}
	tok, err := tokenizer.NewGPT2BPE(bytes.NewReader(bpe.VocabJSON()), bytes.NewReader(bpe.MergesTxt()))
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := tok.TokenID(EndOfText); !ok || id != size-1 || tok.PadID() != size-1 {
		t.Errorf("%s has id %d (%v), pad id %d; want %d", EndOfText, id, ok, tok.PadID(), size-1)
	}
	for _, text := range append(slices.Clone(corpus), "Unseen words: zebra 42€") {
		enc, err := tok.Encode(text, "", false, tokenizer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := tok.Decode(enc.IDs); got != text {
			t.Errorf("%q decodes back as %q", text, got)
		}
		if slices.Contains(enc.IDs, size-1) {
			t.Errorf("%q needs the unknown token: %q", text, enc.Tokens)
		}
		if slices.Contains(corpus, text) && len(enc.IDs) >= len(text)*3/4 {
			t.Errorf("%q: %d tokens for %d bytes", text, len(enc.IDs), len(text))
		}
	}
	if _, err := ByteLevelBPE(corpus, BPEOptions{Size: 256}); err == nil {
		t.Errorf("size 256 accepted: no room for %s", EndOfText)
	}
}

func mustWordPiece(t *testing.T, texts []string, opt WordPieceOptions) []string {
	t.Helper()
	tokens, err := WordPiece(texts, opt)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// wordPieceTokenizer reads tokens back through vocab.txt into BertTokenizer.
func wordPieceTokenizer(t *testing.T, tokens []string) tokenizer.Tokenizer {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteVocabTxt(&buf, tokens); err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles("bert", map[string][]byte{"vocab.txt": buf.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
