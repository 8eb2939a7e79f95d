package dataset

import (
	"os"
	"slices"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

// TestClassificationMatchesGlueDataset rebuilds the features run_bertology.py evaluated on the golden
// 12-row SST-2 file (max_seq_length 16) and compares them id for id.
func TestClassificationMatchesGlueDataset(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	task, err := glue.LookupTask("sst-2")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	examples, err := glue.ReadTSV(f, task, "dev")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Features []struct {
			InputIDs      []int `json:"input_ids"`
			AttentionMask []int `json:"attention_mask"`
			TokenTypeIDs  []int `json:"token_type_ids"`
			Label         int   `json:"label"`
		} `json:"features"`
	}
	golden.Decode(t, golden.Path(t, "run_bertology", "features.json"), &want)

	batches, err := Classification(m, tok, task, examples, 16, 5, PadToMaxLength)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 3 || batches[2].Size != 2 {
		t.Fatalf("%d batches, last of %d; want 3 batches of 5, 5, 2", len(batches), batches[len(batches)-1].Size)
	}
	i := 0
	for _, b := range batches {
		for s := 0; s < b.Size; s++ {
			w := want.Features[i]
			for j := 0; j < 16; j++ {
				k := s*16 + j
				if b.InputIDs[k] != w.InputIDs[j] || b.AttentionMask[k] != w.AttentionMask[j] || b.TokenTypeIDs[k] != w.TokenTypeIDs[j] {
					t.Fatalf("example %d position %d: got id %d mask %d type %d, want %d %d %d", i, j,
						b.InputIDs[k], b.AttentionMask[k], b.TokenTypeIDs[k], w.InputIDs[j], w.AttentionMask[j], w.TokenTypeIDs[j])
				}
			}
			if b.Labels[s] != w.Label {
				t.Fatalf("example %d: label %d, want %d", i, b.Labels[s], w.Label)
			}
			i++
		}
	}
	if i != len(want.Features) {
		t.Fatalf("%d examples, want %d", i, len(want.Features))
	}
}

func TestLanguageModel(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "gpt2", "model"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles("gpt2", ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	lm, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"hello world", "the quick brown fox jumps over the lazy dog", "a"}
	batches, err := LanguageModel(lm, tok, texts, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Every real token appears exactly once, in order, as input and as label.
	var ids []int
	for _, text := range texts {
		enc, err := tok.Encode(text, "", false, tokenizer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, enc.IDs...)
	}
	var got []int
	for _, b := range batches {
		if b.SeqLen > 4 {
			t.Fatalf("sequence of %d tokens, max 4", b.SeqLen)
		}
		for k, m := range b.AttentionMask {
			if m == 1 {
				got = append(got, b.InputIDs[k])
				if b.Labels[k] != b.InputIDs[k] {
					t.Fatalf("label %d for input %d", b.Labels[k], b.InputIDs[k])
				}
			} else if b.Labels[k] != -100 {
				t.Fatalf("padding labelled %d", b.Labels[k])
			}
		}
	}
	if len(got) != len(ids) {
		t.Fatalf("%d tokens batched, want %d", len(got), len(ids))
	}
	for i := range ids {
		if got[i] != ids[i] {
			t.Fatalf("token %d: %d, want %d", i, got[i], ids[i])
		}
	}
}

func TestMaskLanguageModel(t *testing.T) {
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert-mlm", "model"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles("bert", ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"the quick brown fox jumps over the lazy dog", "hello world"}
	build := func() []*model.Batch { b, _ := LanguageModel(m, tok, texts, 16, 2); return b }
	a, b := build(), build()
	if err := MaskLanguageModel(a, tok, 0.15, 7); err != nil {
		t.Fatal(err)
	}
	if err := MaskLanguageModel(b, tok, 0.15, 7); err != nil {
		t.Fatal(err)
	}
	for k := range a[0].InputIDs {
		if a[0].InputIDs[k] != b[0].InputIDs[k] || a[0].Labels[k] != b[0].Labels[k] {
			t.Fatalf("same seed, different masking at %d", k)
		}
	}
	for s := 0; s < a[0].Size; s++ {
		chosen := 0
		for j := 0; j < a[0].SeqLen; j++ {
			if a[0].Labels[s*a[0].SeqLen+j] != -100 {
				chosen++
			}
		}
		if chosen == 0 {
			t.Fatalf("sequence %d has no masked position", s)
		}
	}
}

func TestFirst(t *testing.T) {
	s := []string{"a", "b", "c"}
	for _, tc := range []struct {
		n    int
		want []string
	}{{0, s}, {-1, s}, {2, s[:2]}, {3, s}, {5, s}} {
		if got := First(s, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("First(%q, %d) = %q, want %q", s, tc.n, got, tc.want)
		}
	}
	d := Data{Texts: s}.First(1)
	if !slices.Equal(d.Texts, s[:1]) || d.Examples != nil {
		t.Errorf("Data.First(1) of three texts: %q, %v", d.Texts, d.Examples)
	}
}
