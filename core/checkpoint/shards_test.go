package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"

	"bertology/core/tensor"
)

// writeShards splits weights over n shards, the sorted names dealt out in turn, as save_pretrained names
// them: model-00001-of-00003.safetensors (format "model.safetensors") or
// pytorch_model-00001-of-00003.bin (format "pytorch_model.bin"), with the index.
func writeShards(t testing.TB, weights map[string]*tensor.Tensor, format string, n int) map[string][]byte {
	t.Helper()
	parts := make([]map[string]*tensor.Tensor, n)
	for i := range parts {
		parts[i] = map[string]*tensor.Tensor{}
	}
	for i, name := range slices.Sorted(maps.Keys(weights)) {
		parts[i%n][name] = weights[name]
	}
	files := map[string][]byte{}
	weightMap := map[string]string{}
	var total int
	for i, part := range parts {
		var shard string
		var data []byte
		if format == "model.safetensors" {
			shard = fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, n)
			var b bytes.Buffer
			if err := WriteSafetensors(&b, part, "F32", map[string]string{"format": "pt"}); err != nil {
				t.Fatal(err)
			}
			data = b.Bytes()
		} else {
			shard = fmt.Sprintf("pytorch_model-%05d-of-%05d.bin", i+1, n)
			data = torchBin(t, part, "F32", false)
		}
		files[shard] = data
		for name, w := range part {
			weightMap[name] = shard
			total += 4 * len(w.Data)
		}
	}
	index, err := json.Marshal(map[string]any{"metadata": map[string]int{"total_size": total}, "weight_map": weightMap})
	if err != nil {
		t.Fatal(err)
	}
	files[format+".index.json"] = index
	return files
}

// TestLoadSharded loads each golden model from three shards, safetensors and .bin: the same tensors as
// the single file, bit for bit, with the shards and index left out of the other files.
func TestLoadSharded(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, format := range []string{"model.safetensors", "pytorch_model.bin"} {
			single, err := LoadFiles(map[string][]byte{"config.json": readGolden(t, arch, "model", "config.json"),
				format: readGolden(t, arch, "model", format)})
			if err != nil {
				t.Fatal(err)
			}
			files := writeShards(t, single.Weights, format, 3)
			files["config.json"] = readGolden(t, arch, "model", "config.json")
			files["vocab.txt"] = []byte("[PAD]\n")
			ck, err := LoadFiles(files)
			if err != nil {
				t.Fatalf("%s %s: %v", arch, format, err)
			}
			assertSameTensors(t, arch+" "+format+" shards", ck.Weights, single.Weights)
			if ck.WeightsFrom != format+".index.json" {
				t.Errorf("%s %s: weights from %q", arch, format, ck.WeightsFrom)
			}
			if got := slices.Sorted(maps.Keys(ck.Files)); !slices.Equal(got, []string{"vocab.txt"}) {
				t.Errorf("%s %s: other files %v, want only vocab.txt", arch, format, got)
			}
			for name, dt := range ck.DTypes {
				if dt != "F32" {
					t.Errorf("%s %s: %s has dtype %s", arch, format, name, dt)
				}
			}
		}
	}
}

