package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
)

// TestImportanceCommand runs `bertology importance` on every golden model in script mode, all in one
// batch and one sequence per batch, and compares every normalisation variant.
func TestImportanceCommand(t *testing.T) {
	for _, arch := range []string{"bert", "distilbert", "gpt2"} {
		for _, c := range []struct {
			run       string
			batchSize string
		}{{"full_batch", "0"}, {"batch_size_1", "1"}} {
			t.Run(arch+"/"+c.run, func(t *testing.T) {
				goldenPath := golden.Path(t, arch, "golden_float32.json")
				out := filepath.Join(t.TempDir(), "imp.json")
				err := runImportance([]string{"--model", golden.Path(t, arch, "model"), "--inputs", goldenPath,
					"--out", out, "--batch-size", c.batchSize, "--mode", "script"})
				if err != nil {
					t.Fatal(err)
				}
				var want struct {
					Bertology map[string]struct {
						TotTokens float64 `json:"tot_tokens"`
						Variants  map[string]struct {
							HeadImportance *golden.Tensor `json:"head_importance"`
							AttnEntropy    *golden.Tensor `json:"attn_entropy"`
						} `json:"variants"`
					} `json:"bertology"`
				}
				golden.Decode(t, goldenPath, &want)
				var mine struct {
					TotTokens float64 `json:"tot_tokens"`
					Variants  map[string]struct {
						HeadImportance *golden.Tensor `json:"head_importance"`
						AttnEntropy    *golden.Tensor `json:"attn_entropy"`
					} `json:"variants"`
				}
				golden.Decode(t, out, &mine)
				ref := want.Bertology[c.run]
				if mine.TotTokens != ref.TotTokens {
					t.Errorf("tot_tokens %v, want %v", mine.TotTokens, ref.TotTokens)
				}
				for name, v := range ref.Variants {
					golden.AssertClose(t, name+" importance", mine.Variants[name].HeadImportance.F32(), v.HeadImportance, 1e-5)
					golden.AssertClose(t, name+" entropy", mine.Variants[name].AttnEntropy.F32(), v.AttnEntropy, 1e-5)
				}
			})
		}
	}
}

// TestPruneCommand prunes the tiny BERT as transformers did and compares the saved weights.
func TestPruneCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pruned")
	err := runPrune([]string{"--model", golden.Path(t, "bert", "model"), "--heads", `{"0":[1],"2":[0,3]}`, "--out", out})
	if err != nil {
		t.Fatal(err)
	}
	got, err := checkpoint.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := checkpoint.LoadDir(golden.Path(t, "bert", "pruned_model"))
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range want.Weights {
		g := got.Weights[name]
		if g == nil || !g.SameShape(w) {
			t.Fatalf("%s: got %v, want shape %v", name, g, w.Shape)
		}
		for i := range w.Data {
			if g.Data[i] != w.Data[i] {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g.Data[i], w.Data[i])
			}
		}
	}
	cfg, err := os.ReadFile(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), `"pruned_heads"`) {
		t.Errorf("config.json has no pruned_heads:\n%s", cfg)
	}
	if err := runPrune([]string{"--model", golden.Path(t, "bert", "model"), "--heads", `{"x":[1]}`, "--out", out}); err == nil {
		t.Error("a non-numeric layer was accepted")
	}
}
