package checkpoint_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/tensor"
)

// These tests write each golden model in the layouts real checkpoints come in, load it as a model
// directory and run it: it must compute what transformers computed, the golden logits and hidden
// states at 1e-5 (at what their rounding allows for fp16 and bf16 weights).

var goldenArchs = []string{"bert", "bert-mlm", "distilbert", "gpt2", "openai-gpt"}

// tolerance is the float32 parity the project promises with Hugging Face.
const tolerance = 1e-5

// goldenRun is what a golden file recorded of the plain forward pass.
type goldenRun struct {
	Inputs  map[string]*golden.Tensor `json:"inputs"`
	Forward struct {
		Logits       *golden.Tensor   `json:"logits"`
		HiddenStates []*golden.Tensor `json:"hidden_states"`
	} `json:"forward"`
}

var goldenRuns = map[string]*goldenRun{}

func goldenRunOf(t *testing.T, arch string) *goldenRun {
	t.Helper()
	if g, ok := goldenRuns[arch]; ok {
		return g
	}
	g := &goldenRun{}
	golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), g)
	goldenRuns[arch] = g
	return g
}

// assertComputesGolden runs ck on the golden inputs of arch and compares the logits and hidden states
// with transformers' within tol; it returns the largest difference.
func assertComputesGolden(t *testing.T, ck *checkpoint.Checkpoint, arch string, tol float64) float64 {
	t.Helper()
	g := goldenRunOf(t, arch)
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	ids := g.Inputs["input_ids"]
	b := &model.Batch{Size: ids.Shape[0], SeqLen: ids.Shape[1], InputIDs: ids.Ints(), AttentionMask: g.Inputs["attention_mask"].Ints()}
	if tt := g.Inputs["token_type_ids"]; tt != nil {
		b.TokenTypeIDs = tt.Ints()
	}
	out, err := m.Forward(b, model.Options{HiddenStates: true})
	if err != nil {
		t.Fatal(err)
	}
	worst := maxDiff(out.Logits.Data, g.Forward.Logits)
	golden.AssertClose(t, "logits", out.Logits.Data, g.Forward.Logits, tol)
	if len(out.HiddenStates) != len(g.Forward.HiddenStates) {
		t.Fatalf("%d hidden states, want %d", len(out.HiddenStates), len(g.Forward.HiddenStates))
	}
	for i, h := range g.Forward.HiddenStates {
		golden.AssertClose(t, fmt.Sprintf("hidden state %d", i), out.HiddenStates[i].Data, h, tol)
		worst = max(worst, maxDiff(out.HiddenStates[i].Data, h))
	}
	return worst
}

func maxDiff(got []float32, want *golden.Tensor) float64 {
	worst := 0.0
	for i, g := range got {
		worst = max(worst, math.Abs(float64(g)-want.Data[i]))
	}
	return worst
}

// goldenFiles reads the files of a golden model directory other than its weights.
func goldenFiles(t *testing.T, arch string) map[string][]byte {
	t.Helper()
	dir := golden.Path(t, arch, "model")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if name := e.Name(); name != "model.safetensors" && name != "pytorch_model.bin" {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			files[name] = b
		}
	}
	return files
}