func TestLoadShardedErrors(t *testing.T) {
	config := readGolden(t, "bert", "model", "config.json")
	w := map[string]*tensor.Tensor{
		"a": tensor.FromData([]float32{1, 2}, 2), "b": tensor.FromData([]float32{3}, 1), "c": tensor.FromData([]float32{4, 5, 6}, 3),
	}
	const index = "model.safetensors.index.json"
	sharded := func(edit func(files map[string][]byte)) map[string][]byte {
		files := writeShards(t, w, "model.safetensors", 2) // a, c in shard 1; b in shard 2
		files["config.json"] = config
		edit(files)
		return files
	}
	st := func(ws map[string]*tensor.Tensor) []byte {
		var b bytes.Buffer
		if err := WriteSafetensors(&b, ws, "F32", nil); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	const shard1, shard2 = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
	tests := []struct {
		name  string
		files map[string][]byte
		want  []string
	}{
		{"missing shard", sharded(func(f map[string][]byte) { delete(f, shard2) }), []string{index, `shard "` + shard2 + `" is missing`, `["b"]`}},
		{"tensor in two shards", sharded(func(f map[string][]byte) { f[shard2] = st(map[string]*tensor.Tensor{"b": w["b"], "c": w["c"]}) }),
			[]string{index, `tensor "c" is in two shards`, shard1, shard2}},
		{"shard lacks a tensor", sharded(func(f map[string][]byte) { f[shard1] = st(map[string]*tensor.Tensor{"a": w["a"]}) }),
			[]string{index, `tensor "c" is listed in shard "` + shard1 + `", which does not hold it`}},
		{"tensor in the other shard", sharded(func(f map[string][]byte) {
			f[shard1] = st(map[string]*tensor.Tensor{"a": w["a"]})
			f[shard2] = st(map[string]*tensor.Tensor{"b": w["b"], "c": w["c"]})
		}), []string{`tensor "c" is listed in shard "` + shard1 + `"`}},
		{"bad shard", sharded(func(f map[string][]byte) { f[shard2] = []byte("nope") }), []string{index, `shard "` + shard2 + `"`, "too short"}},
		{"bad json", sharded(func(f map[string][]byte) { f[index] = []byte("{") }), []string{index}},
		{"no weight_map", sharded(func(f map[string][]byte) { f[index] = []byte(`{"metadata": {}}`) }), []string{index, "no weight_map"}},
		{"empty weight_map", sharded(func(f map[string][]byte) { f[index] = []byte(`{"weight_map": {}}`) }), []string{index, "no weight_map, or an empty one"}},
		{"tensor listed twice", sharded(func(f map[string][]byte) {
			f[index] = []byte(`{"weight_map": {"a": "` + shard1 + `", "a": "` + shard2 + `"}}`)
		}), []string{index, `"a" appears twice`}},
		{"shard not a string", sharded(func(f map[string][]byte) { f[index] = []byte(`{"weight_map": {"a": 1}}`) }), []string{index, `weight "a"`, "not a string"}},
		{"shard in a folder", sharded(func(f map[string][]byte) { f[index] = []byte(`{"weight_map": {"a": "../model.safetensors"}}`) }),
			[]string{index, `the shard "../model.safetensors" of weight "a" is not the name of a weight file beside the index`}},
	}
	for _, tt := range tests {
		_, err := LoadFiles(tt.files)
		assertErrorMentions(t, tt.name, err, append(tt.want, "checkpoint: ")...)
	}

	// MaxWeightBytes bounds the shards together, though each is under it: w is 24 bytes in all.
	defer func(old int64) { MaxWeightBytes = old }(MaxWeightBytes)
	MaxWeightBytes = 23
	_, err := LoadFiles(sharded(func(map[string][]byte) {}))
	assertErrorMentions(t, "limit", err, index, "24 bytes", "23-byte limit", "MaxWeightBytes")
	MaxWeightBytes = 24
	if _, err := LoadFiles(sharded(func(map[string][]byte) {})); err != nil {
		t.Errorf("24 bytes fit in 24: %v", err)
	}
}

// dirFiles is a model directory for ReadFiles: its files by name, and the names read, in order.
type dirFiles struct {
	files map[string][]byte
	read  []string
}

func (d *dirFiles) readFile(name string) ([]byte, error) {
	d.read = append(d.read, name)
	b, ok := d.files[name]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
	}
	return b, nil
}

