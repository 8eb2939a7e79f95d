package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bertology/core/golden"
)

type saliencyJSON struct {
	Method       string    `json:"method"`
	Tokens       []string  `json:"tokens"`
	Logit        float64   `json:"logit"`
	Scores       []float64 `json:"scores"`
	Completeness []struct {
		Sum      float64 `json:"sum"`
		Target   float64 `json:"target"`
		RelError float64 `json:"rel_error"`
	} `json:"completeness"`
}

// TestSaliencyCommand runs every method on the golden BERT classifier and GPT-2: integrated gradients
// and attention attribution must add up to their completeness targets.
func TestSaliencyCommand(t *testing.T) {
	for _, arch := range []string{"bert", "gpt2"} {
		for _, method := range []string{"grad", "gradxinput", "ig", "attention"} {
			t.Run(arch+"/"+method, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "s.json")
				args := []string{"--model", golden.Path(t, arch, "model"), "--text", "the quick brown fox", "--method", method, "--out", out}
				if method == "attention" {
					args = append(args, "--steps", "256")
				}
				if err := runSaliency(args); err != nil {
					t.Fatal(err)
				}
				var got saliencyJSON
				golden.Decode(t, out, &got)
				want := len(got.Tokens)
				if method == "attention" {
					want = 3 * 4
				}
				if len(got.Scores) != want {
					t.Fatalf("%d scores, want %d", len(got.Scores), want)
				}
				if _, err := os.Stat(strings.TrimSuffix(out, ".json") + ".scores.npy"); err != nil {
					t.Error(err)
				}
				if method == "attention" {
					for l := range 3 {
						if _, err := os.Stat(strings.TrimSuffix(out, ".json") + fmt.Sprintf(".attention_layer%d.npy", l)); err != nil {
							t.Error(err)
						}
					}
				}
				if (method == "ig" || method == "attention") != (len(got.Completeness) > 0) {
					t.Errorf("%d completeness checks", len(got.Completeness))
				}
				for _, c := range got.Completeness {
					if c.Target == 0 && c.Sum == 0 {
						t.Errorf("empty completeness %+v", c)
					}
					if arch == "bert" && c.RelError > 0.01 || math.IsNaN(c.RelError) {
						t.Errorf("completeness %+v", c)
					}
				}
			})
		}
	}
	out := filepath.Join(t.TempDir(), "s.json")
	if err := runSaliency([]string{"--model", golden.Path(t, "bert", "model"), "--text", "the fox", "--method", "nope", "--out", out}); err == nil {
		t.Error("--method nope: no error")
	}
}

type patchJSON struct {
	CleanTokens     []string  `json:"clean_tokens"`
	CleanMetric     float64   `json:"clean_metric"`
	CorruptedMetric float64   `json:"corrupted_metric"`
	Layers          int       `json:"layers"`
	Residual        []float64 `json:"residual"`
	Heads           []float64 `json:"heads_map"`
}

func TestPatchCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.json")
	m := golden.Path(t, "bert", "model")
	if err := runPatch([]string{"--model", m, "--clean", "the quick brown fox", "--corrupted", "the lazy brown fox", "--out", out}); err != nil {
		t.Fatal(err)
	}
	var got patchJSON
	golden.Decode(t, out, &got)
	T := len(got.CleanTokens)
	if len(got.Residual) != (got.Layers+1)*T || len(got.Heads) != got.Layers*4 {
		t.Fatalf("maps of %d and %d cells for %d layers and %d tokens", len(got.Residual), len(got.Heads), got.Layers, T)
	}
	// The last block's output at [CLS], the row the classifier reads, carries the whole clean metric.
	if v := got.Residual[got.Layers*T]; math.Abs(v-1) > 1e-9 {
		t.Errorf("final residual stream at [CLS] patched: %v, want 1", v)
	}
	for _, name := range []string{"residual", "heads"} {
		if _, err := os.Stat(strings.TrimSuffix(out, ".json") + "." + name + ".npy"); err != nil {
			t.Error(err)
		}
	}
	err := runPatch([]string{"--model", m, "--clean", "the quick brown fox", "--corrupted", "the fox", "--out", out})
	if err == nil || !strings.Contains(err.Error(), "as long") {
		t.Errorf("texts of different lengths: %v", err)
	}
	if err := runPatch([]string{"--model", m, "--clean", "the fox", "--corrupted", "the dog", "--tokens", "a,b", "--out", out}); err == nil {
		t.Error("--tokens on a classifier: no error")
	}
}
