package main

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/f64"
	"bertology/core/golden"
)

type lensJSON struct {
	Objective    string    `json:"objective"`
	Tokens       []string  `json:"tokens"`
	IDs          []int     `json:"ids"`
	Targets      []int     `json:"targets"`
	TargetTokens []*string `json:"target_tokens"`
	Layers       []struct {
		Layer     int `json:"layer"`
		Positions []struct {
			Top []struct {
				Token string  `json:"token"`
				ID    int     `json:"id"`
				Prob  float64 `json:"prob"`
			} `json:"top"`
			TargetRank int      `json:"target_rank"`
			TargetProb *float64 `json:"target_prob"`
		} `json:"positions"`
	} `json:"layers"`
}

// TestLensCommand runs the lens on each language model's first golden sequence and expects, at the last
// layer, the probabilities of Hugging Face's logits.
func TestLensCommand(t *testing.T) {
	for _, tc := range []struct {
		arch, objective string
		args            []string
	}{
		{"gpt2", "next token", []string{"--text", "the quick brown fox jumps over the lazy dog."}},
		{"openai-gpt", "next token", []string{"--text", "the quick brown fox jumps over the lazy dog."}},
		{"bert-mlm", "masked token", []string{"--text", "the quick brown fox", "--pair", "jumps over the lazy dog", "--mask", "2, 7"}},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			g := loadGoldenRun(t, tc.arch)
			out := filepath.Join(t.TempDir(), "lens.json")
			const k = 3
			args := append([]string{"--model", golden.Path(t, tc.arch, "model"), "--top-k", "3", "--out", out}, tc.args...)
			if err := runLens(args); err != nil {
				t.Fatal(err)
			}
			var got lensJSON
			golden.Decode(t, out, &got)
			ids := g.realIDs(0)
			if !slices.Equal(got.IDs, ids) || got.Objective != tc.objective || len(got.Tokens) != len(ids) {
				t.Fatalf("%s over ids %v (%q), want %s over the golden's %v", got.Objective, got.IDs, got.Tokens, tc.objective, ids)
			}
			// The targets: the next token, or the golden's labels at the masked positions.
			labels := g.Inputs["labels"].Ints()
			for i, target := range got.Targets {
				want := -1
				switch {
				case tc.objective == "next token" && i+1 < len(ids):
					want = ids[i+1]
				case tc.objective == "masked token" && labels[i] != -100:
					want = labels[i]
				}
				if target != want || (want == -1) != (got.TargetTokens[i] == nil) {
					t.Fatalf("target %d is %d (%v), want %d", i, target, got.TargetTokens[i], want)
				}
			}
			if len(got.Layers) != 4 {
				t.Fatalf("%d layers, want 4 (embeddings and 3 blocks)", len(got.Layers))
			}
			V, T := g.Forward.Logits.Shape[2], len(ids)
			for i, p := range got.Layers[3].Positions {
				want := make([]float64, V)
				f64.Softmax(want, g.Forward.Logits.Data[i*V:(i+1)*V])
				if len(p.Top) != k {
					t.Fatalf("position %d: %d top tokens, want %d", i, len(p.Top), k)
				}
				for r, top := range p.Top {
					if math.Abs(top.Prob-want[top.ID]) > 1e-5 || (r > 0 && top.Prob > p.Top[r-1].Prob) {
						t.Fatalf("position %d top %d: token %d (%q) probability %v, Hugging Face's %v", i, r, top.ID, top.Token, top.Prob, want[top.ID])
					}
				}
				if target := got.Targets[i]; target >= 0 && (p.TargetProb == nil || math.Abs(*p.TargetProb-want[target]) > 1e-5 || p.TargetRank < 1) {
					t.Fatalf("position %d: target %d rank %d probability %v, Hugging Face's %v", i, target, p.TargetRank, p.TargetProb, want[target])
				}
			}
			shape, probs := readNpy(t, strings.TrimSuffix(out, ".json")+".target_prob.npy")
			if !slices.Equal(shape, []int{4, T}) {
				t.Fatalf("target_prob.npy of shape %v, want [4 %d]", shape, T)
			}
			for d, layer := range got.Layers {
				for i, p := range layer.Positions {
					v := probs[d*T+i]
					if (p.TargetProb == nil) != math.IsNaN(float64(v)) || (p.TargetProb != nil && float32(*p.TargetProb) != v) {
						t.Fatalf("target_prob.npy [%d %d] is %v, the JSON has %v", d, i, v, p.TargetProb)
					}
				}
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "x.json")
		for _, tc := range []struct {
			arch  string
			extra []string
			want  string
		}{
			{"bert", nil, "needs a language-model head"},
			{"gpt2", []string{"--mask", "1"}, "--mask is for a masked language model"},
			{"bert-mlm", []string{"--mask", "1,x"}, `--mask: "x" is not a token position`},
			{"bert-mlm", []string{"--mask", "40"}, "mask position 40 outside 0..3"},
		} {
			args := append([]string{"--model", golden.Path(t, tc.arch, "model"), "--text", "hello world", "--out", out}, tc.extra...)
			if err := runLens(args); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %q: error %v, want %q", tc.arch, tc.extra, err, tc.want)
			}
		}
	})
}
