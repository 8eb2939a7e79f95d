package train

import (
	"maps"
	"math"
	"slices"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/model"
	"bertology/core/tensor"
)

// TestAdamWHandComputed takes two AdamW steps on a two-element parameter and compares with torch's
// single-tensor AdamW (torch/optim/adamw.py, _single_tensor_adamw) worked through in float64:
//
//	lr, wd, b1, b2, eps = 0.1, 0.01, 0.9, 0.999, 1e-8
//	for t, g in enumerate([[0.2, -0.4], [-0.1, 0.3]], 1):
//	    w *= 1 - lr*wd
//	    m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
//	    w -= lr/(1-b1**t) * m / (sqrt(v)/sqrt(1-b2**t) + eps)
//
// The first step moves each weight by lr·sign(g), less eps's share, after the decay: 0.5·0.999 - 0.1.
func TestAdamWHandComputed(t *testing.T) {
	o := NewAdamW(0.01)
	w := []float32{0.5, -1.0}
	want := [][]float64{
		{0.39950000499999977, -0.8990000025},
		{0.37246680271367577, -0.8891685020096358},
	}
	for step, g := range [][]float32{{0.2, -0.4}, {-0.1, 0.3}} {
		o.step++
		o.update(0, w, g, 0.1, true)
		for i := range w {
			if math.Abs(float64(w[i])-want[step][i]) > 1e-7 {
				t.Errorf("step %d: w[%d] = %.9f, want %.9f", step+1, i, w[i], want[step][i])
			}
		}
	}
	// Without decay the same steps leave out the factor 1 - lr·wd.
	o = NewAdamW(0.01)
	w = []float32{0.5}
	o.step++
	o.update(0, w, []float32{0.2}, 0.1, false)
	if want := 0.5 - 0.1/0.1*0.02/(math.Sqrt(0.2*0.2*0.001)/math.Sqrt(0.001)+1e-8); math.Abs(float64(w[0])-want) > 1e-7 {
		t.Errorf("undecayed step: %.9f, want %.9f", w[0], want)
	}
}

// TestAdamWDecaysOnlyWeights steps a model with zero gradients: Adam's update is then 0, so only the
// decoupled decay moves anything, and it must shrink the weights and embeddings by 1 - lr·wd and leave
// every bias and LayerNorm parameter alone, as Hugging Face's Trainer groups them.
func TestAdamWDecaysOnlyWeights(t *testing.T) {
	m := tinyModel(t, tinyBERT, 1)
	before := m.Weights()
	const lr, wd = 0.5, 0.1
	o := NewAdamW(wd)
	if err := o.Step(m, m.NewWeightGradient(), lr); err != nil {
		t.Fatal(err)
	}
	decayed := map[string]bool{}
	m.Update(func(p model.Param, _ []float32) { decayed[p.Name] = p.Kind == model.WeightParam })
	for name, w := range m.Weights() {
		factor := 1.0
		if decayed[name] {
			factor = 1 - lr*wd
		}
		for i, v := range w.Data {
			if want := float32(float64(before[name].Data[i]) * factor); v != want {
				t.Fatalf("%s[%d] = %g, want %g (decayed: %v)", name, i, v, want, decayed[name])
			}
		}
	}
	for _, name := range []string{"bert.embeddings.LayerNorm.weight", "bert.encoder.layer.0.attention.self.query.bias", "classifier.bias"} {
		if decayed[name] {
			t.Errorf("%s is decayed", name)
		}
	}
	for _, name := range []string{"bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.attention.self.query.weight", "classifier.weight"} {
		if !decayed[name] {
			t.Errorf("%s is not decayed", name)
		}
	}
}

// TestAdamWErrors: AdamW refuses another model's gradient, and a model other than the one it has
// stepped, updating nothing and counting no step.
func TestAdamWErrors(t *testing.T) {
	m, other := tinyModel(t, tinyBERT, 1), tinyModel(t, tinyBERT, 2)
	stepped := NewAdamW(0)
	if err := stepped.Step(other, other.NewWeightGradient(), 0.1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		o    *AdamW
		grad *model.WeightGradient
		want string
	}{
		{"gradient", NewAdamW(0), other.NewWeightGradient(), "train: model: the gradient is another model's"},
		{"model", stepped, m.NewWeightGradient(), "train: AdamW steps the model it first stepped, not another"},
	} {
		before, steps := m.Weights(), tc.o.Steps()
		err := tc.o.Step(m, tc.grad, 0.1)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
		if tc.o.Steps() != steps {
			t.Errorf("%s: %d steps counted after the failed step, want %d", tc.name, tc.o.Steps(), steps)
		}
		for name, w := range m.Weights() {
			if !slices.Equal(w.Data, before[name].Data) {
				t.Errorf("%s: the failed step changed %s", tc.name, name)
			}
		}
	}
}

