package tokenizer

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
)

// The tokenizer.json writers below lay the file out as the tokenizers library (0.13, which
// transformers 4.31 uses) saves the fast tokenizer it converts from the slow one's files.

// addedTokenJSON is an entry of tokenizer.json's added_tokens.
func addedTokenJSON(id int, content string) map[string]any {
	return map[string]any{"id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false,
		"normalized": false, "special": true}
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wordPieceJSON writes the tokenizer.json of BertTokenizerFast for a vocab.txt.
func wordPieceJSON(t testing.TB, vocabTxt []byte) []byte {
	t.Helper()
	v, err := readVocabTxt(vocabTxt)
	if err != nil {
		t.Fatal(err)
	}
	var added []any
	for _, tok := range []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"} {
		if id, ok := v.ids[tok]; ok {
			added = append(added, addedTokenJSON(id, tok))
		}
	}
	cls, sep := v.ids["[CLS]"], v.ids["[SEP]"]
	return marshal(t, map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil, "added_tokens": added,
		"normalizer": map[string]any{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
			"strip_accents": nil, "lowercase": true},
		"pre_tokenizer": map[string]any{"type": "BertPreTokenizer"},
		"post_processor": map[string]any{"type": "TemplateProcessing",
			"single": []any{map[string]any{"SpecialToken": map[string]any{"id": "[CLS]", "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}},
				map[string]any{"SpecialToken": map[string]any{"id": "[SEP]", "type_id": 0}}},
			"special_tokens": map[string]any{"[CLS]": map[string]any{"id": "[CLS]", "ids": []int{cls}, "tokens": []string{"[CLS]"}},
				"[SEP]": map[string]any{"id": "[SEP]", "ids": []int{sep}, "tokens": []string{"[SEP]"}}}},
		"decoder": map[string]any{"type": "WordPiece", "prefix": "##", "cleanup": true},
		"model": map[string]any{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
			"max_input_chars_per_word": 100, "vocab": v.ids},
	})
}

// bpeMergesOf lists the merges of a merges.txt as the slow tokenizers read them: its lines but the
// first (the header) and the last (empty after the final newline).
func bpeMergesOf(mergesTxt []byte) []string {
	lines := strings.Split(string(mergesTxt), "\n")
	return lines[1 : len(lines)-1]
}

// bpeJSON writes the tokenizer.json of GPT2TokenizerFast (byte-level) or OpenAIGPTTokenizerFast for a
// vocab.json and merges.txt, the merges as strings or, as the tokenizers library writes them since
// 0.20, as pairs.
func bpeJSON(t testing.TB, modelType string, vocabJSON, mergesTxt []byte, pairs bool) []byte {
	t.Helper()
	var vocab map[string]int
	if err := json.Unmarshal(vocabJSON, &vocab); err != nil {
		t.Fatal(err)
	}
	var merges []any
	for _, m := range bpeMergesOf(mergesTxt) {
		if pairs {
			a, b, _ := strings.Cut(m, " ")
			merges = append(merges, []string{a, b})
		} else {
			merges = append(merges, m)
		}
	}
	model := map[string]any{"type": "BPE", "dropout": nil, "continuing_subword_prefix": "", "end_of_word_suffix": "",
		"fuse_unk": false, "byte_fallback": false, "vocab": json.RawMessage(vocabJSON), "merges": merges}
	file := map[string]any{"version": "1.0", "truncation": nil, "padding": nil}
	if modelType == "gpt2" {
		model["unk_token"] = nil
		file["added_tokens"] = []any{addedTokenJSON(vocab["<|endoftext|>"], "<|endoftext|>")}
		file["normalizer"] = nil
		file["pre_tokenizer"] = map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
		file["post_processor"] = map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true}
		file["decoder"] = map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}
	} else {
		model["unk_token"], model["continuing_subword_prefix"], model["end_of_word_suffix"] = "<unk>", nil, "</w>"
		file["added_tokens"] = []any{addedTokenJSON(vocab["<unk>"], "<unk>")}
		file["normalizer"] = map[string]any{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
			"strip_accents": nil, "lowercase": true}
		file["pre_tokenizer"] = map[string]any{"type": "BertPreTokenizer"}
		file["post_processor"] = nil
		file["decoder"] = map[string]any{"type": "BPEDecoder", "suffix": "</w>"}
	}
	file["model"] = model
	return marshal(t, file)
}

