package main

import (
	"bytes"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
	"bertology/core/rollout"
	"bertology/core/tensor"
)

// goldenRun is the inputs and forward outputs of a golden file.
type goldenRun struct {
	Inputs  map[string]*golden.Tensor `json:"inputs"`
	Forward goldenForward             `json:"forward"`
	Pruned  goldenForward             `json:"pruned"` // after prune_heads({0: [1], 2: [0, 3]})
}

// goldenKept are the heads of the golden pruned models (3 layers of 4 heads, {0: [1], 2: [0, 3]}
// pruned), by layer.
var goldenKept = [][]int{{0, 2, 3}, {0, 1, 2, 3}, {1, 2}}

func loadGoldenRun(t *testing.T, arch string) *goldenRun {
	t.Helper()
	var g goldenRun
	golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
	return &g
}

// mask returns sequence b's attention mask.
func (g *goldenRun) mask(b int) []int {
	m := g.Inputs["attention_mask"]
	S := m.Shape[1]
	return m.Ints()[b*S : (b+1)*S]
}

// realIDs returns sequence b's input ids at its real tokens.
func (g *goldenRun) realIDs(b int) []int {
	ids := g.Inputs["input_ids"]
	S := ids.Shape[1]
	var out []int
	for t, m := range g.mask(b) {
		if m == 1 {
			out = append(out, ids.Ints()[b*S+t])
		}
	}
	return out
}

// attention returns Hugging Face's attentions of sequence b over its real tokens.
func (g *goldenRun) attention(t *testing.T, b int) *rollout.Attention {
	t.Helper()
	var layers []*tensor.Tensor
	for _, a := range g.Forward.Attentions {
		layers = append(layers, tensor.FromData(a.F32(), a.Shape...))
	}
	a, err := rollout.Crop(layers, b, g.mask(b))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// prunedAttention returns Hugging Face's attentions of sequence b through the pruned model, over its
// real tokens, with the heads by their original numbers.
func (g *goldenRun) prunedAttention(t *testing.T, b int) *rollout.Attention {
	t.Helper()
	var layers []*tensor.Tensor
	for _, a := range g.Pruned.Attentions {
		layers = append(layers, tensor.FromData(a.F32(), a.Shape...))
	}
	a, err := rollout.Crop(layers, b, g.mask(b))
	if err != nil {
		t.Fatal(err)
	}
	a.Heads, a.Kept = 4, goldenKept
	return a
}

// assertNpy checks that an .npy file holds the given shape and values (NaN where the JSON has null).
func assertNpy(t *testing.T, path string, want *golden.Tensor) {
	t.Helper()
	shape, data := readNpy(t, path)
	if !slices.Equal(shape, want.Shape) {
		t.Fatalf("%s: shape %v, want %v", path, shape, want.Shape)
	}
	for i, v := range data {
		if math.IsNaN(float64(v)) {
			continue // null in the JSON, decoded as 0
		}
		if float64(v) != float64(float32(want.Data[i])) {
			t.Fatalf("%s: value %d is %v, the JSON has %v", path, i, v, want.Data[i])
		}
	}
}

func TestReadExamples(t *testing.T) {
	dev := golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv")
	for _, tc := range []struct {
		name, task string
		subset     int
		want       int
	}{
		{"detected", "", 0, 12},
		{"named", "sst-2", 0, 12},
		{"subset", "", 5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task, examples, err := readExamples(dev, tc.task, tc.subset)
			if err != nil {
				t.Fatal(err)
			}
			if task.Name != "sst-2" || len(examples) != tc.want {
				t.Fatalf("%s with %d examples, want sst-2 with %d", task.Name, len(examples), tc.want)
			}
			if examples[0].TextA != "the quick brown fox" || examples[0].Label != 1 {
				t.Errorf("first example %+v", examples[0])
			}
		})
	}
	empty := filepath.Join(t.TempDir(), "empty.tsv")
	if err := os.WriteFile(empty, []byte("sentence\tlabel\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readExamples(empty, "sst-2", 0); err == nil || !strings.Contains(err.Error(), "no examples") {
		t.Errorf("header only: error %v", err)
	}
	if _, _, err := readExamples(dev, "nope", 0); err == nil {
		t.Errorf("unknown task: no error")
	}
}

func TestMatrixPath(t *testing.T) {
	for in, want := range map[string]string{"out/x.json": "out/x.rollout.npy", "x": "x.rollout.npy"} {
		if got := matrixPath(in, "rollout"); got != want {
			t.Errorf("matrixPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDataSetPassesWorkers runs probe (sentences and tags) and attn-stats on one goroutine and on three:
// the files they write are the same, byte for byte.
func TestDataSetPassesWorkers(t *testing.T) {
	dir := t.TempDir()
	tags := filepath.Join(dir, "tags.txt")
	if err := os.WriteFile(tags, []byte("the\tDET\nquick\tADJ\nfox\tNOUN\n\nhello\tINTJ\nworld\tNOUN\n!\tPUNCT\n\nthis\tDET\nmovie\tNOUN\nis\tVERB\ngreat\tADJ\n\nthe\tDET\ndog\tNOUN\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sst2 := golden.Path(t, "run_bertology", "data", "SST-2", "dev.tsv")
	modelDir := golden.Path(t, "bert", "model")
	for _, tt := range []struct {
		name string
		run  func(args []string, stderr io.Writer) error
		args []string
	}{
		{"probe", runProbe, []string{"--model", modelDir, "--data", sst2, "--pool", "mean"}},
		{"probe --tags", runProbe, []string{"--model", modelDir, "--data", tags, "--tags", "--held-out", "0.25"}},
		{"attn-stats", runAttnStats, []string{"--model", modelDir, "--data", sst2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var files [2]map[string][]byte
			for i, workers := range []string{"1", "3"} {
				out := filepath.Join(dir, workers, "out.json")
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := tt.run(append(tt.args, "--batch-size", "2", "--workers", workers, "--out", out), io.Discard); err != nil {
					t.Fatal(err)
				}
				entries, err := os.ReadDir(filepath.Dir(out))
				if err != nil {
					t.Fatal(err)
				}
				files[i] = map[string][]byte{}
				for _, e := range entries {
					b, err := os.ReadFile(filepath.Join(filepath.Dir(out), e.Name()))
					if err != nil {
						t.Fatal(err)
					}
					files[i][e.Name()] = b
				}
				if err := os.RemoveAll(filepath.Dir(out)); err != nil {
					t.Fatal(err)
				}
			}
			if len(files[0]) == 0 || !maps.EqualFunc(files[0], files[1], bytes.Equal) {
				t.Errorf("one worker wrote %d files, three %d, not the same", len(files[0]), len(files[1]))
			}
		})
	}
}