// TestLinearSchedule compares with get_linear_schedule_with_warmup's lr_lambda,
// step/warmup during the warm-up, then (total-step)/(total-warmup), never below 0.
func TestLinearSchedule(t *testing.T) {
	for _, tc := range []struct {
		warmup, total int
		want          []float64 // steps 0, 1, ...
	}{
		{2, 10, []float64{0, 0.5, 1, 7.0 / 8, 6.0 / 8, 5.0 / 8, 4.0 / 8, 3.0 / 8, 2.0 / 8, 1.0 / 8, 0, 0}},
		{0, 4, []float64{1, 0.75, 0.5, 0.25, 0}},
		{4, 4, []float64{0, 0.25, 0.5, 0.75, 0}},
	} {
		for step, want := range tc.want {
			if got := LinearSchedule(step, tc.warmup, tc.total); math.Abs(got-want) > 1e-15 {
				t.Errorf("warmup %d, total %d, step %d: %g, want %g", tc.warmup, tc.total, step, got, want)
			}
		}
	}
}

// TestClipGradNorm clips a tiny BERT's gradient on a batch: the norm is the square root of the sum of
// the squared gradients, in float64 in name order, as Hugging Face lays them out; clipping to half of it
// scales everything by (norm/2)/(norm + 1e-6), as clip_grad_norm_ does, and so, by a hair, does clipping
// to the norm itself; a norm under the limit, or no limit, changes nothing.
func TestClipGradNorm(t *testing.T) {
	m := tinyModel(t, tinyBERT, 1)
	b := m.Collate(toyClassification(4, 1), 0, 0)
	grad := func() (*model.WeightGradient, map[string]*tensor.Tensor) {
		g := m.NewWeightGradient()
		if _, _, err := m.ForwardBackward(b, model.Options{}, model.GradOptions{Into: g}); err != nil {
			t.Fatal(err)
		}
		return g, g.Weights()
	}
	_, want := grad()
	var sum float64
	for _, name := range slices.Sorted(maps.Keys(want)) {
		for _, g := range want[name].Data {
			sum += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(sum)
	if norm == 0 {
		t.Fatal("the gradient is 0")
	}
	for _, tc := range []struct {
		max   float64
		scale float64
	}{{norm / 2, norm / 2 / (norm + 1e-6)}, {norm, norm / (norm + 1e-6)}, {2 * norm, 1}, {0, 1}} {
		g, _ := grad()
		if got := ClipGradNorm(g, tc.max); got != norm {
			t.Errorf("max %g: norm %g, want %g", tc.max, got, norm)
		}
		for name, w := range g.Weights() {
			for i, v := range w.Data {
				if x := float32(float64(want[name].Data[i]) * tc.scale); v != x {
					t.Fatalf("max %g: %s[%d] = %g, want %g", tc.max, name, i, v, x)
				}
			}
		}
	}
}

// TestInit checks Hugging Face's initialisation: LayerNorm gains 1 and biases 0, the padding token's
// word embedding 0 for BERT, weights N(0, σ²) with GPT-2's residual projections at σ/sqrt(2·layers).
func TestInit(t *testing.T) {
	bert := tinyModel(t, tinyBERT, 3)
	w := bert.Weights()
	for name, want := range map[string]float32{"bert.embeddings.LayerNorm.weight": 1, "bert.embeddings.LayerNorm.bias": 0,
		"bert.encoder.layer.1.output.dense.bias": 0, "classifier.bias": 0} {
		for _, v := range w[name].Data {
			if v != want {
				t.Fatalf("%s holds %g, want all %g", name, v, want)
			}
		}
	}
	emb := w["bert.embeddings.word_embeddings.weight"]
	for _, v := range emb.Data[:emb.Shape[1]] {
		if v != 0 {
			t.Fatalf("the padding token's embedding is not 0: %v", emb.Data[:emb.Shape[1]])
		}
	}

	cfg := config(t, `{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": 300, "n_embd": 64,
		"n_layer": 8, "n_head": 2, "n_positions": 32, "initializer_range": 0.05}`)
	gpt2, err := NewModel(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	w = gpt2.Weights()
	for _, tc := range []struct {
		name string
		std  float64
	}{
		{"transformer.wte.weight", 0.05},
		{"transformer.h.3.attn.c_attn.weight", 0.05},
		{"transformer.h.3.attn.c_proj.weight", 0.05 / 4},
		{"transformer.h.3.mlp.c_proj.weight", 0.05 / 4},
	} {
		var sum, sq float64
		data := w[tc.name].Data
		for _, v := range data {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
		n := float64(len(data))
		mean, std := sum/n, math.Sqrt(sq/n-(sum/n)*(sum/n))
		// With at least 4,096 samples the sample deviation is within 5% of σ with near certainty.
		if math.Abs(mean) > 0.1*tc.std || math.Abs(std/tc.std-1) > 0.05 {
			t.Errorf("%s: mean %g, std %g; want N(0, %g²)", tc.name, mean, std, tc.std)
		}
	}
}

func config(t testing.TB, js string) *checkpoint.Config {
	t.Helper()
	cfg, err := checkpoint.ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const tinyBERT = `{"model_type": "bert", "architectures": ["BertForSequenceClassification"], "vocab_size": 20,
	"hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 32,
	"max_position_embeddings": 16, "pad_token_id": 0}`

func tinyModel(t testing.TB, js string, seed uint64) *model.Model {
	t.Helper()
	m, err := NewModel(config(t, js), seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