// onlyTokenizerJSON returns a model directory's tokenizer files with tokenizer.json in place of the
// vocabulary files.
func onlyTokenizerJSON(t testing.TB, modelType string, files map[string][]byte, pairs bool) map[string][]byte {
	t.Helper()
	out := maps.Clone(files)
	if modelType == "bert" || modelType == "distilbert" {
		out["tokenizer.json"] = wordPieceJSON(t, files["vocab.txt"])
	} else {
		out["tokenizer.json"] = bpeJSON(t, modelType, files["vocab.json"], files["merges.txt"], pairs)
	}
	for _, name := range []string{"vocab.txt", "vocab.json", "merges.txt"} {
		delete(out, name)
	}
	return out
}

// assertSameEncodings encodes every text (and every text after the one before it, as a pair) with both
// tokenizers, which must agree token for token, and decodes its ids with both.
func assertSameEncodings(t *testing.T, what string, got, want Tokenizer, texts []string) {
	t.Helper()
	if got.VocabSize() != want.VocabSize() || got.Special() != want.Special() || got.PadID() != want.PadID() {
		t.Fatalf("%s: vocabulary %d, special %+v, pad %d; want %d, %+v, %d", what, got.VocabSize(), got.Special(), got.PadID(),
			want.VocabSize(), want.Special(), want.PadID())
	}
	for i, text := range texts {
		for _, hasPair := range []bool{false, i > 0} {
			pair := ""
			if hasPair {
				pair = texts[i-1]
			}
			g, err1 := got.Encode(text, pair, hasPair, Options{})
			w, err2 := want.Encode(text, pair, hasPair, Options{})
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %q: %v, %v", what, text, err1, err2)
			}
			if !slices.Equal(g.Tokens, w.Tokens) || !slices.Equal(g.IDs, w.IDs) || !slices.Equal(g.TypeIDs, w.TypeIDs) ||
				!slices.Equal(g.AttentionMask, w.AttentionMask) {
				t.Fatalf("%s: %q (pair %v):\n got %q %v %v\nwant %q %v %v", what, text, hasPair, g.Tokens, g.IDs, g.TypeIDs,
					w.Tokens, w.IDs, w.TypeIDs)
			}
			if gd, wd := got.Decode(w.IDs), want.Decode(w.IDs); gd != wd {
				t.Fatalf("%s: %q decodes to %q, want %q", what, text, gd, wd)
			}
		}
	}
}

// TestTokenizerJSONGolden builds each made-up golden vocabulary from a tokenizer.json alone and checks
// it against the vocabulary files' tokenizer, which the goldens check against Hugging Face's, on every
// golden text.
func TestTokenizerJSONGolden(t *testing.T) {
	for _, tc := range []struct{ modelType, dir, file string }{
		{"bert", "wordpiece", "wordpiece.json"},
		{"distilbert", "wordpiece", "wordpiece.json"},
		{"gpt2", "gpt2_bpe", "gpt2_bpe.json"},
		{"openai-gpt", "openai_bpe", "openai_bpe.json"},
	} {
		var g struct {
			Single []struct{ Text string }
			Pairs  []struct {
				TextA string `json:"text_a"`
				TextB string `json:"text_b"`
			}
		}
		golden.Decode(t, golden.Path(t, "tokenizers", tc.file), &g)
		var texts []string
		for _, c := range g.Single {
			texts = append(texts, c.Text)
		}
		for _, c := range g.Pairs {
			texts = append(texts, c.TextA, c.TextB)
		}
		files := readDir(t, golden.Path(t, "tokenizers", tc.dir))
		want, err := FromFiles(tc.modelType, files)
		if err != nil {
			t.Fatal(err)
		}
		for _, pairs := range []bool{false, true} {
			got, err := FromFiles(tc.modelType, onlyTokenizerJSON(t, tc.modelType, files, pairs))
			if err != nil {
				t.Fatalf("%s: %v", tc.modelType, err)
			}
			assertSameEncodings(t, tc.modelType+" "+tc.dir, got, want, texts)
		}
	}
}

