package checkpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
	"bertology/core/progress"
	"bertology/core/tensor"
)

// goldenArchs are the tiny models under testdata/golden; each has a model/ and a pruned_model/ directory.
var goldenArchs = []string{"bert", "bert-mlm", "distilbert", "gpt2", "openai-gpt"}

var goldenDirs = []string{"model", "pruned_model"}

// goldenWeights is what Hugging Face recorded about a directory's weight files.
type goldenWeights struct {
	HeaderLen int               `json:"safetensors_header_len"`
	Metadata  map[string]string `json:"safetensors_metadata"`
	Tensors   map[string]struct {
		DType string `json:"dtype"`
		Shape []int  `json:"shape"`
	} `json:"safetensors_tensors"`
	BinKeys []string `json:"pytorch_model_bin_keys"`
}

// goldenWeightsCache holds the records by arch and directory: the golden files are large to decode.
var goldenWeightsCache = map[[2]string]goldenWeights{}

// goldenWeightsOf returns the record for arch's model/ or pruned_model/.
func goldenWeightsOf(t *testing.T, arch, dir string) goldenWeights {
	t.Helper()
	if w, ok := goldenWeightsCache[[2]string{arch, dir}]; ok {
		return w
	}
	var g struct {
		Meta   struct{ Weights goldenWeights } `json:"meta"`
		Pruned struct{ Weights goldenWeights } `json:"pruned"`
	}
	golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
	goldenWeightsCache[[2]string{arch, "model"}] = g.Meta.Weights
	goldenWeightsCache[[2]string{arch, "pruned_model"}] = g.Pruned.Weights
	return goldenWeightsCache[[2]string{arch, dir}]
}

func readGolden(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(golden.Path(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// assertSameTensors fails unless got and want hold the same names, shapes and bit-identical values.
func assertSameTensors(t *testing.T, what string, got, want map[string]*tensor.Tensor) {
	t.Helper()
	if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
		t.Fatalf("%s: tensors %v, want %v", what, g, w)
	}
	for name, w := range want {
		assertSameTensor(t, what+": "+name, got[name], w)
	}
}

func assertSameTensor(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !slices.Equal(got.Shape, want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape, want.Shape)
		return
	}
	for i := range want.Data {
		if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
			t.Errorf("%s: element %d is %v, want %v", what, i, got.Data[i], want.Data[i])
			return
		}
	}
}

func TestLoadDirGolden(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range goldenDirs {
			ck, err := LoadDir(golden.Path(t, arch, dir))
			if err != nil {
				t.Fatal(err)
			}
			want := goldenWeightsOf(t, arch, dir)
			if got := slices.Sorted(maps.Keys(ck.Weights)); !slices.Equal(got, slices.Sorted(maps.Keys(want.Tensors))) {
				t.Errorf("%s/%s: weights %v, want the safetensors names %v", arch, dir, got, slices.Sorted(maps.Keys(want.Tensors)))
			}
			for name, w := range want.Tensors {
				if ck.DTypes[name] != w.DType {
					t.Errorf("%s/%s: %s has dtype %q, want %q", arch, dir, name, ck.DTypes[name], w.DType)
				}
			}
			for _, f := range []string{"config.json", "model.safetensors", "pytorch_model.bin"} {
				if _, ok := ck.Files[f]; ok {
					t.Errorf("%s/%s: %s is left among the other files", arch, dir, f)
				}
			}
			if _, ok := ck.Files["tokenizer_config.json"]; !ok {
				t.Errorf("%s/%s: tokenizer_config.json is missing from the other files", arch, dir)
			}
		}
	}
}

// TestLoadFilesBinOnly loads each golden directory without its model.safetensors: the weights come from
// pytorch_model.bin, with the tied copies the .bin also holds.
func TestLoadFilesBinOnly(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range goldenDirs {
			files := map[string][]byte{
				"config.json":       readGolden(t, arch, dir, "config.json"),
				"pytorch_model.bin": readGolden(t, arch, dir, "pytorch_model.bin"),
			}
			ck, err := LoadFiles(files)
			if err != nil {
				t.Fatalf("%s/%s: %v", arch, dir, err)
			}
			if got, want := slices.Sorted(maps.Keys(ck.Weights)), goldenWeightsOf(t, arch, dir).BinKeys; !slices.Equal(got, want) {
				t.Errorf("%s/%s: weights %v, want %v", arch, dir, got, want)
			}
			for name, dt := range ck.DTypes {
				if dt != "F32" {
					t.Errorf("%s/%s: %s is stored as %s, want F32 (torch.FloatStorage)", arch, dir, name, dt)
				}
			}
		}
	}
}

