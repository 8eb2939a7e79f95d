package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bertology/core/f64"
	"bertology/core/golden"
	"bertology/core/npy"
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
