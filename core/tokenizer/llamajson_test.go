package tokenizer

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// llamaConverted is the tokenizer.json that transformers 4.31's LlamaConverter makes of a
// tokenizer.model: the pieces as the vocabulary, by id; as merges every two pieces whose join is a
// piece, in the order of the join's id (SentencePieceExtractor.extract without scores, its sort
// stable); Llama's normalizer and decoder.
func llamaConverted(t testing.TB, model []byte) []byte {
	t.Helper()
	m, err := readSentencepiece(model)
	if err != nil {
		t.Fatal(err)
	}
	vocab := map[string]int{}
	for id, p := range m.pieces {
		vocab[p.text] = id
	}
	type merge struct {
		pair [2]string
		id   int
	}
	var merges []merge
	for _, l := range m.pieces {
		for _, r := range m.pieces {
			if id, ok := vocab[l.text+r.text]; ok && id != 0 {
				merges = append(merges, merge{[2]string{l.text, r.text}, id})
			}
		}
	}
	slices.SortStableFunc(merges, func(a, b merge) int { return a.id - b.id })
	pairs := make([][2]string, len(merges))
	for i, mg := range merges {
		pairs[i] = mg.pair
	}
	type added struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	}
	b, err := json.Marshal(map[string]any{
		"version":       "1.0",
		"added_tokens":  []added{{0, "<unk>", true}, {1, "<s>", true}, {2, "</s>", true}},
		"normalizer":    json.RawMessage(llamaJSONNormalizer),
		"pre_tokenizer": nil,
		"decoder":       json.RawMessage(llamaJSONDecoder),
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": "<unk>", "continuing_subword_prefix": nil,
			"end_of_word_suffix": nil, "fuse_unk": true, "byte_fallback": true, "vocab": vocab, "merges": pairs},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLlamaTokenizerJSON encodes with tok512's tokenizer.json as LlamaConverter converts it, against
// the slow LlamaTokenizer's ids and tokens on the texts where the two tokenizers must agree: no
// special-token strings (whose matching the fast tokenizer does after its normalizer) and no spaces at
// the ends or two in a row (which the slow one drops). Every text without special-token strings decodes
// back to itself.
func TestLlamaTokenizerJSON(t *testing.T) {
	files := stories260KFiles(t, "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")
	files["tokenizer.json"] = llamaConverted(t, files["tokenizer.model"])
	delete(files, "tokenizer.model")
	tok, err := FromFiles("llama", files)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tok.(*tokenizer).model.(*llamaBPE); !ok {
		t.Fatalf("tokenizer.json gave the subword model %T", tok.(*tokenizer).model)
	}
	compared, decoded := 0, 0
	for i, c := range stories260KCases(t) {
		if strings.Contains(c.Text, "<s>") || strings.Contains(c.Text, "</s>") || strings.Contains(c.Text, "<unk>") {
			continue
		}
		enc, err := tok.Encode(c.Text, "", false, Options{})
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if got := tok.Decode(enc.IDs[1:]); got != c.Text {
			t.Errorf("case %d (%s): %q decodes back to %q", i, c.Kind, c.Text, got)
		}
		decoded++
		if c.Text == "" || strings.HasPrefix(c.Text, " ") || strings.HasSuffix(c.Text, " ") || strings.Contains(c.Text, "  ") {
			continue
		}
		compared++
		if !slices.Equal(enc.IDs, c.HFIDs) || !slices.Equal(enc.Tokens, c.HFTokens) {
			t.Errorf("case %d (%s) %q:\n got %v %q\nwant %v %q", i, c.Kind, c.Text, enc.IDs, enc.Tokens, c.HFIDs, c.HFTokens)
		}
	}
	t.Logf("%d texts compared with the slow tokenizer's ids, %d decoded back", compared, decoded)
	if compared < 80 {
		t.Errorf("only %d texts compared", compared)
	}
}
