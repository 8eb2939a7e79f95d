package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
	"bertology/core/tokenizer"
)

// TestLlama2cStories260K reads stories260K.bin as llama2.c's export.py converts it to Hugging Face's
// layout (../shared/golden/stories260K/hf): every weight bit for bit, q and k permuted, and config.json's
// every key.
func TestLlama2cStories260K(t *testing.T) {
	dir := golden.SharedPath(t, "data", "models", "stories260K")
	hf := golden.SharedPath(t, "golden", "stories260K", "hf")
	ck, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ck.WeightsFrom != "stories260K.bin" || ck.Files["tok512.bin"] == nil || len(ck.Files) != 1 {
		t.Errorf("weights from %q, files %v; want stories260K.bin and tok512.bin", ck.WeightsFrom, slices.Sorted(maps.Keys(ck.Files)))
	}
	b, err := os.ReadFile(filepath.Join(hf, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := ReadSafetensors(b)
	if err != nil {
		t.Fatal(err)
	}
	for name := range want { // buffers that transformers 4.31 saves and never reads back
		if strings.HasSuffix(name, ".rotary_emb.inv_freq") {
			delete(want, name)
		}
	}
	assertSameTensors(t, "stories260K.bin", ck.Weights, want)

	var wantCfg map[string]any
	golden.Decode(t, filepath.Join(hf, "config.json"), &wantCfg)
	delete(wantCfg, "transformers_version")
	var gotCfg map[string]any
	if err := json.Unmarshal(must(ck.Config.JSON()), &gotCfg); err != nil {
		t.Fatal(err)
	}
	for _, k := range slices.Sorted(maps.Keys(wantCfg)) {
		if g, w := fmt.Sprint(gotCfg[k]), fmt.Sprint(wantCfg[k]); g != w {
			t.Errorf("config.json %q: %s, want %s", k, g, w)
		}
	}
	if len(gotCfg) != len(wantCfg) {
		t.Errorf("config.json has keys %v, want %v", slices.Sorted(maps.Keys(gotCfg)), slices.Sorted(maps.Keys(wantCfg)))
	}
	// the tokenizer is llama2.c's own, tok512.bin, encoding as run.c does
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	if enc, err := tok.Encode("Once upon a  time", "", false, tokenizer.Options{}); err != nil ||
		!slices.Equal(enc.IDs, []int{1, 403, 407, 261, 410, 378}) {
		t.Errorf("tok512.bin encodes %v (%v), want run.c's [1 403 407 261 410 378]", enc.IDs, err)
	}
	c := ck.Config
	if c.ModelType != Llama || c.HiddenSize != 64 || c.NumLayers != 5 || c.NumHeads != 8 || c.IntermediateSize != 172 ||
		c.VocabSize != 512 || c.MaxPositions != 512 || c.LayerNormEps != 1e-5 || !c.TieWordEmbeddings || c.Activation != "silu" {
		t.Errorf("config %+v", c)
	}
}

// TestLoadLlamaHF loads stories260K's Hugging Face directory: the same config, and LlamaTokenizer on its
// tokenizer.model, which drops the extra space run.c keeps.
func TestLoadLlamaHF(t *testing.T) {
	ck, err := LoadDir(golden.SharedPath(t, "golden", "stories260K", "hf"))
	if err != nil {
		t.Fatal(err)
	}
	if ck.WeightsFrom != "model.safetensors" || ck.Config.ModelType != Llama || ck.Config.NumLayers != 5 || ck.Files["tokenizer.model"] == nil {
		t.Fatalf("weights from %q, config %+v, files %v", ck.WeightsFrom, ck.Config, slices.Sorted(maps.Keys(ck.Files)))
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	if enc, err := tok.Encode("Once upon a  time", "", false, tokenizer.Options{}); err != nil ||
		!slices.Equal(enc.IDs, []int{1, 403, 407, 261, 378}) {
		t.Errorf("tokenizer.model encodes %v (%v), want LlamaTokenizer's [1 403 407 261 378]", enc.IDs, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// llama2cFile writes a llama2.c checkpoint of the header's sizes (vocab negative: a classifier apart)
// whose float k is k/8 - 3, with extra bytes after it.
func llama2cFile(header [7]int32, extra int) []byte {
	b := make([]byte, 0, 1024)
	for _, v := range header {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	var floats int64
	if h, err := readLlama2cHeader(b); err == nil || strings.Contains(err.Error(), "makes it") {
		_, floats = h.tensors()
	}
	if floats > 1<<16 { // a header that lies: no weights
		floats = 0
	}
	for k := range floats {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(k)/8-3))
	}
	return append(b, make([]byte, extra)...)
}

// tinyLlama2c is a llama2.c checkpoint of 2 layers, width 8, 2 query heads of 4 over 1 kv head.
var tinyLlama2c = [7]int32{8, 12, 2, 2, 1, 10, 6}

// TestLlama2cLayout checks the order of the file's weights, the permutation and the classifier against
// positions counted by hand from run.c's memory_map_weights.
func TestLlama2cLayout(t *testing.T) {
	for _, shared := range []bool{true, false} {
		header := tinyLlama2c
		if !shared {
			header[5] = -header[5]
		}
		ck, err := LoadFiles(map[string][]byte{"model.bin": llama2cFile(header, 0)})
		if err != nil {
			t.Fatal(err)
		}
		at := func(k int) float32 { return float32(k)/8 - 3 }
		// dim 8, hidden 12, 2 layers, head size 4, kv 4 wide, vocab 10, seq_len 6
		embed, rmsAtt := 0, 80
		wq := rmsAtt + 2*8
		wk := wq + 2*64
		wv := wk + 2*32
		wo := wv + 2*32
		rmsFFN := wo + 2*64
		w1 := rmsFFN + 2*8
		w2 := w1 + 2*96
		w3 := w2 + 2*96
		norm := w3 + 2*96
		cls := norm + 8 + 6*2*2 // freq_cis_real and imag: seq_len × head_size/2 each
		checks := []struct {
			name       string
			row, col   int
			wantFloat  int
			wantRows   int
			wantLength int
		}{
			{"model.embed_tokens.weight", 3, 1, embed + 3*8 + 1, 10, 80},
			{"model.layers.1.input_layernorm.weight", 0, 5, rmsAtt + 8 + 5, 1, 8},
			// within a head of 4, rows 0, 2 are the first half and 1, 3 the second: row 1 is row 2
			{"model.layers.0.self_attn.q_proj.weight", 1, 0, wq + 2*8, 8, 64},
			{"model.layers.1.self_attn.q_proj.weight", 6, 3, wq + 64 + 5*8 + 3, 8, 64},
			{"model.layers.1.self_attn.k_proj.weight", 2, 7, wk + 32 + 1*8 + 7, 4, 32},
			{"model.layers.1.self_attn.v_proj.weight", 2, 7, wv + 32 + 2*8 + 7, 4, 32},
			{"model.layers.0.self_attn.o_proj.weight", 7, 7, wo + 63, 8, 64},
			{"model.layers.1.post_attention_layernorm.weight", 0, 0, rmsFFN + 8, 1, 8},
			{"model.layers.1.mlp.gate_proj.weight", 11, 2, w1 + 96 + 11*8 + 2, 12, 96},
			{"model.layers.0.mlp.down_proj.weight", 7, 11, w2 + 7*12 + 11, 8, 96},
			{"model.layers.1.mlp.up_proj.weight", 0, 0, w3 + 96, 12, 96},
			{"model.norm.weight", 0, 7, norm + 7, 1, 8},
		}
		if !shared {
			checks = append(checks, struct {
				name                                      string
				row, col, wantFloat, wantRows, wantLength int
			}{"lm_head.weight", 9, 7, cls + 79, 10, 80})
		}
		for _, c := range checks {
			w := ck.Weights[c.name]
			if w == nil || w.Len() != c.wantLength || w.Shape[0] != c.wantRows && len(w.Shape) == 2 {
				t.Errorf("shared %v: %s: %v", shared, c.name, w)
				continue
			}
			if g := w.Data[c.row*(w.Len()/max(c.wantRows, 1))+c.col]; g != at(c.wantFloat) {
				t.Errorf("shared %v: %s[%d, %d] = %v, want float %d (%v)", shared, c.name, c.row, c.col, g, c.wantFloat, at(c.wantFloat))
			}
		}
		if _, ok := ck.Weights["lm_head.weight"]; ok == shared || len(ck.Weights) != 3+9*2-map[bool]int{true: 1, false: 0}[shared] {
			t.Errorf("shared %v: weights %v", shared, slices.Sorted(maps.Keys(ck.Weights)))
		}
		if ck.Config.TieWordEmbeddings != shared || ck.Config.Raw["num_key_value_heads"] == nil || string(ck.Config.Raw["num_key_value_heads"]) != "1" {
			t.Errorf("shared %v: config %s", shared, must(ck.Config.JSON()))
		}
	}
}

func TestLlama2cBadHeader(t *testing.T) {
	with := func(i int, v int32) [7]int32 { h := tinyLlama2c; h[i] = v; return h }
	good := llama2cFile(tinyLlama2c, 0)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than its 28-byte header"},
		{"short header", good[:20], "shorter than its 28-byte header"},
		{"truncated", good[:len(good)-4], "makes it 4444 bytes, the file has 4440"},
		{"bytes after", llama2cFile(tinyLlama2c, 1), "the file has 4445"},
		{"torch zip", append([]byte("PK\x03\x04"), good[4:]...), "torch's zip or pickle"},
		{"pickle", append([]byte{0x80, 2, 0x8a, 10}, good[4:]...), "torch's zip or pickle"},
		{"version 1", append([]byte("24ka\x01\x00\x00\x00"), good[8:]...), "export version 1 is not supported"},
		{"zero dim", llama2cFile(with(0, 0), 0), "dim is 0"},
		{"negative layers", llama2cFile(with(2, -1), 0), "n_layers is -1"},
		{"huge dim", llama2cFile(with(0, 1<<30), 0), "dim is 1073741824, want 1 to 65536"},
		{"huge vocab", llama2cFile(with(5, math.MinInt32), 0), "vocab_size is -2147483648"},
		{"dims overflowing together", llama2cFile([7]int32{1 << 16, 1 << 18, 1 << 10, 1 << 10, 1 << 10, 1 << 22, 1 << 20}, 0), "the file has 28"},
		{"odd head size", llama2cFile(with(3, 8), 0), "not n_heads 8 heads of an even size"},
		{"heads not dividing dim", llama2cFile(with(3, 3), 0), "not n_heads 3 heads"},
		{"kv heads not dividing heads", llama2cFile([7]int32{12, 12, 1, 3, 2, 10, 6}, 0), "n_heads 3 is not a multiple of n_kv_heads 2"},
	}
	for _, c := range cases {
		_, err := LoadFiles(map[string][]byte{"model.bin": c.data, "tok512.bin": {}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// TestDiscoverLlama2c finds llama2.c's checkpoint beside its tokenizer: model.bin by name, any other
// .bin only from a listing, by its content, never pytorch_model.bin.
func TestDiscoverLlama2c(t *testing.T) {
	model := llama2cFile(tinyLlama2c, 0)
	torchZip := append([]byte("PK\x03\x04"), model[4:]...)
	cases := []struct {
		name    string
		files   map[string][]byte
		listed  bool
		weights bool
		want    []string
		wantErr error
	}{
		{"model.bin", map[string][]byte{"model.bin": model, "tokenizer.bin": {}, "other.bin": model}, false, true, []string{"model.bin", "tokenizer.bin"}, nil},
		{"tokenizer only", map[string][]byte{"model.bin": model, "tok512.bin": {}}, false, false, []string{"tok512.bin"}, nil},
		{"listed", map[string][]byte{"a.bin": torchZip, "stories.bin": model, "pytorch_model.bin": model, "tok512.bin": {}}, true, true,
			[]string{"stories.bin", "tok512.bin"}, nil},
		{"unlisted name", map[string][]byte{"stories.bin": model, "tok512.bin": {}}, false, true, nil, ErrNoWeights},
		{"no checkpoint", map[string][]byte{"a.bin": torchZip, "tok512.bin": {}}, true, true, nil, ErrNoWeights},
		{"no tokenizer", map[string][]byte{"model.bin": model}, true, true, nil, ErrNoConfig},
		{"config.json wins", map[string][]byte{"config.json": {}, "model.safetensors": {}, "model.bin": model, "tok512.bin": {}}, true, true,
			[]string{"config.json", "model.safetensors"}, nil},
	}
	for _, c := range cases {
		var listed []string
		if c.listed {
			listed = slices.Sorted(maps.Keys(c.files))
		}
		files, err := ReadListedFiles(listed, func(name string) ([]byte, error) {
			if b, ok := c.files[name]; ok {
				return b, nil
			}
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}, c.weights)
		if c.wantErr != nil {
			if !errors.Is(err, c.wantErr) {
				t.Errorf("%s: error %v, want %v", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, c.want) {
			t.Errorf("%s: files %v, want %v", c.name, got, c.want)
		}
	}
	_, err := ReadListedFiles([]string{"a.bin", "tok512.bin"}, func(name string) ([]byte, error) {
		if b, ok := map[string][]byte{"a.bin": torchZip, "tok512.bin": {}}[name]; ok {
			return b, nil
		}
		return nil, fs.ErrNotExist
	}, true)
	if err == nil || !strings.Contains(err.Error(), "a.bin: not a llama2.c checkpoint: it starts as torch's zip") {
		t.Errorf("a directory whose only .bin is torch's: error %v, want one naming a.bin and why", err)
	}
}

func FuzzLlama2c(f *testing.F) {
	f.Add(llama2cFile(tinyLlama2c, 0))
	unshared := tinyLlama2c
	unshared[5] = -unshared[5]
	f.Add(llama2cFile(unshared, 0))
	f.Add(llama2cFile([7]int32{2, 1, 1, 1, 1, 1, 1}, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := openLlama2c(data)
		if err != nil {
			return
		}
		weights, _, err := w.decode(noStep)
		if err != nil {
			t.Fatal(err)
		}
		var floats int64
		for _, x := range weights {
			floats += int64(x.Len())
		}
		h := w.header
		skipped := int64(h.seqLen) * int64(h.headSize())
		if 4*(floats+skipped)+llama2cHeaderBytes != int64(len(data)) {
			t.Fatalf("%d floats read from %d bytes (header %+v)", floats, len(data), h)
		}
		if _, err := ParseConfig(h.config()); err != nil {
			t.Fatalf("a readable checkpoint's config.json does not parse: %v", err)
		}
	})
}
