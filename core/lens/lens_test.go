package lens

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/f64"
	"bertology/core/golden"
	"bertology/core/model"
)

type goldenFile struct {
	Inputs  map[string]*golden.Tensor `json:"inputs"`
	Forward struct {
		Logits       *golden.Tensor   `json:"logits"`
		HiddenStates []*golden.Tensor `json:"hidden_states"`
	} `json:"forward"`
}

// sequence is one golden input sequence cut down to its real tokens.
type sequence struct {
	index            int // in the golden batch
	ids, types, mask []int
	targets          []int
}

func goldenSequences(g *goldenFile, causal bool) []sequence {
	ids := g.Inputs["input_ids"]
	B, S := ids.Shape[0], ids.Shape[1]
	all, mask, labels := ids.Ints(), g.Inputs["attention_mask"].Ints(), g.Inputs["labels"].Ints()
	var types []int
	if tt := g.Inputs["token_type_ids"]; tt != nil {
		types = tt.Ints()
	}
	var out []sequence
	for b := range B {
		s := sequence{index: b, mask: mask[b*S : (b+1)*S]}
		for t := range S {
			if mask[b*S+t] == 0 {
				continue
			}
			s.ids = append(s.ids, all[b*S+t])
			if types != nil {
				s.types = append(s.types, types[b*S+t])
			}
			if !causal {
				target := labels[b*S+t]
				if target == -100 {
					target = NoTarget
				}
				s.targets = append(s.targets, target)
			}
		}
		if causal {
			s.targets = NextTokens(s.ids)
		}
		out = append(out, s)
	}
	return out
}

// TestLastDepthIsModelPrediction: the lens at the last depth must be Hugging Face's own prediction, and
// every earlier depth the head applied (in float64, from the checkpoint's weights) to Hugging Face's
// hidden state at that depth.
func TestLastDepthIsModelPrediction(t *testing.T) {
	for _, arch := range []string{"gpt2", "openai-gpt", "bert-mlm", "llama"} {
		t.Run(arch, func(t *testing.T) {
			var g goldenFile
			golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
			ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.New(ck)
			if err != nil {
				t.Fatal(err)
			}
			ref := newReferenceHead(t, ck)
			L, V, D := ck.Config.NumLayers, ck.Config.VocabSize, ck.Config.HiddenSize
			S := g.Inputs["input_ids"].Shape[1]
			const k = 5
			for _, s := range goldenSequences(&g, arch != "bert-mlm") {
				r, err := Compute(m, s.ids, s.types, s.targets, k)
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Layers) != L+1 {
					t.Fatalf("%d depths, want %d", len(r.Layers), L+1)
				}
				for d := range L + 1 {
					if r.Layers[d].Layer != d || len(r.Layers[d].Positions) != len(s.ids) {
						t.Fatalf("depth %d is numbered %d and has %d positions, want %d", d, r.Layers[d].Layer, len(r.Layers[d].Positions), len(s.ids))
					}
					for t0, cell := range r.Layers[d].Positions {
						var want []float64
						if d == L {
							row := g.Forward.Logits.Data[(s.index*S+t0)*V : (s.index*S+t0+1)*V]
							want = softmax64(row)
						} else {
							h := g.Forward.HiddenStates[d].Data[(s.index*S+t0)*D : (s.index*S+t0+1)*D]
							want = softmax64(ref.logits(h))
						}
						where := fmt.Sprintf("sequence %d depth %d position %d", s.index, d, t0)
						checkCell(t, where, cell, want, s.targets[t0], k)
					}
				}
			}
		})
	}
}