// TestTokenizerJSONReal builds the real bert-base-uncased and GPT-2 tokenizers from a tokenizer.json
// alone and checks them against the vocabulary files' tokenizers on every SST-2 dev sentence.
func TestTokenizerJSONReal(t *testing.T) {
	f, err := os.Open(golden.SharedPath(t, "data", "glue", "SST-2", "dev.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sentences []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sentence, _, ok := strings.Cut(sc.Text(), "\t"); ok && sentence != "sentence" {
			sentences = append(sentences, sentence)
		}
	}
	if err := sc.Err(); err != nil || len(sentences) != 872 {
		t.Fatalf("read %d SST-2 dev sentences (%v), want 872", len(sentences), err)
	}
	for _, tc := range []struct {
		modelType, dir string
		files          []string
	}{
		{"bert", "bert-base-uncased", []string{"vocab.txt"}},
		{"gpt2", "gpt2", []string{"vocab.json", "merges.txt"}},
	} {
		files := map[string][]byte{}
		for _, name := range tc.files {
			b, err := os.ReadFile(golden.SharedPath(t, "data", "tokenizers", tc.dir, name))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = b
		}
		want, err := FromFiles(tc.modelType, files)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromFiles(tc.modelType, onlyTokenizerJSON(t, tc.modelType, files, false))
		if err != nil {
			t.Fatalf("%s: %v", tc.dir, err)
		}
		assertSameEncodings(t, tc.dir, got, want, sentences)
	}
}

func TestTokenizerJSONErrors(t *testing.T) {
	wp := readDir(t, golden.Path(t, "tokenizers", "wordpiece"))
	bpe := readDir(t, golden.Path(t, "tokenizers", "gpt2_bpe"))
	oa := readDir(t, golden.Path(t, "tokenizers", "openai_bpe"))
	// edited rewrites the tokenizer.json of a golden vocabulary; edit changes the decoded file.
	edited := func(modelType string, files map[string][]byte, edit func(file, model map[string]any)) map[string][]byte {
		out := onlyTokenizerJSON(t, modelType, files, false)
		var file map[string]any
		if err := json.Unmarshal(out["tokenizer.json"], &file); err != nil {
			t.Fatal(err)
		}
		edit(file, file["model"].(map[string]any))
		out["tokenizer.json"] = marshal(t, file)
		return out
	}
	set := func(key string, v any) func(file, model map[string]any) {
		return func(file, model map[string]any) {
			if k, ok := strings.CutPrefix(key, "model."); ok {
				model[k] = v
			} else {
				file[key] = v
			}
		}
	}
	added := func(id int, content string) func(file, model map[string]any) {
		return set("added_tokens", []any{addedTokenJSON(id, content)})
	}
	for _, tc := range []struct {
		name, modelType string
		files           map[string][]byte
		want            []string
	}{
		{"not json", "bert", map[string][]byte{"tokenizer.json": []byte("{")}, []string{"tokenizer.json", "unexpected end"}},
		{"unigram", "bert", edited("bert", wp, set("model.type", "Unigram")), []string{`model "Unigram"`, "bert tokenizer is WordPiece"}},
		{"wordpiece for gpt2", "gpt2", edited("bert", wp, func(map[string]any, map[string]any) {}), []string{`model "WordPiece"`, "gpt2 tokenizer is BPE"}},
		{"prefix", "bert", edited("bert", wp, set("model.continuing_subword_prefix", "@@")), []string{`continuing_subword_prefix "@@"`}},
		{"max chars", "bert", edited("bert", wp, set("model.max_input_chars_per_word", 200)), []string{"max_input_chars_per_word 200", "100"}},
		{"unk", "bert", edited("bert", wp, set("model.unk_token", "<unk>")), []string{`unk_token "<unk>"`, `"[UNK]"`}},
		{"no normalizer", "bert", edited("bert", wp, set("normalizer", nil)), []string{"normalizer none", "BertNormalizer"}},
		{"sequence normalizer", "distilbert", edited("bert", wp, set("normalizer", map[string]any{"type": "Sequence"})), []string{`normalizer "Sequence"`}},
		{"no clean text", "bert", edited("bert", wp, set("normalizer", map[string]any{"type": "BertNormalizer", "clean_text": false})), []string{"clean_text false"}},
		{"whitespace", "bert", edited("bert", wp, set("pre_tokenizer", map[string]any{"type": "Whitespace"})), []string{`pre_tokenizer "Whitespace"`}},
		{"no vocab", "bert", edited("bert", wp, set("model.vocab", nil)), []string{"no vocab"}},
		{"bad vocab", "bert", edited("bert", wp, set("model.vocab", []int{1})), []string{"model vocab"}},
		{"added id conflict", "bert", edited("bert", wp, added(0, "[CLS]")), []string{`added token "[CLS]" has id 0`, "gives it"}},
		{"added id taken", "bert", edited("bert", wp, added(0, "<new>")), []string{`added token "<new>" has id 0`, `gives "[PAD]"`}},
		{"gpt2 normalizer", "gpt2", edited("gpt2", bpe, set("normalizer", map[string]any{"type": "NFC"})), []string{`normalizer "NFC"`, "GPT2Tokenizer has none"}},
		{"metaspace", "gpt2", edited("gpt2", bpe, set("pre_tokenizer", map[string]any{"type": "Metaspace"})), []string{`pre_tokenizer "Metaspace"`}},
		{"no regex", "gpt2", edited("gpt2", bpe, set("pre_tokenizer", map[string]any{"type": "ByteLevel", "use_regex": false})), []string{`pre_tokenizer "ByteLevel"`, "use_regex"}},
		{"dropout", "gpt2", edited("gpt2", bpe, set("model.dropout", 0.1)), []string{"dropout 0.1"}},
		{"byte fallback", "gpt2", edited("gpt2", bpe, set("model.byte_fallback", true)), []string{"byte_fallback"}},
		{"suffix", "gpt2", edited("gpt2", bpe, set("model.end_of_word_suffix", "</w>")), []string{`end_of_word_suffix "</w>"`, `gpt2 tokenizer's is ""`}},
		{"subword prefix", "gpt2", edited("gpt2", bpe, set("model.continuing_subword_prefix", "##")), []string{`continuing_subword_prefix "##"`}},
		{"no merges", "gpt2", edited("gpt2", bpe, set("model.merges", nil)), []string{"no merges"}},
		{"three symbols", "gpt2", edited("gpt2", bpe, set("model.merges", []string{"h e", "a b c"})), []string{"merge 1 is not two symbols"}},
		{"empty symbol", "gpt2", edited("gpt2", bpe, set("model.merges", [][]string{{"h", ""}})), []string{"merge 0 is not two symbols"}},
		{"short pair", "gpt2", edited("gpt2", bpe, set("model.merges", [][]string{{"h"}})), []string{"model merges", `want ','`}},
		{"merges not a list", "gpt2", edited("gpt2", bpe, set("model.merges", map[string]int{})), []string{"model merges", `want '['`}},
		{"openai suffix", "openai-gpt", edited("openai-gpt", oa, set("model.end_of_word_suffix", nil)), []string{"end_of_word_suffix null", `"</w>"`}},
		{"openai cased", "openai-gpt", edited("openai-gpt", oa, set("normalizer", map[string]any{"type": "BertNormalizer", "lowercase": false})),
			[]string{"lower-cases"}},
		{"openai pre-tokenizer", "openai-gpt", edited("openai-gpt", oa, set("pre_tokenizer", nil)), []string{"pre_tokenizer none"}},
		{"neither", "gpt2", map[string][]byte{"tokenizer_config.json": []byte("{}")}, []string{"needs vocab.json and merges.txt (or tokenizer.json)"}},
	} {
		_, err := FromFiles(tc.modelType, tc.files)
		for _, want := range append(tc.want, "tokenizer: ") {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, want)
			}
		}
	}
}

