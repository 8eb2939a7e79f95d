package induction

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/progress"
)

func loadGolden(t *testing.T, arch, dir string) *model.Model {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, arch, dir))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRunByHand recomputes every score of the GPT-2 golden model (and OpenAI GPT's, which has no BOS
// and no final norm) from the attentions and contexts its forward pass returns, position by position
// as the package documentation defines them, and compares them with Run's.
func TestRunByHand(t *testing.T) {
	for _, tc := range []struct {
		arch string
		bos  int
	}{{"gpt2", 336}, {"openai-gpt", NoBOS}} {
		t.Run(tc.arch, func(t *testing.T) {
			m := loadGolden(t, tc.arch, "model")
			opt := Options{Length: 7, Sequences: 3, Seed: 11, BOS: tc.bos, Special: []int{0}, Top: 2}
			var phases []int
			r, err := Run(context.Background(), m, opt, func(p progress.Report) { phases = append(phases, p.Done) })
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(phases) != "[0 1 2 3]" {
				t.Errorf("progress %v, want [0 1 2 3]", phases)
			}
			L, H := m.Shape()
			V := m.Config().VocabSize
			hd := m.Config().HeadDim()
			var sums [3][]float64
			var counts [3][]float64
			for s := range sums {
				sums[s], counts[s] = make([]float64, L*H), make([]float64, L*H)
			}
			for k := range opt.Sequences {
				ids, err := Sequence(opt.Seed+uint64(k), opt.Length, V, tc.bos, opt.Special)
				if err != nil {
					t.Fatal(err)
				}
				if k == 0 && fmt.Sprint(ids) != fmt.Sprint(r.Example) {
					t.Errorf("example %v, want the first sequence %v", r.Example, ids)
				}
				T := len(ids)
				start := T - 2*opt.Length
				out, err := m.Forward(&model.Batch{Size: 1, SeqLen: T, InputIDs: ids}, model.Options{Attentions: true, Contexts: true})
				if err != nil {
					t.Fatal(err)
				}
				for l := range L {
					for h := range H {
						att := func(i, j int) float64 { return float64(out.Attentions[l].Data[(h*T+i)*T+j]) }
						for i := start + opt.Length; i < T; i++ {
							sums[0][l*H+h] += att(i, i-opt.Length+1)
							counts[0][l*H+h]++
						}
						for i := start + 1; i < T; i++ {
							sums[2][l*H+h] += att(i, i-1)
							counts[2][l*H+h]++
						}
						for i := start + opt.Length; i < T; i++ {
							ctx := make([]float32, hd)
							for e := range hd {
								ctx[e] = out.Contexts[l].Data[(h*T+i)*hd+e]
							}
							z, err := m.HeadDirectLogits(l, h, ctx, 1)
							if err != nil {
								t.Fatal(err)
							}
							var num, den float64
							for j := start; j <= i; j++ {
								var below, above int
								for _, v := range z {
									if v < z[ids[j]] {
										below++
									} else if v > z[ids[j]] {
										above++
									}
								}
								num += att(i, j) * float64(below-above) / float64(V-1)
								den += att(i, j)
							}
							sums[1][l*H+h] += num / den
							counts[1][l*H+h]++
						}
					}
				}
			}
			for s, key := range Keys {
				got := r.Score(key)
				if fmt.Sprint(got.Shape) != fmt.Sprint([]int{L, H}) {
					t.Fatalf("%s: shape %v, want [%d %d]", key, got.Shape, L, H)
				}
				for at := range L * H {
					want := sums[s][at] / counts[s][at]
					if d := math.Abs(float64(got.Data[at]) - want); d > 1e-6 {
						t.Errorf("%s of layer %d head %d: %g, by hand %g", key, at/H, at%H, got.Data[at], want)
					}
				}
				if len(r.Top[key]) != 2 || r.Top[key][0].Score < r.Top[key][1].Score {
					t.Errorf("top heads of %s: %v, want the two highest", key, r.Top[key])
				}
			}
			wantTokens := 2 * opt.Length
			if tc.bos != NoBOS {
				wantTokens++
			}
			if r.Tokens != wantTokens || r.Length != opt.Length || r.Sequences != 3 || r.Seed != 11 {
				t.Errorf("result of %d tokens, length %d, %d sequences from seed %d; want %d, 7, 3, 11", r.Tokens, r.Length, r.Sequences, r.Seed, wantTokens)
			}
		})
	}
}

// TestRunPruned checks that the pruned heads of a pruned model have no scores and the kept heads have.
func TestRunPruned(t *testing.T) {
	m := loadGolden(t, "gpt2", "pruned_model") // layer 0 lost head 1, layer 2 heads 0 and 3
	r, err := Run(context.Background(), m, Options{Length: 5, Sequences: 1, BOS: 336, Top: 20}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pruned := map[[2]int]bool{{0, 1}: true, {2, 0}: true, {2, 3}: true}
	for _, key := range Keys {
		for at, v := range r.Score(key).Data {
			l, h := at/r.Heads, at%r.Heads
			if math.IsNaN(float64(v)) != pruned[[2]int{l, h}] {
				t.Errorf("%s of layer %d head %d: %g (pruned: %v)", key, l, h, v, pruned[[2]int{l, h}])
			}
		}
		if len(r.Top[key]) != 12-3 {
			t.Errorf("top of %s lists %d heads, want the 9 kept", key, len(r.Top[key]))
		}
	}
}

// TestRunPlantedCopier builds a one-head GPT-2 whose head attends to the earlier occurrences of its own
// token and writes them straight back (values and output projection ±identity, one-hot embeddings):
// its copying score is exactly 1, or −1 with the output projection negated, and it attends neither to
// the previous token nor to the induction target.
func TestRunPlantedCopier(t *testing.T) {
	for _, sign := range []float32{1, -1} {
		const D = 32
		cfg, err := checkpoint.ParseConfig([]byte(fmt.Sprintf(`{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
			"n_embd": %d, "n_head": 1, "n_layer": 1, "n_positions": 40, "vocab_size": %d}`, D, D)))
		if err != nil {
			t.Fatal(err)
		}
		ck, err := model.RandomCheckpoint(cfg, 1)
		if err != nil {
			t.Fatal(err)
		}
		w := ck.Weights
		set := func(name string, f func(i, j int) float32) {
			tt := w[name]
			if tt == nil {
				t.Fatalf("no weight %s", name)
			}
			cols := tt.Shape[len(tt.Shape)-1]
			for k := range tt.Data {
				tt.Data[k] = f(k/cols, k%cols)
			}
		}
		zero := func(int, int) float32 { return 0 }
		one := func(int, int) float32 { return 1 }
		eye := func(s float32) func(i, j int) float32 {
			return func(i, j int) float32 {
				if i == j%D {
					return s
				}
				return 0
			}
		}
		set("transformer.wte.weight", eye(1))
		set("transformer.wpe.weight", zero)
		set("transformer.h.0.ln_1.weight", one)
		set("transformer.h.0.ln_1.bias", zero)
		// c_attn [D, 3D]: queries and keys 2·identity, so that a token's own occurrences outscore the
		// others by about 30; values the identity.
		set("transformer.h.0.attn.c_attn.weight", func(i, j int) float32 {
			if j < 2*D {
				return eye(2)(i, j)
			}
			return eye(1)(i, j)
		})
		set("transformer.h.0.attn.c_attn.bias", zero)
		set("transformer.h.0.attn.c_proj.weight", eye(sign))
		set("transformer.h.0.attn.c_proj.bias", zero)
		set("transformer.ln_f.weight", one)
		m, err := model.New(ck)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(context.Background(), m, Options{Length: 10, Sequences: 2, Seed: 1, BOS: D - 1, Top: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Copying.Data[0]; math.Abs(float64(got-sign)) > 1e-6 {
			t.Errorf("output projection %g × identity: copying %g, want %g", sign, got, sign)
		}
		if p, q := r.PrefixMatching.Data[0], r.PreviousToken.Data[0]; p > 1e-6 || q > 1e-6 {
			t.Errorf("prefix matching %g, previous token %g: want 0 for a head on its own token", p, q)
		}
	}
}

// TestRunErrors checks that what Run cannot score is refused with an error that says why.
func TestRunErrors(t *testing.T) {
	gpt2 := loadGolden(t, "gpt2", "model") // 64 positions
	bert := loadGolden(t, "bert", "model")
	for _, tc := range []struct {
		name string
		m    *model.Model
		opt  Options
		want string
	}{
		{"not causal", bert, Options{Length: 5, Sequences: 1}, "need a causal language model"},
		{"short", gpt2, Options{Length: 2, Sequences: 1}, "a repeat of 2 tokens, want at least 3"},
		{"no sequences", gpt2, Options{Length: 5}, "0 sequences"},
		{"long", gpt2, Options{Length: 32, Sequences: 1, BOS: 336}, "sequences of 65, longer than the model's 64 positions; at most 31"},
	} {
		_, err := Run(context.Background(), tc.m, tc.opt, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, gpt2, Options{Length: 5, Sequences: 1, BOS: NoBOS}, nil); err != context.Canceled {
		t.Errorf("cancelled: error %v", err)
	}
}