// goldenWeights reads a golden model's weights from one of its weight files: model.safetensors (tied
// weights once) or pytorch_model.bin (tied weights twice).
func goldenWeights(t *testing.T, arch, file string) map[string]*tensor.Tensor {
	t.Helper()
	b, err := os.ReadFile(golden.Path(t, arch, "model", file))
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]*tensor.Tensor
	if file == "model.safetensors" {
		w, _, err = checkpoint.ReadSafetensors(b)
	} else {
		w, err = checkpoint.ReadPytorchBin(b)
	}
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// writeDir writes files into a new directory dir/name and returns its path.
func writeDir(t *testing.T, name string, files map[string][]byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// withoutKeys rewrites a config.json without the given keys.
func withoutKeys(t *testing.T, config []byte, keys ...string) []byte {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(config, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		delete(raw, k)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tensorFlowNames renames every LayerNorm parameter as checkpoints converted from TensorFlow name them:
// gamma for weight, beta for bias.
func tensorFlowNames(w map[string]*tensor.Tensor) map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	for name, x := range w {
		if strings.Contains(name, "LayerNorm.") || strings.Contains(name, "layer_norm.") || strings.Contains(name, ".ln_") {
			name = strings.Replace(strings.Replace(name, ".weight", ".gamma", 1), ".bias", ".beta", 1)
		}
		out[name] = x
	}
	return out
}

// TestLayoutsComputeGolden loads each golden model in each layout from a directory and compares its
// outputs with transformers'.
func TestLayoutsComputeGolden(t *testing.T) {
	layouts := []struct {
		name string
		// files returns the directory's files; dir is the directory's name (the model type is in it).
		files func(t *testing.T, arch string) map[string][]byte
		dir   string
		// from is the file the weights must come from.
		from string
	}{
		{"legacy pytorch_model.bin", func(t *testing.T, arch string) map[string][]byte {
			files := goldenFiles(t, arch)
			files["pytorch_model.bin"] = checkpoint.TorchBin(t, goldenWeights(t, arch, "pytorch_model.bin"), "F32", true)
			return files
		}, "model", "pytorch_model.bin"},
		{"LayerNorm gamma and beta", func(t *testing.T, arch string) map[string][]byte {
			files := goldenFiles(t, arch)
			files["pytorch_model.bin"] = checkpoint.TorchBin(t, tensorFlowNames(goldenWeights(t, arch, "pytorch_model.bin")), "F32", false)
			return files
		}, "model", "pytorch_model.bin"},
		{"no model_type: architectures", func(t *testing.T, arch string) map[string][]byte {
			files := goldenFiles(t, arch)
			files["config.json"] = withoutKeys(t, files["config.json"], "model_type")
			files["model.safetensors"], _ = os.ReadFile(golden.Path(t, arch, "model", "model.safetensors"))
			return files
		}, "model", "model.safetensors"},
		{"no model_type: directory name", func(t *testing.T, arch string) map[string][]byte {
			files := goldenFiles(t, arch)
			files["config.json"] = withoutKeys(t, files["config.json"], "model_type", "architectures")
			files["pytorch_model.bin"], _ = os.ReadFile(golden.Path(t, arch, "model", "pytorch_model.bin"))
			return files
		}, "{arch}-tiny", "pytorch_model.bin"},
		{"sharded safetensors", func(t *testing.T, arch string) map[string][]byte {
			files := goldenFiles(t, arch)
			maps.Copy(files, checkpoint.WriteShards(t, goldenWeights(t, arch, "model.safetensors"), "model.safetensors", 3))
			return files
		}, "model", "model.safetensors.index.json"},
		{"sharded pytorch_model.bin", func(t *testing.T, arch string) map[string][]byte {
			files := goldenFiles(t, arch)
			maps.Copy(files, checkpoint.WriteShards(t, goldenWeights(t, arch, "pytorch_model.bin"), "pytorch_model.bin", 3))
			return files
		}, "model", "pytorch_model.bin.index.json"},
		// A checkpoint as many of 2019 are: legacy .bin, TensorFlow's LayerNorm names, and a config
		// converted from Google's, with neither model_type nor architectures.
		{"2019 checkpoint", func(t *testing.T, arch string) map[string][]byte {
			files := goldenFiles(t, arch)
			files["config.json"] = withoutKeys(t, files["config.json"], "model_type", "architectures", "transformers_version", "torch_dtype")
			files["pytorch_model.bin"] = checkpoint.TorchBin(t, tensorFlowNames(goldenWeights(t, arch, "pytorch_model.bin")), "F32", true)
			return files
		}, "{arch}-uncased", "pytorch_model.bin"},
	}
	for _, arch := range goldenArchs {
		for _, l := range layouts {
			t.Run(arch+"/"+l.name, func(t *testing.T) {
				dir := writeDir(t, strings.ReplaceAll(l.dir, "{arch}", arch), l.files(t, arch))
				ck, err := checkpoint.LoadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				if ck.WeightsFrom != l.from {
					t.Errorf("weights from %q, want %q", ck.WeightsFrom, l.from)
				}
				assertComputesGolden(t, ck, arch, tolerance)
			})
		}
	}
}

// halfTolerance is how far a model with weights rounded to each half-precision type may compute from
// the float32 golden outputs: the largest difference over the golden models' logits and hidden states
// (measured: F16 5.1e-3, BF16 5.2e-2; their mantissas have 11 and 8 bits), with a margin of 2.
var halfTolerance = map[string]float64{"F16": 1e-2, "BF16": 1e-1}

// TestHalfPrecisionWeights loads each golden model from fp16 and bf16 weights, in model.safetensors and
// in pytorch_model.bin (Half and BFloat16 storages, zip and legacy format): the weights must be the
// golden ones rounded to the type, bit for bit, as transformers widens them to its float32 model, and
// the outputs the golden ones within what the rounding allows (halfTolerance).
func TestHalfPrecisionWeights(t *testing.T) {
	round := map[string]func(float32) float32{
		"F16":  func(v float32) float32 { return checkpoint.Float16ToFloat32(checkpoint.Float32ToFloat16(v)) },
		"BF16": func(v float32) float32 { return checkpoint.BFloat16ToFloat32(checkpoint.Float32ToBFloat16(v)) },
	}
	for _, dtype := range []string{"F16", "BF16"} {
		worst := 0.0
		for _, arch := range goldenArchs {
			st := goldenWeights(t, arch, "model.safetensors")
			bin := goldenWeights(t, arch, "pytorch_model.bin")
			var safetensors bytes.Buffer
			if err := checkpoint.WriteSafetensors(&safetensors, st, dtype, map[string]string{"format": "pt"}); err != nil {
				t.Fatal(err)
			}
			for _, l := range []struct {
				file    string
				data    []byte
				weights map[string]*tensor.Tensor
			}{
				{"model.safetensors", safetensors.Bytes(), st},
				{"pytorch_model.bin", checkpoint.TorchBin(t, bin, dtype, false), bin},
				{"pytorch_model.bin", checkpoint.TorchBin(t, bin, dtype, true), bin},
			} {
				files := goldenFiles(t, arch)
				files[l.file] = l.data
				ck, err := checkpoint.LoadFiles(files)
				if err != nil {
					t.Fatalf("%s %s %s: %v", arch, dtype, l.file, err)
				}
				for name, w := range l.weights {
					got := ck.Weights[name]
					if ck.DTypes[name] != dtype || got == nil || len(got.Data) != len(w.Data) {
						t.Fatalf("%s %s: %s is %v of %s", arch, l.file, name, got, ck.DTypes[name])
					}
					for i, v := range w.Data {
						if math.Float32bits(got.Data[i]) != math.Float32bits(round[dtype](v)) {
							t.Fatalf("%s %s: %s[%d] = %v, want %v rounded to %s", arch, l.file, name, i, got.Data[i], v, dtype)
						}
					}
				}
				t.Run(fmt.Sprintf("%s/%s/%s", dtype, arch, l.file), func(t *testing.T) {
					worst = max(worst, assertComputesGolden(t, ck, arch, halfTolerance[dtype]))
				})
			}
		}
		t.Logf("%s: largest difference from the float32 goldens %.3g (tolerance %g)", dtype, worst, halfTolerance[dtype])
	}
}
