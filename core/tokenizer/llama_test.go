package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"bertology/core/golden"
)

// stories260KCase is one text of testdata/stories260K/tokenization.json, a copy of
// ../shared/golden/stories260K's: its ids by run.c, by sentencepiece and by transformers 4.31's
// LlamaTokenizer.
type stories260KCase struct {
	Kind             string   `json:"kind"`
	Text             string   `json:"text"`
	RunCIDs          []int    `json:"run_c_ids"`
	SentencepieceIDs []int    `json:"sentencepiece_ids"`
	HFIDs            []int    `json:"hf_ids"`
	HFTokens         []string `json:"hf_tokens"`
	HFDecoded        string   `json:"hf_decoded"`
}

func stories260KCases(t *testing.T) []stories260KCase {
	t.Helper()
	var g struct {
		Cases []stories260KCase `json:"cases"`
	}
	golden.Decode(t, filepath.Join("testdata", "stories260K", "tokenization.json"), &g)
	if len(g.Cases) != 205 {
		t.Fatalf("%d cases, want 205", len(g.Cases))
	}
	return g.Cases
}

func stories260KFiles(t testing.TB, names ...string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "stories260K", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// TestLlama2cTokenizer encodes the 205 texts as run.c does, and decodes run.c's ids back to each text.
func TestLlama2cTokenizer(t *testing.T) {
	tok, err := FromFiles("llama", stories260KFiles(t, "tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tok.(*llama2cTokenizer); !ok || tok.VocabSize() != 512 {
		t.Fatalf("tokenizer %T of %d tokens, want llama2.c's of 512", tok, tok.VocabSize())
	}
	for i, c := range stories260KCases(t) {
		enc, err := tok.Encode(c.Text, "", false, Options{})
		if err != nil {
			t.Errorf("case %d (%s) %q: %v", i, c.Kind, c.Text, err)
			continue
		}
		if !slices.Equal(enc.IDs, c.RunCIDs) {
			t.Errorf("case %d (%s) %q:\n got %v\nwant %v", i, c.Kind, c.Text, enc.IDs, c.RunCIDs)
		}
		if got := tok.Decode(c.RunCIDs); got != c.Text {
			t.Errorf("case %d (%s): decoded %q, want %q", i, c.Kind, got, c.Text)
		}
	}
}

// TestLlama2cDecodeGeneration decodes run.c's greedy generations to what run.c printed.
func TestLlama2cDecodeGeneration(t *testing.T) {
	tok, err := FromFiles("llama", stories260KFiles(t, "tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Runs map[string]struct {
			Prompt    string `json:"prompt"`
			Stdout    string `json:"run_c_stdout"`
			PromptIDs []int  `json:"prompt_ids_run_c"`
			IDs       []int  `json:"run_c_ids"`
			HFDecoded string `json:"hf_decoded"`
		} `json:"runs"`
	}
	golden.Decode(t, filepath.Join("testdata", "stories260K", "generation.json"), &g)
	if len(g.Runs) != 2 {
		t.Fatalf("%d runs, want 2", len(g.Runs))
	}
	for name, r := range g.Runs {
		enc, err := tok.Encode(r.Prompt, "", false, Options{})
		if err != nil || !slices.Equal(enc.IDs, r.PromptIDs) {
			t.Errorf("%s: prompt %q encodes to %v (%v), want %v", name, r.Prompt, enc.IDs, err, r.PromptIDs)
		}
		if got := tok.Decode(r.IDs); got+"\n" != r.Stdout && got != r.Stdout {
			t.Errorf("%s: decoded\n%q\nwant\n%q", name, got, r.Stdout)
		}
	}
}

// TestSentencepiece encodes the 205 texts as sentencepiece 0.1.97 does with tok512.model.
func TestSentencepiece(t *testing.T) {
	m, err := readSentencepiece(stories260KFiles(t, "tokenizer.model")["tokenizer.model"])
	if err != nil {
		t.Fatal(err)
	}
	sp, err := newSentencepieceBPE(m)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range stories260KCases(t) {
		ids := []int{1}
		for _, p := range sp.encode(nil, c.Text) {
			ids = append(ids, p.id)
		}
		if !slices.Equal(ids, c.SentencepieceIDs) {
			t.Errorf("case %d (%s) %q:\n got %v\nwant %v", i, c.Kind, c.Text, ids, c.SentencepieceIDs)
		}
	}
}

// TestLlamaTokenizer encodes the 205 texts as transformers 4.31's LlamaTokenizer does from
// stories260K's Hugging Face directory, tokens and ids, and decodes its ids as decode(ids,
// skip_special_tokens=True) does.
func TestLlamaTokenizer(t *testing.T) {
	tok, err := FromFiles("llama", stories260KFiles(t, "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "tok512.bin"))
	if err != nil {
		t.Fatal(err)
	}
	special := tok.Special()
	if special.BOS != 1 || special.EOS != 2 || special.UNK != 0 || special.PAD != -1 || tok.VocabSize() != 512 {
		t.Errorf("special tokens %+v, vocabulary %d", special, tok.VocabSize())
	}
	for i, c := range stories260KCases(t) {
		enc, err := tok.Encode(c.Text, "", false, Options{})
		if err != nil {
			t.Errorf("case %d (%s) %q: %v", i, c.Kind, c.Text, err)
			continue
		}
		if !slices.Equal(enc.IDs, c.HFIDs) || !slices.Equal(enc.Tokens, c.HFTokens) {
			t.Errorf("case %d (%s) %q:\n got %v %q\nwant %v %q", i, c.Kind, c.Text, enc.IDs, enc.Tokens, c.HFIDs, c.HFTokens)
		}
		if enc.TypeIDs != nil {
			t.Errorf("case %d: token type ids %v, LlamaTokenizer returns none", i, enc.TypeIDs)
		}
		plain := slices.DeleteFunc(slices.Clone(c.HFIDs), func(id int) bool { return id <= 2 })
		if got := tok.Decode(plain); got != c.HFDecoded {
			t.Errorf("case %d (%s): decoded %q, want %q", i, c.Kind, got, c.HFDecoded)
		}
	}
}
