package tokenizer

import (
	"os"
	"slices"
	"testing"

	"bertology/core/golden"
)

// The real bert-base-uncased and GPT-2 vocabularies and their tokenizations of GLUE text live in
// ../shared/golden/tokenizers-real (third-party data, never copied into the repository); these tests
// skip when it is absent.

// realCase is one case of a tokenizers-real golden file.
type realCase struct {
	Text         string
	TextPair     *string `json:"text_pair"`
	Tokens       []string
	IDs          []int
	TokenTypeIDs []int `json:"token_type_ids"`
}

func realCases(t testing.TB, name string) []realCase {
	t.Helper()
	var g struct {
		Meta struct {
			NumCases int `json:"num_cases"`
		}
		Cases []realCase
	}
	golden.Decode(t, golden.SharedPath(t, "golden", "tokenizers-real", name), &g)
	if len(g.Cases) == 0 || len(g.Cases) != g.Meta.NumCases {
		t.Fatalf("%s: %d cases, meta says %d", name, len(g.Cases), g.Meta.NumCases)
	}
	return g.Cases
}

func realBERT(t testing.TB) Tokenizer {
	t.Helper()
	f, err := os.Open(golden.SharedPath(t, "golden", "tokenizers-real", "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := NewWordPiece(f, true)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func realGPT2(t testing.TB) Tokenizer {
	t.Helper()
	vocab, err := os.Open(golden.SharedPath(t, "golden", "tokenizers-real", "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer vocab.Close()
	merges, err := os.Open(golden.SharedPath(t, "golden", "tokenizers-real", "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer merges.Close()
	tok, err := NewGPT2BPE(vocab, merges)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestRealVocabularies(t *testing.T) {
	for _, tc := range []struct {
		file string
		tok  func(testing.TB) Tokenizer
	}{
		{"bert_sst2_dev.json", realBERT},
		{"bert_mrpc_dev_pairs.json", realBERT},
		{"gpt2_sst2_dev.json", realGPT2},
		{"gpt2_mrpc_dev.json", realGPT2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cases := realCases(t, tc.file)
			tok := tc.tok(t)
			failed := 0
			for i, c := range cases {
				pair, hasPair := "", c.TextPair != nil
				if hasPair {
					pair = *c.TextPair
				}
				enc, err := tok.Encode(c.Text, pair, hasPair, Options{})
				if err != nil {
					t.Fatalf("case %d %q: %v", i, c.Text, err)
				}
				wantTypes := c.TokenTypeIDs
				if wantTypes == nil && enc.TypeIDs != nil {
					wantTypes = make([]int, len(c.IDs)) // single sentences: all 0, not stored
				}
				if !slices.Equal(enc.IDs, c.IDs) || !slices.Equal(enc.Tokens, c.Tokens) || !slices.Equal(enc.TypeIDs, wantTypes) {
					if failed++; failed <= 5 {
						t.Errorf("case %d %q / %q:\n got %q %v %v\nwant %q %v %v", i, c.Text, pair,
							enc.Tokens, enc.IDs, enc.TypeIDs, c.Tokens, c.IDs, wantTypes)
					}
				}
			}
			if failed > 0 {
				t.Errorf("%d of %d cases differ", failed, len(cases))
			}
		})
	}
}

// BenchmarkBERTSST2 tokenizes the 872 SST-2 dev sentences with the real bert-base-uncased vocabulary;
// ns/op is for all of them.
func BenchmarkBERTSST2(b *testing.B) {
	benchmarkReal(b, realBERT, "bert_sst2_dev.json")
}

// BenchmarkGPT2SST2 does the same with GPT-2's byte-level BPE, the word cache cleared every time.
func BenchmarkGPT2SST2(b *testing.B) {
	benchmarkReal(b, realGPT2, "gpt2_sst2_dev.json")
}

func benchmarkReal(b *testing.B, load func(testing.TB) Tokenizer, file string) {
	cases := realCases(b, file)
	tok := load(b)
	b.ResetTimer()
	for b.Loop() {
		if m, ok := tok.(*tokenizer).model.(*gpt2BPE); ok {
			m.cache.reset()
		}
		for _, c := range cases {
			if _, err := tok.Encode(c.Text, "", false, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cases))/1e3, "µs/sentence")
}