// checkCell compares a lens cell with the reference probabilities over the vocabulary.
func checkCell(t *testing.T, where string, c Cell, want []float64, target, k int) {
	t.Helper()
	const tol = 1e-5
	if len(c.Top) != k {
		t.Fatalf("%s: %d top tokens, want %d", where, len(c.Top), k)
	}
	for i, p := range c.Top {
		if math.Abs(p.Probability-want[p.ID]) > tol {
			t.Fatalf("%s: top %d token %d has probability %v, want %v", where, i, p.ID, p.Probability, want[p.ID])
		}
		// No token outside the top may be clearly more probable than one inside it.
		for id, q := range want {
			if q > p.Probability+tol && !slices.ContainsFunc(c.Top[:i], func(x Prediction) bool { return x.ID == id }) {
				t.Fatalf("%s: top %d is token %d (p %v) but token %d has p %v", where, i, p.ID, p.Probability, id, q)
			}
		}
	}
	if target == NoTarget {
		if c.TargetRank != 0 || c.TargetProb != nil {
			t.Fatalf("%s: no target, but rank %d probability %v", where, c.TargetRank, c.TargetProb)
		}
		return
	}
	if c.TargetProb == nil || math.Abs(*c.TargetProb-want[target]) > tol {
		t.Fatalf("%s: target %d has probability %v, want %v", where, target, c.TargetProb, want[target])
	}
	// Tokens within the tolerance of the target's probability may fall on either side of it.
	above, near := 0, 0
	for _, q := range want {
		switch {
		case q > want[target]+tol:
			above++
		case q > want[target]-tol:
			near++
		}
	}
	if c.TargetRank < above+1 || c.TargetRank > above+near {
		t.Fatalf("%s: target rank %d, want %d..%d", where, c.TargetRank, above+1, above+near)
	}
}

func softmax64(logits []float64) []float64 {
	p := make([]float64, len(logits))
	f64.Softmax(p, logits)
	return p
}

// referenceHead is a model's language-model head written out in float64 from its checkpoint, as
// Hugging Face defines it: GPT-2's ln_f then the tied wte; OpenAI GPT's tied tokens_embed; BERT's
// dense, erf GELU, LayerNorm, tied word embeddings and bias; Llama's final RMSNorm then its lm_head.
type referenceHead struct {
	arch             checkpoint.ModelType
	eps              float64
	decoder          []float32 // [V, D]
	bias             []float32 // [V] or nil
	lnGamma, lnBeta  []float32 // the LayerNorm before the decoder, or nil; an RMSNorm has no lnBeta
	dense, denseBias []float32 // BERT's transform [D, D] (out, in) and its bias
	vocab, hidden    int
}

func newReferenceHead(t *testing.T, ck *checkpoint.Checkpoint) *referenceHead {
	w := func(name string) []float32 {
		x, ok := ck.Weights[name]
		if !ok {
			t.Fatalf("checkpoint lacks %s", name)
		}
		return x.Data
	}
	c := ck.Config
	r := &referenceHead{arch: c.ModelType, eps: c.LayerNormEps, vocab: c.VocabSize, hidden: c.HiddenSize}
	switch c.ModelType {
	case checkpoint.GPT2:
		r.decoder, r.lnGamma, r.lnBeta = w("transformer.wte.weight"), w("transformer.ln_f.weight"), w("transformer.ln_f.bias")
	case checkpoint.OpenAIGPT:
		r.decoder = w("transformer.tokens_embed.weight")
	case checkpoint.Llama:
		r.decoder, r.lnGamma = w("lm_head.weight"), w("model.norm.weight")
	case checkpoint.BERT:
		r.decoder, r.bias = w("bert.embeddings.word_embeddings.weight"), w("cls.predictions.bias")
		r.dense, r.denseBias = w("cls.predictions.transform.dense.weight"), w("cls.predictions.transform.dense.bias")
		r.lnGamma, r.lnBeta = w("cls.predictions.transform.LayerNorm.weight"), w("cls.predictions.transform.LayerNorm.bias")
	}
	return r
}

