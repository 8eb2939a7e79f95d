package main

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/f64"
	"bertology/core/golden"
	"bertology/core/rollout"
)

type rolloutJSON struct {
	Tokens     []string       `json:"tokens"`
	IDs        []int          `json:"ids"`
	Layers     int            `json:"layers"`
	Heads      int            `json:"heads"`
	Kept       [][]int        `json:"kept"`
	Attentions *golden.Tensor `json:"attentions"`
	Rollout    *golden.Tensor `json:"rollout"`
	Flow       *golden.Tensor `json:"flow"`
	FlowNote   string         `json:"flow_note"`
}

// TestRolloutCommand runs the golden BERT's first sentence pair and expects Hugging Face's attentions,
// their rollout computed here from the paper's formula, and their attention flow.
func TestRolloutCommand(t *testing.T) {
	g := loadGoldenRun(t, "bert")
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	args := []string{"--model", golden.Path(t, "bert", "model"), "--text", "the quick brown fox", "--pair", "jumps over the lazy dog", "--out", out}
	if err := runRollout(args, io.Discard); err != nil {
		t.Fatal(err)
	}
	var got rolloutJSON
	golden.Decode(t, out, &got)
	if want := g.realIDs(0); !slices.Equal(got.IDs, want) {
		t.Fatalf("ids %v, want the golden's %v", got.IDs, want)
	}
	want := g.attention(t, 0)
	L, H, T := len(want.Layers), want.Heads, want.T
	if got.Layers != L || got.Heads != H || len(got.Tokens) != T || got.Tokens[0] != "[CLS]" || got.Tokens[5] != "[SEP]" {
		t.Fatalf("%d layers of %d heads, tokens %q", got.Layers, got.Heads, got.Tokens)
	}
	golden.AssertClose(t, "attentions", got.Attentions.F32(), &golden.Tensor{Shape: []int{L, H, T, T}, Data: f64.FromFloat32(slices.Concat(want.Layers...))}, 1e-5)

	// Rollout from the paper: R_l = A'_l·R_{l-1}, A'_l = 0.5·mean over heads + 0.5·I, in float64.
	var wantRollout []float64
	var r []float64
	for l := range L {
		a := make([]float64, T*T)
		for i := range T {
			a[i*T+i] = 0.5
			for j := range T {
				for h := range H {
					a[i*T+j] += 0.5 * float64(want.Layers[l][(h*T+i)*T+j]) / float64(H)
				}
			}
		}
		if l == 0 {
			r = a
		} else {
			next := make([]float64, T*T)
			for i := range T {
				for k := range T {
					for j := range T {
						next[i*T+j] += a[i*T+k] * r[k*T+j]
					}
				}
			}
			r = next
		}
		wantRollout = append(wantRollout, r...)
	}
	golden.AssertClose(t, "rollout", got.Rollout.F32(), &golden.Tensor{Shape: []int{L, T, T}, Data: wantRollout}, 1e-5)
	flow, err := rollout.Flow(want, rollout.DefaultOptions(), L)
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertClose(t, "flow", got.Flow.F32(), &golden.Tensor{Shape: []int{T, T}, Data: flow}, 1e-5)
	for _, v := range got.Flow.Data {
		if v < 0 || v > 1+1e-6 {
			t.Fatalf("flow %v outside [0, 1]", v)
		}
	}
	for name, tensor := range map[string]*golden.Tensor{"attentions": got.Attentions, "rollout": got.Rollout, "flow": got.Flow} {
		assertNpy(t, filepath.Join(dir, "r."+name+".npy"), tensor)
	}

	t.Run("pruned model", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "p.json")
		args := []string{"--model", golden.Path(t, "bert", "pruned_model"), "--text", "the quick brown fox", "--pair", "jumps over the lazy dog", "--out", out}
		if err := runRollout(args, io.Discard); err != nil {
			t.Fatal(err)
		}
		var got rolloutJSON
		golden.Decode(t, out, &got)
		want := g.prunedAttention(t, 0)
		if got.Heads != 4 || len(got.Kept) != 3 || !slices.Equal(got.Kept[2], goldenKept[2]) {
			t.Fatalf("%d heads, kept %v, want 4 and %v", got.Heads, got.Kept, goldenKept)
		}
		// Hugging Face's attentions of the pruned model, at the heads' numbers; zeros for pruned heads.
		all := make([]float64, L*H*T*T)
		for l, w := range want.Layers {
			for k, h := range goldenKept[l] {
				for i := range T * T {
					all[(l*H+h)*T*T+i] = float64(w[k*T*T+i])
				}
			}
		}
		golden.AssertClose(t, "attentions", got.Attentions.F32(), &golden.Tensor{Shape: []int{L, H, T, T}, Data: all}, 1e-5)
		// Rollout from the paper's formula, each layer's mean over the heads it kept.
		var wantRollout, r []float64
		for l := range L {
			kept := goldenKept[l]
			a := make([]float64, T*T)
			for i := range T {
				a[i*T+i] = 0.5
				for j := range T {
					for _, h := range kept {
						a[i*T+j] += 0.5 * all[((l*H+h)*T+i)*T+j] / float64(len(kept))
					}
				}
			}
			if l == 0 {
				r = a
			} else {
				next := make([]float64, T*T)
				for i := range T {
					for k := range T {
						for j := range T {
							next[i*T+j] += a[i*T+k] * r[k*T+j]
						}
					}
				}
				r = next
			}
			wantRollout = append(wantRollout, r...)
		}
		golden.AssertClose(t, "rollout", got.Rollout.F32(), &golden.Tensor{Shape: []int{L, T, T}, Data: wantRollout}, 1e-5)
		flow, err := rollout.Flow(want, rollout.DefaultOptions(), L)
		if err != nil {
			t.Fatal(err)
		}
		golden.AssertClose(t, "flow", got.Flow.F32(), &golden.Tensor{Shape: []int{T, T}, Data: flow}, 1e-5)
	})
	t.Run("flow skipped", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "short.json")
		var warning strings.Builder
		args := []string{"--model", golden.Path(t, "gpt2", "model"), "--text", "hello world!", "--max-flow-tokens", "3", "--reduce", "max", "--out", out}
		if err := runRollout(args, &warning); err != nil {
			t.Fatal(err)
		}
		var got rolloutJSON
		golden.Decode(t, out, &got)
		if got.Flow != nil || !strings.Contains(got.FlowNote, "more than --max-flow-tokens 3") || !strings.Contains(warning.String(), "warning: attention flow skipped") {
			t.Errorf("flow %v, note %q, stderr %q", got.Flow, got.FlowNote, warning.String())
		}
		if _, err := os.Stat(strings.TrimSuffix(out, ".json") + ".flow.npy"); err == nil {
			t.Errorf("flow.npy written though flow was skipped")
		}
		if got.Rollout == nil || !slices.Equal(got.Rollout.Shape, []int{3, len(got.Tokens), len(got.Tokens)}) {
			t.Fatalf("rollout %v", got.Rollout)
		}
		// Causal attention: the first position can only have come from the first token.
		if r := got.Rollout.Data[len(got.Rollout.Data)-len(got.Tokens)*len(got.Tokens)]; math.Abs(r-1) > 1e-6 {
			t.Errorf("rollout of position 0 from token 0 is %v, want 1", r)
		}
	})
	t.Run("errors", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "x.json")
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--model", golden.Path(t, "bert", "model"), "--text", "hi", "--reduce", "median", "--out", out}, `--reduce "median": want mean or max`},
			{[]string{"--model", golden.Path(t, "bert", "model"), "--text", "hi", "--residual", "2", "--out", out}, "residual weight 2 outside [0, 1]"},
			{[]string{"--model", golden.Path(t, "bert", "model"), "--out", out}, "--model, --text and --out are required"},
		} {
			if err := runRollout(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
			}
		}
	})
}
