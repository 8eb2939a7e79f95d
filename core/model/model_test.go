package model

import (
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/tensor"
)

func loadCheckpoint(t testing.TB, arch, dir string) *checkpoint.Checkpoint {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, arch, dir))
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// withConfig returns a shallow copy of ck whose config edit has changed.
func withConfig(ck *checkpoint.Checkpoint, edit func(c *checkpoint.Config)) *checkpoint.Checkpoint {
	cfg := *ck.Config
	edit(&cfg)
	out := *ck
	out.Config = &cfg
	return &out
}

// withWeights returns a shallow copy of ck whose weights edit has changed.
func withWeights(ck *checkpoint.Checkpoint, edit func(w map[string]*tensor.Tensor)) *checkpoint.Checkpoint {
	out := *ck
	out.Weights = maps.Clone(ck.Weights)
	edit(out.Weights)
	return &out
}

func TestNewErrors(t *testing.T) {
	bert := loadCheckpoint(t, "bert", "model")
	for _, tc := range []struct {
		name string
		ck   *checkpoint.Checkpoint
		want string
	}{
		{"hidden size", withConfig(bert, func(c *checkpoint.Config) { c.HiddenSize = 64 }),
			"bert.embeddings.word_embeddings.weight: shape [147 32], config wants [147 64]"},
		{"mis-shaped tensor", withWeights(bert, func(w map[string]*tensor.Tensor) {
			w["bert.encoder.layer.1.attention.self.query.weight"] = tensor.New(32, 30)
		}), "bert.encoder.layer.1.attention.self.query.weight: shape [32 30], config wants [32 32]"},
		{"missing tensor", withWeights(bert, func(w map[string]*tensor.Tensor) { delete(w, "classifier.bias") }),
			"classifier.bias: missing from the checkpoint"},
		{"pruned heads without pruned weights", withConfig(bert, func(c *checkpoint.Config) {
			c.PrunedHeads = map[int][]int{2: {0, 3}}
		}), "bert.encoder.layer.2.attention.self.query.weight: shape [32 32], config wants [16 32]"},
		{"activation", withConfig(bert, func(c *checkpoint.Config) { c.Activation = "softsign" }),
			`activation "softsign" is not supported`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.ck)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestWeightNames loads checkpoints whose tensors are named differently from what save_pretrained
// writes today, but as Hugging Face still accepts them, and expects the same outputs.
func TestWeightNames(t *testing.T) {
	rename := func(ck *checkpoint.Checkpoint, f func(string) string) *checkpoint.Checkpoint {
		return withWeights(ck, func(w map[string]*tensor.Tensor) {
			for name, v := range maps.Clone(w) {
				delete(w, name)
				w[f(name)] = v
			}
		})
	}
	for _, tc := range []struct {
		arch   string
		rename func(string) string
	}{
		{"bert", func(n string) string { return strings.TrimPrefix(n, "bert.") }},
		{"gpt2", func(n string) string { return strings.TrimPrefix(n, "transformer.") }},
		{"distilbert", func(n string) string {
			n = strings.Replace(n, "layer_norm.weight", "layer_norm.gamma", 1)
			return strings.Replace(n, "LayerNorm.bias", "LayerNorm.beta", 1)
		}},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			g := loadGolden(t, tc.arch)
			ck := rename(loadCheckpoint(t, tc.arch, "model"), tc.rename)
			m, err := New(ck)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Forward(goldenBatch(g.Inputs), allOutputs)
			if err != nil {
				t.Fatal(err)
			}
			assertOutputs(t, out, &g.Forward)
		})
	}
}

// TestPytorchBin loads each model from pytorch_model.bin, which also holds the tied weights
// (lm_head.weight, cls.predictions.decoder.*), and expects the same outputs as from model.safetensors.
func TestPytorchBin(t *testing.T) {
	for _, arch := range goldenArchs {
		t.Run(arch, func(t *testing.T) {
			g := loadGolden(t, arch)
			files := map[string][]byte{}
			for _, name := range []string{"config.json", "pytorch_model.bin"} {
				b, err := os.ReadFile(golden.Path(t, arch, "model", name))
				if err != nil {
					t.Fatal(err)
				}
				files[name] = b
			}
			ck, err := checkpoint.LoadFiles(files)
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(ck)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Forward(goldenBatch(g.Inputs), allOutputs)
			if err != nil {
				t.Fatal(err)
			}
			assertOutputs(t, out, &g.Forward)
			if arch == "gpt2" || arch == "openai-gpt" {
				// Untied, the LM head is read from lm_head.weight, which the .bin holds, and counted apart.
				untied, err := New(withConfig(ck, func(c *checkpoint.Config) { c.TieWordEmbeddings = false }))
				if err != nil {
					t.Fatal(err)
				}
				out, err := untied.Forward(goldenBatch(g.Inputs), allOutputs)
				if err != nil {
					t.Fatal(err)
				}
				assertOutputs(t, out, &g.Forward)
				c := ck.Config
				if got, want := untied.NumParams(), g.Pruned.NumParamsBefore+c.VocabSize*c.HiddenSize; got != want {
					t.Errorf("untied NumParams %d, want %d", got, want)
				}
			}
		})
	}
}

