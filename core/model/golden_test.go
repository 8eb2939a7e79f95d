package model

import (
	"fmt"
	"math"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
)

// goldenOutputs is one forward pass as recorded in the goldens.
type goldenOutputs struct {
	Loss         float64          `json:"loss"`
	Logits       *golden.Tensor   `json:"logits"`
	HiddenStates []*golden.Tensor `json:"hidden_states"`
	Attentions   []*golden.Tensor `json:"attentions"`
}

type goldenFile struct {
	Inputs  map[string]*golden.Tensor `json:"inputs"`
	Forward goldenOutputs             `json:"forward"`
	Masked  struct {
		HeadMask *golden.Tensor `json:"head_mask"`
		goldenOutputs
	} `json:"masked"`
	Pruned struct {
		NumParamsBefore int `json:"num_params_before"`
		NumParamsAfter  int `json:"num_params_after"`
		goldenOutputs
	} `json:"pruned"`
}

var goldenArchs = []string{"bert", "bert-mlm", "distilbert", "gpt2", "openai-gpt"}

// tolerance is the float32 parity the project promises with Hugging Face.
const tolerance = 1e-5

// goldens caches the decoded golden files, which several tests read; tests must not modify them.
var goldens = map[string]*goldenFile{}

func loadGolden(t *testing.T, arch string) *goldenFile {
	t.Helper()
	if g, ok := goldens[arch]; ok {
		return g
	}
	g := &goldenFile{}
	golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), g)
	goldens[arch] = g
	return g
}

func loadModel(t testing.TB, arch, dir string) *Model {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, arch, dir))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ck)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// goldenBatch turns a golden's inputs section into a Batch.
func goldenBatch(inputs map[string]*golden.Tensor) *Batch {
	ids := inputs["input_ids"]
	b := &Batch{Size: ids.Shape[0], SeqLen: ids.Shape[1], InputIDs: ids.Ints()}
	if t := inputs["attention_mask"]; t != nil {
		b.AttentionMask = t.Ints()
	}
	if t := inputs["token_type_ids"]; t != nil {
		b.TokenTypeIDs = t.Ints()
	}
	if t := inputs["labels"]; t != nil {
		b.Labels = t.Ints()
	}
	return b
}

func assertOutputs(t *testing.T, got *Output, want *goldenOutputs) {
	t.Helper()
	golden.AssertClose(t, "logits", got.Logits.Data, want.Logits, tolerance)
	if !got.HasLoss || math.Abs(float64(got.Loss)-want.Loss) > tolerance {
		t.Errorf("loss: got %v (present %v), want %v", got.Loss, got.HasLoss, want.Loss)
	}
	if len(got.HiddenStates) != len(want.HiddenStates) || len(got.Attentions) != len(want.Attentions) {
		t.Fatalf("%d hidden states and %d attentions, want %d and %d",
			len(got.HiddenStates), len(got.Attentions), len(want.HiddenStates), len(want.Attentions))
	}
	for i, h := range want.HiddenStates {
		assertShape(t, fmt.Sprintf("hidden state %d", i), got.HiddenStates[i].Shape, h.Shape)
		golden.AssertClose(t, fmt.Sprintf("hidden state %d", i), got.HiddenStates[i].Data, h, tolerance)
	}
	for i, a := range want.Attentions {
		assertShape(t, fmt.Sprintf("attentions %d", i), got.Attentions[i].Shape, a.Shape)
		golden.AssertClose(t, fmt.Sprintf("attentions %d", i), got.Attentions[i].Data, a, tolerance)
	}
}

func assertShape(t *testing.T, what string, got, want []int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: shape %v, want %v", what, got, want)
	}
}

var allOutputs = Options{HiddenStates: true, Attentions: true}

// TestGoldenForward compares every output of a forward pass with Hugging Face's: plain, with heads
// masked, and with the same heads pruned from the weights.
func TestGoldenForward(t *testing.T) {
	for _, arch := range goldenArchs {
		t.Run(arch, func(t *testing.T) {
			g := loadGolden(t, arch)
			b := goldenBatch(g.Inputs)
			m := loadModel(t, arch, "model")
			t.Run("forward", func(t *testing.T) {
				out, err := m.Forward(b, allOutputs)
				if err != nil {
					t.Fatal(err)
				}
				assertOutputs(t, out, &g.Forward)
			})
			t.Run("masked", func(t *testing.T) {
				opt := allOutputs
				opt.HeadMask = g.Masked.HeadMask.F32()
				out, err := m.Forward(b, opt)
				if err != nil {
					t.Fatal(err)
				}
				assertOutputs(t, out, &g.Masked.goldenOutputs)
			})
			t.Run("pruned", func(t *testing.T) {
				pruned := loadModel(t, arch, "pruned_model")
				out, err := pruned.Forward(b, allOutputs)
				if err != nil {
					t.Fatal(err)
				}
				assertOutputs(t, out, &g.Pruned.goldenOutputs)
				if got := m.NumParams(); got != g.Pruned.NumParamsBefore {
					t.Errorf("NumParams of model/: %d, want %d", got, g.Pruned.NumParamsBefore)
				}
				if got := pruned.NumParams(); got != g.Pruned.NumParamsAfter {
					t.Errorf("NumParams of pruned_model/: %d, want %d", got, g.Pruned.NumParamsAfter)
				}
			})
		})
	}
}
