package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestHeadDirectLogits recomputes a head's direct logits from the weights in Hugging Face's names and
// layout (the output projection c_proj [A, D], ln_f's gain, the tied embeddings as the unembedding) for
// GPT-2, OpenAI GPT and a pruned GPT-2, whose head indices skip the pruned heads.
func TestHeadDirectLogits(t *testing.T) {
	for _, tc := range []struct {
		arch, dir, proj, lnf, unembed string
	}{
		{"gpt2", "model", "transformer.h.%d.attn.c_proj.weight", "transformer.ln_f.weight", "transformer.wte.weight"},
		{"gpt2", "pruned_model", "transformer.h.%d.attn.c_proj.weight", "transformer.ln_f.weight", "transformer.wte.weight"},
		{"openai-gpt", "model", "transformer.h.%d.attn.c_proj.weight", "", "transformer.tokens_embed.weight"},
	} {
		t.Run(tc.arch+"/"+tc.dir, func(t *testing.T) {
			m := loadModel(t, tc.arch, tc.dir)
			w := m.Weights()
			cfg := m.Config()
			d, hd, V := cfg.HiddenSize, cfg.HeadDim(), cfg.VocabSize
			unembed := w[tc.unembed]
			if unembed == nil {
				t.Fatalf("no %s among %d weights", tc.unembed, len(w))
			}
			rng := rand.New(rand.NewPCG(1, 2))
			const rows = 3
			for l := range cfg.NumLayers {
				proj := w[fmt.Sprintf(tc.proj, l)]
				for hi := range m.Heads(l) {
					ctx := make([]float32, rows*hd)
					for i := range ctx {
						ctx[i] = float32(rng.NormFloat64())
					}
					got, err := m.HeadDirectLogits(l, hi, ctx, rows)
					if err != nil {
						t.Fatal(err)
					}
					var worst float64
					for r := range rows {
						write := make([]float64, d)
						for j := range d {
							for k := range hd {
								write[j] += float64(ctx[r*hd+k]) * float64(proj.Data[(hi*hd+k)*d+j])
							}
						}
						if tc.lnf != "" {
							var mean float64
							for _, v := range write {
								mean += v / float64(d)
							}
							for j := range write {
								write[j] = (write[j] - mean) * float64(w[tc.lnf].Data[j])
							}
						}
						for v := range V {
							var want float64
							for j := range d {
								want += write[j] * float64(unembed.Data[v*d+j])
							}
							worst = max(worst, math.Abs(float64(got[r*V+v])-want)/max(1, math.Abs(want)))
						}
					}
					if worst > 1e-5 {
						t.Errorf("layer %d head index %d: direct logits off by %.3g", l, hi, worst)
					}
				}
			}
		})
	}
}

// TestHeadDirectLogitsErrors checks that bad arguments and a model without a language-model head are
// refused with errors that say what is wrong.
func TestHeadDirectLogitsErrors(t *testing.T) {
	m := loadModel(t, "gpt2", "model")
	hd := m.Config().HeadDim()
	bert := loadModel(t, "bert", "model")
	for _, tc := range []struct {
		name      string
		m         *Model
		l, h, len int
		want      string
	}{
		{"not causal", bert, 0, 0, bert.Config().HeadDim(), "need a causal language model"},
		{"layer", m, 3, 0, hd, "layer 3 outside 0..2"},
		{"head", m, 0, 4, hd, "head index 4 of layer 0 outside 0..3"},
		{"width", m, 0, 0, hd + 1, "want rows ≥ 1 of width 8"},
	} {
		_, err := tc.m.HeadDirectLogits(tc.l, tc.h, make([]float32, tc.len), 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestFinalNormLinear checks the final norm's linear part on a LayerNorm (centred, times the gain) and
// on a norm without shift, an RMSNorm (times the gain only).
func TestFinalNormLinear(t *testing.T) {
	m := loadModel(t, "gpt2", "model")
	d := m.Config().HiddenSize
	gamma := make([]float32, d)
	x := make([]float32, d)
	var mean float32
	for i := range d {
		gamma[i], x[i] = float32(i%3+1), float32(i)
		mean += x[i] / float32(d)
	}
	for _, tc := range []struct {
		name   string
		norm   *layerNorm
		centre float32
	}{
		{"LayerNorm", &layerNorm{gamma: gamma, beta: make([]float32, d)}, mean},
		{"RMSNorm", &layerNorm{gamma: gamma}, 0},
	} {
		m.finalLN = tc.norm
		got := append([]float32(nil), x...)
		m.finalNormLinear(got, 1)
		for i := range d {
			if want := (x[i] - tc.centre) * gamma[i]; math.Abs(float64(got[i]-want)) > 1e-4 {
				t.Errorf("%s: entry %d is %g, want %g", tc.name, i, got[i], want)
				break
			}
		}
	}
}
