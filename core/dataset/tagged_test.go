package dataset

import (
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/tensor"
	"bertology/core/tokenizer"
)

// goldenTokenizer is the tokenizer of the golden model of arch.
func goldenTokenizer(t *testing.T, arch string) tokenizer.Tokenizer {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tokenStrings decodes each id on its own.
func tokenStrings(tok tokenizer.Tokenizer, ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tok.Decode([]int{id})
	}
	return out
}

func TestAlignWords(t *testing.T) {
	for _, tc := range []struct {
		arch  string
		words []string
		// firsts are the tokens at each word's first position, as tokenStrings reads them
		firsts []string
	}{
		{"bert", []string{"the", "jumping", "fox", ",", "quick"}, []string{"the", "jump", "fox", ",", "quick"}},
		{"gpt2", []string{"the", "jumping", "fox", ",", "quick"}, []string{"t", " ", " fox", " ", " "}}, // the tiny vocabulary has no "Ġj", "Ġ,", "Ġq"
		{"openai-gpt", []string{"the", "jumping", "fox", ",", "quick"}, []string{"the", "j", "fox", ",", "q"}},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			tok := goldenTokenizer(t, tc.arch)
			enc, first, err := AlignWords(tok, tc.words)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := tok.Encode(strings.Join(tc.words, " "), "", false, tokenizer.Options{})
			if !slices.Equal(enc.IDs, want.IDs) {
				t.Errorf("encoding %v, want the sentence's %v", enc.IDs, want.IDs)
			}
			strs := tokenStrings(tok, enc.IDs)
			var got []string
			for i, p := range first {
				if i > 0 && p <= first[i-1] {
					t.Errorf("first positions %v do not increase", first)
				}
				got = append(got, strs[p])
			}
			if !slices.Equal(got, tc.firsts) {
				t.Errorf("first tokens %q (positions %v in %q), want %q", got, first, strs, tc.firsts)
			}
		})
	}
	tok := goldenTokenizer(t, "bert")
	if _, _, err := AlignWords(tok, []string{"a", " "}); err == nil || !strings.Contains(err.Error(), `word 1 " " has no tokens`) {
		t.Errorf("blank word: error %v", err)
	}
}

// tokenClassifier is the golden BERT as a token classifier of the tags O, B-ANI and I-ANI.
func tokenClassifier(t *testing.T) *model.Model {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := *ck.Config
	cfg.Architectures, cfg.NumLabels = []string{"BertForTokenClassification"}, 3
	cfg.ID2Label = map[int]string{0: "O", 1: "B-ANI", 2: "I-ANI"}
	ck.Config = &cfg
	ck.Weights["classifier.weight"], ck.Weights["classifier.bias"] = tensor.New(3, 32), tensor.New(3)
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTokenClassificationSequences labels the first piece of each word with its tag's class id and
// every other token -100, as run_ner.py does; truncation drops the labels of the words it cuts off.
func TestTokenClassificationSequences(t *testing.T) {
	tok := goldenTokenizer(t, "bert")
	sentences := []glue.TaggedSentence{
		{Words: []string{"the", "jumping", "fox", "runs", "."}, Tags: []string{"O", "B-ANI", "I-ANI", "O", "O"}},
		{Words: []string{"dog"}, Tags: []string{"B-ANI"}},
	}
	classes := []string{"O", "B-ANI", "I-ANI"}
	const x = -100
	for _, tc := range []struct {
		name   string
		maxLen int
		tokens [][]string
		labels [][]int
	}{
		{"whole", 16,
			[][]string{{"[CLS]", "the", "jump", "##ing", "fox", "run", "##s", ".", "[SEP]"}, {"[CLS]", "dog", "[SEP]"}},
			[][]int{{x, 0, 1, x, 2, 0, x, 0, x}, {x, 1, x}}},
		// Cut inside "runs": its first piece, and so its label, stays; "." goes.
		{"truncated", 7,
			[][]string{{"[CLS]", "the", "jump", "##ing", "fox", "run", "[SEP]"}, {"[CLS]", "dog", "[SEP]"}},
			[][]int{{x, 0, 1, x, 2, 0, x}, {x, 1, x}}},
		{"truncated inside a word", 4,
			[][]string{{"[CLS]", "the", "jump", "[SEP]"}, {"[CLS]", "dog", "[SEP]"}},
			[][]int{{x, 0, 1, x}, {x, 1, x}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seqs, err := TokenClassificationSequences(tok, sentences, classes, tc.maxLen)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range seqs {
				if got := tokenStrings(tok, s.InputIDs); !slices.Equal(got, tc.tokens[i]) {
					t.Errorf("sentence %d: tokens %q, want %q", i, got, tc.tokens[i])
				}
				if !slices.Equal(s.Labels, tc.labels[i]) {
					t.Errorf("sentence %d: labels %v, want %v", i, s.Labels, tc.labels[i])
				}
				if len(s.TokenTypeIDs) != s.SeqLen || s.Size != 1 {
					t.Errorf("sentence %d: %d token types for %d tokens, size %d", i, len(s.TokenTypeIDs), s.SeqLen, s.Size)
				}
			}
		})
	}
	bad := []glue.TaggedSentence{{Words: []string{"the", "fox"}, Tags: []string{"O", "B-PER"}}}
	if _, err := TokenClassificationSequences(tok, bad, classes, 16); err == nil ||
		!strings.Contains(err.Error(), `word 1 "fox": tag "B-PER" is not one of the model's labels (O, B-ANI, I-ANI)`) {
		t.Errorf("unknown tag: error %v", err)
	}
}

// TestForModelTagged batches tagged sentences for a token classifier, labels per token padded with -100,
// and refuses them for a model of another head.
func TestForModelTagged(t *testing.T) {
	tok := goldenTokenizer(t, "bert")
	d := Data{Tagged: []glue.TaggedSentence{
		{Words: []string{"the", "fox"}, Tags: []string{"O", "B-ANI"}},
		{Words: []string{"jumping", "dog", "."}, Tags: []string{"O", "B-ANI", "O"}},
		{Words: []string{"dog"}, Tags: []string{"B-ANI"}},
	}}
	if d.Len() != 3 || d.First(2).Len() != 2 {
		t.Fatalf("Len %d, First(2).Len %d", d.Len(), d.First(2).Len())
	}
	batches, err := ForModel(tokenClassifier(t), tok, d, 16, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 2 || batches[0].Size != 2 || batches[0].SeqLen != 6 || batches[1].Size != 1 {
		t.Fatalf("batches of %d", len(batches))
	}
	const x = -100
	if want := []int{x, 0, 1, x, x, x, x, 0, x, 1, 0, x}; !slices.Equal(batches[0].Labels, want) {
		t.Errorf("labels %v, want %v", batches[0].Labels, want)
	}
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	classifier, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ForModel(classifier, tok, d, 16, 2); err == nil || !strings.Contains(err.Error(), "tagged words need a token classifier") {
		t.Errorf("a sequence classifier: error %v", err)
	}
}