// TestBareModels loads the golden weights as the base models (BertModel, GPT2Model, ...), saved
// without the prefix as Hugging Face saves them: the same hidden states and attentions, no logits,
// and the parameters of the head left out of the count.
func TestBareModels(t *testing.T) {
	for _, tc := range []struct {
		arch, class, prefix string
		headParams          int // parameters of the task head the base model lacks
	}{
		{"bert", "BertModel", "bert.", 2*32 + 2},
		{"distilbert", "DistilBertModel", "distilbert.", 32*32 + 32 + 2*32 + 2},
		{"gpt2", "GPT2Model", "transformer.", 0},
		{"openai-gpt", "OpenAIGPTModel", "transformer.", 0},
	} {
		t.Run(tc.class, func(t *testing.T) {
			g := loadGolden(t, tc.arch)
			ck := withWeights(loadCheckpoint(t, tc.arch, "model"), func(w map[string]*tensor.Tensor) {
				for name, v := range maps.Clone(w) {
					delete(w, name)
					if base, ok := strings.CutPrefix(name, tc.prefix); ok {
						w[base] = v
					}
				}
			})
			ck = withConfig(ck, func(c *checkpoint.Config) { c.Architectures = []string{tc.class} })
			m, err := New(ck)
			if err != nil {
				t.Fatal(err)
			}
			if m.Head() != NoHead {
				t.Fatalf("head %v, want none", m.Head())
			}
			b := goldenBatch(g.Inputs)
			b.Labels = nil
			out, err := m.Forward(b, allOutputs)
			if err != nil {
				t.Fatal(err)
			}
			if out.Logits != nil || out.HasLoss {
				t.Errorf("bare model returned logits or a loss")
			}
			want := g.Forward
			want.Logits, want.Loss = &golden.Tensor{}, 0
			out.Logits, out.HasLoss = &tensor.Tensor{}, true
			assertOutputs(t, out, &want)
			if got, want := m.NumParams(), g.Pruned.NumParamsBefore-tc.headParams; got != want {
				t.Errorf("NumParams %d, want %d", got, want)
			}
			for name := range m.Weights() {
				if _, ok := ck.Weights[name]; !ok {
					t.Errorf("Weights has %s, which the bare checkpoint does not", name)
				}
			}
		})
	}
}

// TestHeadFromTensors checks that a config without architectures gets the head its tensors imply.
func TestHeadFromTensors(t *testing.T) {
	for arch, want := range map[string]Head{
		"bert": SequenceClassification, "bert-mlm": MaskedLM, "distilbert": SequenceClassification,
		"gpt2": CausalLM, "openai-gpt": CausalLM,
	} {
		ck := withConfig(loadCheckpoint(t, arch, "model"), func(c *checkpoint.Config) { c.Architectures = nil })
		m, err := New(ck)
		if err != nil {
			t.Fatal(err)
		}
		if m.Head() != want {
			t.Errorf("%s: head %v, want %v", arch, m.Head(), want)
		}
	}
}

// TestWeightsRoundTrip expects Weights to give back exactly the tensors of model.safetensors, which
// save_pretrained wrote: the same names, shapes and values, pruned or not.
func TestWeightsRoundTrip(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range []string{"model", "pruned_model"} {
			ck := loadCheckpoint(t, arch, dir)
			m, err := New(ck)
			if err != nil {
				t.Fatal(err)
			}
			got := m.Weights()
			if len(got) != len(ck.Weights) {
				t.Errorf("%s/%s: Weights has %d tensors, model.safetensors %d", arch, dir, len(got), len(ck.Weights))
			}
			for name, want := range ck.Weights {
				w, ok := got[name]
				if !ok {
					t.Errorf("%s/%s: Weights lacks %s", arch, dir, name)
					continue
				}
				if !w.SameShape(want) || !slices.Equal(w.Data, want.Data) {
					t.Errorf("%s/%s: %s differs (shape %v, want %v)", arch, dir, name, w.Shape, want.Shape)
				}
			}
			n := 0
			for _, w := range got {
				n += w.Len()
			}
			if n != m.NumParams() {
				t.Errorf("%s/%s: Weights hold %d parameters, NumParams says %d", arch, dir, n, m.NumParams())
			}
		}
	}
}
