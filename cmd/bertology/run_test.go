package main

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/f64"
	"bertology/core/glue"
	"bertology/core/golden"
	"bertology/core/npy"
	"bertology/core/tensor"
)

// TestRunMatchesScript runs `bertology run` as run_bertology.py was run for the goldens (the tiny BERT,
// a 12-row SST-2 file, max_seq_length 16) and compares the .npy files it writes.
func TestRunMatchesScript(t *testing.T) {
	base := runArgs{
		model: golden.Path(t, "bert", "model"), dataDir: golden.Path(t, "run_bertology", "data", "SST-2"),
		task: "sst-2", maxSeqLength: 16, dataSubset: -1, metric: "acc", mode: "script", amount: 0.1,
	}
	cases := []struct {
		run   string // golden run directory
		edit  func(a *runArgs)
		files []string
		ended string // the reason our loop stops, where the script's would not
	}{
		{"default", func(a *runArgs) { a.batchSize = 1 }, []string{"head_importance.npy", "attn_entropy.npy"}, ""},
		{"raw", func(a *runArgs) { a.batchSize, a.noLayerNorm, a.noGlobalNorm = 4, true, true }, []string{"head_importance.npy", "attn_entropy.npy"}, ""},
		{"patched_masking_t0.9", func(a *runArgs) { a.batchSize, a.tryMasking, a.threshold = 4, true, 0.9 }, []string{"head_mask.npy"}, ""},
		{"patched_masking_t0.75", func(a *runArgs) { a.batchSize, a.tryMasking, a.threshold = 4, true, 0.75 }, []string{"head_mask.npy"}, ""},
		{"patched_masking_t0.75_bs1", func(a *runArgs) { a.batchSize, a.tryMasking, a.threshold = 1, true, 0.75 }, []string{"head_mask.npy"}, ""},
		{"patched_masking_t0.5", func(a *runArgs) { a.batchSize, a.tryMasking, a.threshold = 4, true, 0.5 }, nil, "every head is masked"},
	}
	for _, c := range cases {
		t.Run(c.run, func(t *testing.T) {
			a := base
			c.edit(&a)
			a.outputDir = t.TempDir()
			var stdout, stderr bytes.Buffer
			if err := run(a, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stdout.String())
			}
			for _, name := range c.files {
				_, want := readNpy(t, golden.Path(t, "run_bertology", c.run, name))
				shape, got := readNpy(t, filepath.Join(a.outputDir, name))
				golden.AssertClose(t, name, got, &golden.Tensor{Shape: shape, Data: f64.FromFloat32(want)}, 1e-5)
			}
			if c.ended != "" && !strings.Contains(stdout.String(), c.ended) {
				t.Errorf("output does not say %q:\n%s", c.ended, stdout.String())
			}
			if a.tryMasking {
				for _, want := range []string{"Pruning: original num of params: 3.36e+04", "score with pruning"} {
					if !strings.Contains(stdout.String(), want) {
						t.Errorf("output lacks %q", want)
					}
				}
				if _, err := os.Stat(filepath.Join(a.outputDir, "pruned_model", "config.json")); err != nil {
					t.Errorf("pruned model not saved: %v", err)
				}
			}
		})
	}
}

func readNpy(t *testing.T, path string) ([]int, []float32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	shape, data, err := npy.Read(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return shape, data
}

// headModelDir saves the golden BERT as the Hugging Face class class, with the config keys of raw
// (JSON values) and the tensors of add, into a temporary model directory.
func headModelDir(t *testing.T, class string, raw map[string]string, add map[string]*tensor.Tensor) string {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, "bert", "model"))
	if err != nil {
		t.Fatal(err)
	}
	keys := maps.Clone(ck.Config.Raw)
	keys["architectures"] = json.RawMessage(`["` + class + `"]`)
	for k, v := range raw {
		keys[k] = json.RawMessage(v)
	}
	config, err := json.Marshal(keys)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Config, err = checkpoint.ParseConfig(config); err != nil {
		t.Fatal(err)
	}
	maps.Copy(ck.Weights, add)
	dir := t.TempDir()
	if err := checkpoint.SaveDir(dir, ck, "F32"); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sinWeights is a tensor of sin(i) weights.