// TestLoadContext checks that loading reports each tensor as it goes and stops between two tensors once
// its context is cancelled, from either weight file.
func TestLoadContext(t *testing.T) {
	for _, weights := range []string{"model.safetensors", "pytorch_model.bin"} {
		files := map[string][]byte{
			"config.json": readGolden(t, "bert", "model", "config.json"),
			weights:       readGolden(t, "bert", "model", weights),
		}
		var reports []progress.Report
		ck, err := LoadContext(context.Background(), "", files, func(r progress.Report) { reports = append(reports, r) })
		if err != nil {
			t.Fatal(err)
		}
		total := len(reports) - 1
		if total < 10 || reports[0] != (progress.Report{Phase: "reading weights", Total: total}) ||
			reports[total] != (progress.Report{Phase: "reading weights", Done: total, Total: total}) {
			t.Errorf("%s: reports %v, want reading weights 0 to %d of %d", weights, reports, total, total)
		}
		if len(ck.Weights) < total {
			t.Errorf("%s: %d weights from %d reports", weights, len(ck.Weights), total)
		}

		ctx, cancel := context.WithCancel(context.Background())
		reports = nil
		ck, err = LoadContext(ctx, "", files, func(r progress.Report) {
			reports = append(reports, r)
			if r.Done == 2 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) || ck != nil {
			t.Errorf("%s: cancelled after 2 tensors: %v, %v", weights, ck, err)
		}
		if len(reports) != 3 {
			t.Errorf("%s: %d reports after the cancel at the third, want it to stop there", weights, len(reports))
		}
	}
}

func TestLoadFilesErrors(t *testing.T) {
	config := readGolden(t, "bert", "model", "config.json")
	weights := readGolden(t, "bert", "model", "model.safetensors")
	tests := []struct {
		name  string
		files map[string][]byte
		want  []string
	}{
		{"no config", map[string][]byte{"model.safetensors": weights, "vocab.txt": nil}, []string{"no config.json", "model.safetensors", "vocab.txt"}},
		{"no files", map[string][]byte{}, []string{"no config.json", "none given"}},
		{"no weights", map[string][]byte{"config.json": config}, []string{"no weights", "model.safetensors or pytorch_model.bin", "config.json"}},
		{"bad config", map[string][]byte{"config.json": []byte(`{"model_type": "t5"}`), "model.safetensors": weights}, []string{"config.json", `"t5"`}},
		{"bad safetensors", map[string][]byte{"config.json": config, "model.safetensors": weights[:100]}, []string{"model.safetensors", "header length"}},
		{"bad bin", map[string][]byte{"config.json": config, "pytorch_model.bin": []byte("nope")}, []string{"pytorch_model.bin", "not a zip"}},
	}
	for _, tt := range tests {
		_, err := LoadFiles(tt.files)
		assertErrorMentions(t, tt.name, err, tt.want...)
	}
}

// TestMaxWeightBytes lowers the limit below what the golden bert's weights take as float32 (about 140 kB).
func TestMaxWeightBytes(t *testing.T) {
	defer func(old int64) { MaxWeightBytes = old }(MaxWeightBytes)
	MaxWeightBytes = 100000
	config := readGolden(t, "bert", "model", "config.json")
	for _, f := range []string{"model.safetensors", "pytorch_model.bin"} {
		_, err := LoadFiles(map[string][]byte{"config.json": config, f: readGolden(t, "bert", "model", f)})
		assertErrorMentions(t, f, err, f, "MaxWeightBytes", "100000")
	}
	MaxWeightBytes = 200000
	if _, err := LoadDir(golden.Path(t, "bert", "model")); err != nil {
		t.Errorf("bert fits in 200000 bytes: %v", err)
	}
}

// TestSaveDirRoundTrip exports each golden pruned model and checks that the files are the ones
// Hugging Face wrote (F32) and that every dtype loads back as the rounding of the weights.
func TestSaveDirRoundTrip(t *testing.T) {
	for _, arch := range goldenArchs {
		ck, err := LoadDir(golden.Path(t, arch, "pruned_model"))
		if err != nil {
			t.Fatal(err)
		}
		for _, dtype := range []string{"F32", "F16", "BF16"} {
			dir := filepath.Join(t.TempDir(), "export")
			if err := SaveDir(dir, ck, dtype); err != nil {
				t.Fatal(err)
			}
			back, err := LoadDir(dir)
			if err != nil {
				t.Fatalf("%s %s: %v", arch, dtype, err)
			}
			if dtype == "F32" {
				for _, f := range []string{"config.json", "model.safetensors"} {
					got, _ := os.ReadFile(filepath.Join(dir, f))
					if !bytes.Equal(got, readGolden(t, arch, "pruned_model", f)) {
						t.Errorf("%s: exported %s differs from the one transformers wrote", arch, f)
					}
				}
			}
			if !mapsEqualBytes(back.Files, ck.Files) {
				t.Errorf("%s %s: the other files changed: %v, want %v", arch, dtype, slices.Sorted(maps.Keys(back.Files)), slices.Sorted(maps.Keys(ck.Files)))
			}
			want := map[string]*tensor.Tensor{}
			for name, w := range ck.Weights {
				want[name] = roundTo(dtype, w)
				if back.DTypes[name] != dtype {
					t.Errorf("%s %s: %s reads back as %s", arch, dtype, name, back.DTypes[name])
				}
			}
			assertSameTensors(t, arch+" "+dtype, back.Weights, want)
			if got := back.Config.PrunedHeads; len(got) != 2 || !slices.Equal(got[0], []int{1}) || !slices.Equal(got[2], []int{0, 3}) {
				t.Errorf("%s %s: pruned heads %v after the round trip", arch, dtype, got)
			}
			if got, want := string(back.Config.Raw["torch_dtype"]), `"`+torchDTypes[dtype]+`"`; got != want {
				t.Errorf("%s %s: torch_dtype %s, want %s", arch, dtype, got, want)
			}
		}
	}
}

func TestFilesErrors(t *testing.T) {
	ck := &Checkpoint{Config: &Config{}, Weights: map[string]*tensor.Tensor{"w": {Shape: []int{2}, Data: []float32{1}}}}
	_, err := Files(ck, "F8")
	assertErrorMentions(t, "dtype", err, `"F8"`)
	_, err = Files(ck, "F32")
	assertErrorMentions(t, "bad tensor", err, "model.safetensors", `"w"`, "shape [2]")

	dir := t.TempDir()
	for _, name := range []string{"../escape.txt", "sub/vocab.txt", `sub\vocab.txt`, ".."} {
		ck := &Checkpoint{Config: &Config{}, Weights: map[string]*tensor.Tensor{}, Files: map[string][]byte{name: []byte("x")}}
		err := SaveDir(filepath.Join(dir, "out"), ck, "F32")
		assertErrorMentions(t, name, err, fmt.Sprintf("%q", name), "not a plain file name")
	}
	if _, err := os.Stat(filepath.Join(dir, "escape.txt")); err == nil {
		t.Errorf("SaveDir wrote outside its directory")
	}
}

// roundTo is what a weight becomes after a trip through dtype.
func roundTo(dtype string, w *tensor.Tensor) *tensor.Tensor {
	out := w.Clone()
	for i, v := range out.Data {
		switch dtype {
		case "F16":
			out.Data[i] = Float16ToFloat32(Float32ToFloat16(v))
		case "BF16":
			out.Data[i] = BFloat16ToFloat32(Float32ToBFloat16(v))
		}
	}
	return out
}

func mapsEqualBytes(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// assertErrorMentions fails unless err is non-nil and its message contains every one of parts.
func assertErrorMentions(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one mentioning %q", what, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not mention %q", what, err, p)
		}
	}
}
