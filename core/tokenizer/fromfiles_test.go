package tokenizer

import (
	"encoding/json"
	"strings"
	"testing"

	"bertology/core/golden"
)

// TestGoldenModelDirs loads the tokenizer of every tiny golden model from its directory and checks it
// against the model's config and the inputs Hugging Face encoded for it: the vocabulary size, the
// padding id of the padded rows, and (for the GPTs) that decoding a row and encoding it again gives
// the row back.
func TestGoldenModelDirs(t *testing.T) {
	for _, arch := range []string{"bert", "bert-mlm", "distilbert", "gpt2", "openai-gpt"} {
		t.Run(arch, func(t *testing.T) {
			files := readDir(t, golden.Path(t, arch, "model"))
			var cfg struct { // the keys of config.json this test needs (core/checkpoint imports this package)
				ModelType string `json:"model_type"`
				VocabSize int    `json:"vocab_size"`
			}
			if err := json.Unmarshal(files["config.json"], &cfg); err != nil {
				t.Fatal(err)
			}
			tok, err := FromFiles(cfg.ModelType, files)
			if err != nil {
				t.Fatal(err)
			}
			if tok.VocabSize() != cfg.VocabSize {
				t.Errorf("VocabSize %d, config says %d", tok.VocabSize(), cfg.VocabSize)
			}
			var g struct {
				Inputs struct {
					InputIDs      golden.Tensor `json:"input_ids"`
					AttentionMask golden.Tensor `json:"attention_mask"`
				}
			}
			golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
			ids, mask := g.Inputs.InputIDs.Ints(), g.Inputs.AttentionMask.Ints()
			width := g.Inputs.InputIDs.Shape[1]
			for row := 0; row < g.Inputs.InputIDs.Shape[0]; row++ {
				n := 0
				for i := row * width; i < (row+1)*width; i++ {
					if mask[i] == 1 {
						n++
					} else if ids[i] != tok.PadID() {
						t.Errorf("row %d pads with %d, PadID is %d", row, ids[i], tok.PadID())
					}
				}
				if cfg.ModelType == "bert" || cfg.ModelType == "distilbert" {
					continue // rows hold [CLS] and [SEP]; the wordpiece goldens cover encoding
				}
				rowIDs := ids[row*width : row*width+n]
				enc, err := tok.Encode(tok.Decode(rowIDs), "", false, Options{})
				if err != nil {
					t.Fatal(err)
				}
				assertInts(t, "re-encoded row", enc.IDs, rowIDs)
			}
		})
	}
}

// TestMaskToken checks the special-token ids the masked-LM code needs: the golden BERT-MLM inputs
// hold [MASK] at 4 positions.
func TestMaskToken(t *testing.T) {
	tok, err := FromFiles("bert", readDir(t, golden.Path(t, "bert-mlm", "model")))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Inputs struct {
			InputIDs golden.Tensor `json:"input_ids"`
		}
	}
	golden.Decode(t, golden.Path(t, "bert-mlm", "golden_float32.json"), &g)
	masks := 0
	for _, id := range g.Inputs.InputIDs.Ints() {
		if id == tok.Special().MASK {
			masks++
		}
	}
	if masks != 4 {
		t.Errorf("%d ids equal Special().MASK = %d, want the 4 masked positions", masks, tok.Special().MASK)
	}
	if got := tok.Token(tok.Special().MASK); got != "[MASK]" {
		t.Errorf("Token(MASK) = %q", got)
	}
}

func TestFromFilesErrors(t *testing.T) {
	bert := readDir(t, golden.Path(t, "tokenizers", "wordpiece"))
	for _, tc := range []struct {
		name, modelType string
		files           map[string][]byte
		want            string
	}{
		{"unknown model type", "t5", bert, "unknown model type"},
		{"no vocab", "gpt2", bert, "needs vocab.json"},
		{"no merges", "openai-gpt", map[string][]byte{"vocab.json": []byte(`{"a": 0}`)}, "needs merges.txt"},
		{"bad vocab.json", "gpt2", map[string][]byte{"vocab.json": []byte(`{"a": "x"}`), "merges.txt": []byte("#v\n")}, "vocab.json"},
		{"negative id", "gpt2", map[string][]byte{"vocab.json": []byte(`{"a": -1}`), "merges.txt": []byte("#v\n")}, "outside"},
		{"no cls", "bert", map[string][]byte{"vocab.txt": []byte("[SEP]\n[UNK]\n")}, "cls_token"},
		{"bad config", "bert", map[string][]byte{"vocab.txt": bert["vocab.txt"], "tokenizer_config.json": []byte(`{"unk_token": 3}`)}, "tokenizer_config.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromFiles(tc.modelType, tc.files)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