func sinWeights(shape ...int) *tensor.Tensor {
	w := tensor.New(shape...)
	for i := range w.Data {
		w.Data[i] = float32(math.Sin(float64(i)))
	}
	return w
}

// tokenClassifierDir saves the golden BERT as a token classifier of the tags O, B-ANI and I-ANI (a
// made-up classifier) into a temporary model directory.
func tokenClassifierDir(t *testing.T) string {
	return headModelDir(t, "BertForTokenClassification",
		map[string]string{"num_labels": "3", "id2label": `{"0": "O", "1": "B-ANI", "2": "I-ANI"}`},
		map[string]*tensor.Tensor{"classifier.weight": sinWeights(3, 32), "classifier.bias": tensor.FromData([]float32{0.5, -0.2, 0.3}, 3)})
}

// TestRunNER runs importance, masking and pruning for a token classifier on a CoNLL-style file: the
// token-level loss drives importance, and word accuracy and entity F1 are reported.
func TestRunNER(t *testing.T) {
	data := filepath.Join(t.TempDir(), "dev.txt")
	conll := "-DOCSTART- -X- -X- O\n\nthe DT O\nquick JJ B-ANI\nfox NN I-ANI\n\njumping O\nover O\nthe O\nlazy B-ANI\ndog I-ANI\n\ndog B-ANI\n"
	if err := os.WriteFile(data, []byte(conll), 0o644); err != nil {
		t.Fatal(err)
	}
	a := runArgs{model: tokenClassifierDir(t), dataDir: filepath.Dir(data), task: "ner", outputDir: t.TempDir(),
		maxSeqLength: 16, batchSize: 2, dataSubset: -1, metric: "acc", mode: "paper", workers: 1,
		tryMasking: true, threshold: 0.9, amount: 0.1}
	var stdout, stderr bytes.Buffer
	if err := run(a, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	out := stdout.String()
	for _, want := range []string{"Head importance scores", "ner on 3 sentences: acc = ", "f1 = ", "Pruned model saved"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	shape, imp := readNpy(t, filepath.Join(a.outputDir, "head_importance.npy"))
	if !slices.Equal(shape, []int{3, 4}) || slices.Max(imp) != 1 {
		t.Errorf("head importance %v %v, want [3 4] normalised to a largest of 1", shape, imp)
	}
	a.task, a.dataDir = "sst-2", golden.Path(t, "run_bertology", "data", "SST-2")
	if err := run(a, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "needs a sequence classifier") {
		t.Errorf("SST-2 with a token classifier: error %v", err)
	}
}

// TestShippedSST2Classes: the shipped SST-2 classifier names its classes as SST-2's labels mean them,
// and they are right: read that way (class 1, "positive", is GLUE's label 1), it scores its measured
// dev accuracy; read the other way round it would score 1 minus that.
func TestShippedSST2Classes(t *testing.T) {
	root, err := golden.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "public", "models", "bert-tiny-sst2")
	task, err := glue.LookupTask("sst-2")
	if err != nil {
		t.Fatal(err)
	}
	ck, _, err := loadModel(modelSource{nameOrPath: dir}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := ck.Config.LabelNames(); !slices.Equal(got, task.Names) || !slices.Equal(got, []string{"negative", "positive"}) {
		t.Fatalf("%s names its classes %q, want SST-2's %q", dir, got, task.Names)
	}
	a := runArgs{model: dir, dataDir: golden.SharedPath(t, "data", "glue", "SST-2"), task: "sst-2", outputDir: t.TempDir(),
		maxSeqLength: 128, batchSize: 32, dataSubset: -1, metric: "acc", mode: "paper", workers: 2}
	var stdout bytes.Buffer
	if err := run(a, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "sst-2 on 872 examples: acc = 0.815367") {
		t.Errorf("the shipped model's dev accuracy is not the 0.815367 its card reports:\n%s", stdout.String())
	}
}