// TestReadFiles checks which files of a directory ReadFiles reads, and in which order: the one weight
// file transformers would pick (the shards of an index), never the others; without weights, none.
func TestReadFiles(t *testing.T) {
	tokenizerFiles := []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json", "merges.txt", "tokenizer.model"}
	sharded := writeShards(t, map[string]*tensor.Tensor{"a": tensor.New(1), "b": tensor.New(2)}, "model.safetensors", 2)
	tests := []struct {
		name    string
		files   []string
		weights bool
		want    []string // read, beyond the tokenizer files
	}{
		{"safetensors first", []string{"config.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5", "vocab.txt"}, true,
			[]string{"config.json", "model.safetensors"}},
		{"safetensors shards", []string{"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
			"model-00002-of-00002.safetensors", "pytorch_model.bin"}, true,
			[]string{"config.json", "model.safetensors", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
				"model-00002-of-00002.safetensors"}},
		{"bin", []string{"config.json", "pytorch_model.bin", "pytorch_model.bin.index.json", "flax_model.msgpack"}, true,
			[]string{"config.json", "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin"}},
		{"tokenizer alone", []string{"config.json", "model.safetensors", "tokenizer.json"}, false, []string{"config.json"}},
	}
	for _, tt := range tests {
		d := &dirFiles{files: map[string][]byte{}}
		for _, name := range tt.files {
			d.files[name] = sharded[name]
			if d.files[name] == nil {
				d.files[name] = []byte(name)
			}
		}
		got, err := ReadFiles(d.readFile, tt.weights)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if want := append(slices.Clone(tt.want), tokenizerFiles...); !slices.Equal(d.read, want) {
			t.Errorf("%s: read %v, want %v", tt.name, d.read, want)
		}
		for name, b := range got {
			if !bytes.Equal(b, d.files[name]) {
				t.Errorf("%s: %s read wrong", tt.name, name)
			}
		}
		if want := setOfRead(tt.files, d.read); !slices.Equal(slices.Sorted(maps.Keys(got)), want) {
			t.Errorf("%s: files %v, want %v", tt.name, slices.Sorted(maps.Keys(got)), want)
		}
	}

	for _, tc := range []struct {
		name  string
		files map[string][]byte
		is    error
		want  []string
	}{
		{"no config", map[string][]byte{"model.safetensors": nil}, ErrNoConfig, []string{"no config.json", "open config.json"}},
		{"no weights", map[string][]byte{"config.json": nil, "vocab.txt": nil}, ErrNoWeights,
			[]string{"no weights: none of model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json"}},
		{"missing shard", map[string][]byte{"config.json": nil, "model.safetensors.index.json": sharded["model.safetensors.index.json"]}, fs.ErrNotExist,
			[]string{"model.safetensors.index.json lists the shard model-00001-of-00002.safetensors, which is missing"}},
		{"bad index", map[string][]byte{"config.json": nil, "pytorch_model.bin.index.json": []byte(`{"weight_map": {"w": ".x"}}`)}, nil,
			[]string{"pytorch_model.bin.index.json", `the shard ".x" of weight "w"`}},
	} {
		d := &dirFiles{files: tc.files}
		_, err := ReadFiles(d.readFile, true)
		assertErrorMentions(t, tc.name, err, append(tc.want, "checkpoint: ")...)
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: error %v is not %v", tc.name, err, tc.is)
		}
	}
	_, err := ReadFiles(func(string) ([]byte, error) { return nil, fs.ErrPermission }, true)
	assertErrorMentions(t, "unreadable", err, "permission denied")
}

// TestShardFiles lists the shards of an index, and refuses an index whose shards are not weight files
// beside it.
func TestShardFiles(t *testing.T) {
	got, err := ShardFiles([]byte(`{"metadata": {"total_size": 12}, "weight_map": {"b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}`))
	if err != nil || !slices.Equal(got, []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
		t.Errorf("ShardFiles = %v, %v", got, err)
	}
	for _, tc := range []struct{ index, want string }{
		{`not json`, "not an index of shards"},
		{`{"metadata": {}}`, "no weight_map"},
		{`{"weight_map": {}}`, "no weight_map"},
		{`{"weight_map": {"w": 3}}`, "not an index of shards"},
		{`{"weight_map": {"w": "a", "w": "b"}}`, `"w" appears twice`},
		{`{"weight_map": {"w": "../../../etc/passwd"}}`, `the shard "../../../etc/passwd" of weight "w"`},
		{`{"weight_map": {"w": "sub/model.safetensors"}}`, "not the name of a weight file"},
		{`{"weight_map": {"w": "a\\b.bin"}}`, "not the name of a weight file"},
		{`{"weight_map": {"w": ".hidden"}}`, "not the name of a weight file"},
		{`{"weight_map": {"w": ""}}`, "not the name of a weight file"},
		{`{"weight_map": {"w": "a\nb"}}`, "not the name of a weight file"},
		{`{"weight_map": {"w": "model.safetensors.index.json"}}`, "not the name of a weight file"},
	} {
		if _, err := ShardFiles([]byte(tc.index)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ShardFiles(%s): error %v, want one saying %q", tc.index, err, tc.want)
		}
	}
}

// setOfRead lists, sorted, the names of files that were both present and read.
func setOfRead(present, read []string) []string {
	var out []string
	for _, name := range read {
		if slices.Contains(present, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