func (r *referenceHead) logits(h []float64) []float64 {
	D := r.hidden
	x := slices.Clone(h)
	if r.dense != nil {
		for o := range D {
			s := float64(r.denseBias[o])
			for i := range D {
				s += float64(r.dense[o*D+i]) * h[i]
			}
			x[o] = 0.5 * s * (1 + math.Erf(s/math.Sqrt2))
		}
	}
	if r.lnGamma != nil && r.lnBeta == nil {
		var ms float64
		for _, a := range x {
			ms += a * a
		}
		rstd := 1 / math.Sqrt(ms/float64(D)+r.eps)
		for i, a := range x {
			x[i] = a * rstd * float64(r.lnGamma[i])
		}
	}
	if r.lnBeta != nil {
		var mean, v float64
		for _, a := range x {
			mean += a
		}
		mean /= float64(D)
		for _, a := range x {
			v += (a - mean) * (a - mean)
		}
		rstd := 1 / math.Sqrt(v/float64(D)+r.eps)
		for i, a := range x {
			x[i] = (a-mean)*rstd*float64(r.lnGamma[i]) + float64(r.lnBeta[i])
		}
	}
	out := make([]float64, r.vocab)
	for v := range out {
		if r.bias != nil {
			out[v] = float64(r.bias[v])
		}
		for i := range D {
			out[v] += float64(r.decoder[v*D+i]) * x[i]
		}
	}
	return out
}

func TestTop(t *testing.T) {
	for _, tc := range []struct {
		p    []float64
		k    int
		want []int
	}{
		{[]float64{0.1, 0.4, 0.2, 0.3}, 2, []int{1, 3}},
		{[]float64{0.1, 0.4, 0.2, 0.3}, 4, []int{1, 3, 2, 0}},
		{[]float64{0.25, 0.25, 0.25, 0.25}, 3, []int{0, 1, 2}},
		{[]float64{0.5, 0.5}, 5, []int{0, 1}},
		{[]float64{0.2, 0.2, 0.6}, 2, []int{2, 0}},
	} {
		var got []int
		for _, p := range top(tc.p, tc.k) {
			got = append(got, p.ID)
			if p.Probability != tc.p[p.ID] {
				t.Errorf("top(%v, %d): token %d has probability %v", tc.p, tc.k, p.ID, p.Probability)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("top(%v, %d) = %v, want %v", tc.p, tc.k, got, tc.want)
		}
	}
}

func TestRank(t *testing.T) {
	logits := []float32{1, 3, 2, 3, -1}
	for target, want := range []int{4, 1, 3, 1, 5} {
		if got := rank(logits, target); got != want {
			t.Errorf("rank of %d = %d, want %d", target, got, want)
		}
	}
}

func TestTargets(t *testing.T) {
	if got, want := NextTokens([]int{5, 6, 7}), []int{6, 7, NoTarget}; !slices.Equal(got, want) {
		t.Errorf("NextTokens = %v, want %v", got, want)
	}
	ids := []int{2, 10, 11, 12, 3}
	masked, targets, err := Mask(ids, []int{1, 3}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 4, 11, 4, 3}; !slices.Equal(masked, want) {
		t.Errorf("masked ids %v, want %v", masked, want)
	}
	if want := []int{NoTarget, 10, NoTarget, 12, NoTarget}; !slices.Equal(targets, want) {
		t.Errorf("targets %v, want %v", targets, want)
	}
	if ids[1] != 10 {
		t.Errorf("Mask changed its input: %v", ids)
	}
	if _, _, err := Mask(ids, []int{5}, 4); err == nil || !strings.Contains(err.Error(), "mask position 5 outside 0..4") {
		t.Errorf("Mask out of range: error %v", err)
	}
}

func TestComputeErrors(t *testing.T) {
	load := func(arch string) *model.Model {
		ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.New(ck)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	gpt2, bert := load("gpt2"), load("bert")
	for _, tc := range []struct {
		name         string
		m            *model.Model
		ids, targets []int
		k            int
		want         string
	}{
		{"no tokens", gpt2, nil, nil, 5, "no tokens"},
		{"top-k", gpt2, []int{1, 2}, nil, 0, "top-k 0, want at least 1"},
		{"targets", gpt2, []int{1, 2}, []int{1}, 5, "1 targets for 2 tokens"},
		{"target id", gpt2, []int{1, 2}, []int{400, NoTarget}, 5, "target 400 at position 0 is outside the vocabulary of 337"},
		{"input id", gpt2, []int{1, 999}, nil, 5, "input_ids[0][1] is 999"},
		{"classifier", bert, []int{2, 3}, nil, 5, "needs a language-model head"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.m, tc.ids, nil, tc.targets, tc.k)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compute: error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