// FuzzTokenizerJSON reads arbitrary tokenizer.json files for each model type: no panic, and a tokenizer
// read from one encodes text within its vocabulary.
func FuzzTokenizerJSON(f *testing.F) {
	f.Add("bert", wordPieceJSON(f, readDir(f, golden.Path(f, "tokenizers", "wordpiece"))["vocab.txt"]))
	bpe := readDir(f, golden.Path(f, "tokenizers", "gpt2_bpe"))
	f.Add("gpt2", bpeJSON(f, "gpt2", bpe["vocab.json"], bpe["merges.txt"], true))
	oa := readDir(f, golden.Path(f, "tokenizers", "openai_bpe"))
	f.Add("openai-gpt", bpeJSON(f, "openai-gpt", oa["vocab.json"], oa["merges.txt"], false))
	f.Fuzz(func(t *testing.T, modelType string, data []byte) {
		tok, err := FromFiles(modelType, map[string][]byte{"tokenizer.json": data})
		if err != nil {
			return
		}
		for _, text := range []string{"Hello, world! héllo 世界", "the quick brown fox", ""} {
			enc, err := tok.Encode(text, "", false, Options{})
			if err != nil {
				continue // a vocabulary without [CLS] or the unknown token cannot encode everything
			}
			for _, id := range enc.IDs {
				if _, ok := tok.TokenID(tok.Token(id)); !ok && id != tok.Special().UNK {
					t.Fatalf("%q: id %d is no token of the vocabulary", text, id)
				}
			}
		}
	})
}
