package saliency

import (
	"context"
	"math"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
)

// goldenCase is the first sequence of a golden model's inputs, cut to its real tokens.
type goldenCase struct {
	arch       string
	classifier bool
}

var goldenCases = []goldenCase{
	{"bert", true}, {"distilbert", true}, {"gpt2", false}, {"openai-gpt", false}, {"llama", false},
}

type goldenInputs struct {
	Inputs map[string]*golden.Tensor `json:"inputs"`
}

func load(t *testing.T, arch string) (*model.Model, *model.Batch) {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	return m, firstSequence(t, arch)
}

func firstSequence(t *testing.T, arch string) *model.Batch {
	var g goldenInputs
	golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
	ids, mask := g.Inputs["input_ids"], g.Inputs["attention_mask"].Ints()
	n := 0
	for n < ids.Shape[1] && mask[n] == 1 {
		n++
	}
	b := &model.Batch{Size: 1, SeqLen: n, InputIDs: ids.Ints()[:n]}
	if tt := g.Inputs["token_type_ids"]; tt != nil {
		b.TokenTypeIDs = tt.Ints()[:n]
	}
	return b
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.arch, func(t *testing.T) {
			m, b := load(t, c.arch)
			tg, err := Predicted(m, b)
			if err != nil {
				t.Fatal(err)
			}
			g, err := Gradients(m, b, tg)
			if err != nil {
				t.Fatal(err)
			}
			e, _ := newExplained(m, b, tg)
			x, _ := e.embeddings(b)
			d := m.Config().HiddenSize
			const h = 1e-3
			fAt := func(dir []float32, s float64) float64 {
				xs := make([]float32, len(x))
				for j := range x {
					xs[j] = x[j] + float32(s)*dir[j]
				}
				f, err := e.f(model.Options{Embeddings: xs})
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
			_, grads, _ := e.grad(model.Options{}, model.GradOptions{Input: true})
			for _, tok := range []int{0, b.SeqLen / 2, b.SeqLen - 1} {
				// gradient × input is the derivative along the token's own row.
				dir := make([]float32, len(x))
				copy(dir[tok*d:(tok+1)*d], x[tok*d:(tok+1)*d])
				fd := (fAt(dir, h) - fAt(dir, -h)) / (2 * h)
				if !close(g.Times[tok], fd) {
					t.Errorf("token %d: gradient × input %.6g, finite difference %.6g", tok, g.Times[tok], fd)
				}
				// the norm is that of the gradient, each coordinate of which is checked.
				var sq float64
				for j := tok * d; j < (tok+1)*d; j++ {
					dir := make([]float32, len(x))
					dir[j] = 1
					fd := (fAt(dir, h) - fAt(dir, -h)) / (2 * h)
					if !close(float64(grads.Input[j]), fd) {
						t.Errorf("token %d, dim %d: gradient %.6g, finite difference %.6g", tok, j-tok*d, grads.Input[j], fd)
					}
					sq += fd * fd
				}
				if !close(g.Norm[tok], math.Sqrt(sq)) {
					t.Errorf("token %d: gradient norm %.6g, finite differences' %.6g", tok, g.Norm[tok], math.Sqrt(sq))
				}
			}
		})
	}
}

func close(a, b float64) bool { return math.Abs(a-b) <= 2e-3+2e-3*math.Abs(b) }

func TestIntegratedGradientsComplete(t *testing.T) {
	for _, c := range goldenCases {
		for _, base := range []Baseline{Zero, Pad} {
			t.Run(c.arch, func(t *testing.T) {
				m, b := load(t, c.arch)
				tg, err := Predicted(m, b)
				if err != nil {
					t.Fatal(err)
				}
				ig, err := IntegratedGradients(context.Background(), m, b, tg, base, 0, 64, nil)
				if err != nil {
					t.Fatal(err)
				}
				f, _ := newExplained(m, b, tg)
				want, _ := f.f(model.Options{})
				if math.Abs(ig.Logit-want) > 1e-5 {
					t.Errorf("f(x) %v, the forward pass's logit %v", ig.Logit, want)
				}
				cp := ig.Completeness
				t.Logf("baseline %d: Σ attributions %.6f, f(x) − f(x') %.6f, relative error %.2g", base, cp.Sum, cp.Target, cp.RelError)
				if math.Abs(cp.Target) < 1e-3 {
					t.Fatalf("f(x) − f(baseline) is %v: nothing to attribute", cp.Target)
				}
				// A language model's zero baseline sits where its first norm's curvature is huge: 64 steps
				// are not enough there, and only classifiers are held to 1%.
				if c.classifier && cp.RelError > 0.01 {
					t.Errorf("completeness: relative error %.3g > 1%%", cp.RelError)
				}
			})
		}
	}
}

func TestAttentionAttributionComplete(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.arch, func(t *testing.T) {
			m, b := load(t, c.arch)
			tg, err := Predicted(m, b)
			if err != nil {
				t.Fatal(err)
			}
			a, err := AttentionAttribution(context.Background(), m, b, tg, 256, nil)
			if err != nil {
				t.Fatal(err)
			}
			T := b.SeqLen
			for l, grid := range a.Maps {
				for h := range a.Heads {
					var sum float64
					for _, v := range grid[h*T*T : (h+1)*T*T] {
						sum += v
					}
					// the head's score from the head-mask gradient, its map from the attention's
					if got := a.Scores[l*a.Heads+h]; math.Abs(sum-got) > 1e-5+1e-4*math.Abs(got) {
						t.Errorf("layer %d head %d: the map sums to %v, the score is %v", l, h, sum, got)
					}
				}
			}
			for l, cp := range a.Completeness {
				var sum float64
				for h := range a.Heads {
					sum += a.Scores[l*a.Heads+h]
				}
				if math.Abs(sum-cp.Sum) > 1e-9 {
					t.Errorf("layer %d: scores sum to %v, completeness reports %v", l, sum, cp.Sum)
				}
				t.Logf("layer %d: Σ heads %.6f, f(A) − f(0) %.6f, relative error %.2g", l, cp.Sum, cp.Target, cp.RelError)
				if cp.RelError > 0.01 && math.Abs(cp.Sum-cp.Target) > 1e-4 {
					t.Errorf("layer %d: completeness relative error %.3g > 1%%", l, cp.RelError)
				}
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	m, b := load(t, "bert")
	if _, err := Gradients(m, b, Target{Class: 5}); err == nil {
		t.Error("class 5 of 2: no error")
	}
	if _, err := IntegratedGradients(context.Background(), m, b, Target{}, Zero, 0, 0, nil); err == nil {
		t.Error("0 steps: no error")
	}
	two := &model.Batch{Size: 2, SeqLen: 1, InputIDs: []int{2, 3}}
	if _, err := Gradients(m, two, Target{}); err == nil {
		t.Error("two sequences: no error")
	}
}
