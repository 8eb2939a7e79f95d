package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bertology/core/golden"
	"bertology/core/tensor"
)

// TestForwardCommand runs `bertology forward` on the BERT golden, plain and with its head mask, and
// compares the JSON it writes with Hugging Face's outputs.
func TestForwardCommand(t *testing.T) {
	var g struct {
		Inputs  json.RawMessage `json:"inputs"`
		Forward goldenForward   `json:"forward"`
		Masked  struct {
			HeadMask json.RawMessage `json:"head_mask"`
			goldenForward
		} `json:"masked"`
	}
	golden.Decode(t, golden.Path(t, "bert", "golden_float32.json"), &g)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inputs := write("inputs.json", g.Inputs)
	mask := write("mask.json", g.Masked.HeadMask)
	nested := write("nested.json", []byte("[[1, 0, 1, 1], [1, 1, 1, 1], [0, 1, 1, 0]]"))
	for _, tc := range []struct {
		name, inputs string
		extra        []string
		want         *goldenForward
	}{
		{"plain", inputs, nil, &g.Forward},
		{"whole golden file", golden.Path(t, "bert", "golden_float32.json"), nil, &g.Forward},
		{"head mask tensor", inputs, []string{"--head-mask", mask}, &g.Masked.goldenForward},
		{"head mask lists", inputs, []string{"--head-mask", nested}, &g.Masked.goldenForward},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out.json")
			args := append([]string{"--model", golden.Path(t, "bert", "model"), "--inputs", tc.inputs, "--out", out}, tc.extra...)
			if err := runForward(args); err != nil {
				t.Fatal(err)
			}
			var got goldenForward
			golden.Decode(t, out, &got)
			golden.AssertClose(t, "logits", got.Logits.F32(), tc.want.Logits, 1e-5)
			if d := got.Loss - tc.want.Loss; d > 1e-5 || d < -1e-5 {
				t.Errorf("loss %v, want %v", got.Loss, tc.want.Loss)
			}
			if len(got.HiddenStates) != 4 || len(got.Attentions) != 3 {
				t.Fatalf("%d hidden states and %d attentions, want 4 and 3", len(got.HiddenStates), len(got.Attentions))
			}
			for i, a := range tc.want.Attentions {
				golden.AssertClose(t, fmt.Sprint("attentions ", i), got.Attentions[i].F32(), a, 1e-5)
			}
		})
	}
	t.Run("bad head mask", func(t *testing.T) {
		bad := write("bad.json", []byte("[[1, 0], [1, 1]]"))
		err := runForward([]string{"--model", golden.Path(t, "bert", "model"), "--inputs", inputs, "--out", filepath.Join(dir, "x.json"), "--head-mask", bad})
		if err == nil || !strings.Contains(err.Error(), "the model needs [3 4]") {
			t.Fatalf("a [2 2] head mask for a 3×4 model: error %v", err)
		}
	})
}

type goldenForward struct {
	Loss         float64          `json:"loss"`
	Logits       *golden.Tensor   `json:"logits"`
	HiddenStates []*golden.Tensor `json:"hidden_states"`
	Attentions   []*golden.Tensor `json:"attentions"`
}

// TestForwardQuestionAnswering: a question answerer's start and end logits and its loss from the start
// and end positions given with the inputs.
func TestForwardQuestionAnswering(t *testing.T) {
	dir := headModelDir(t, "BertForQuestionAnswering", nil,
		map[string]*tensor.Tensor{"qa_outputs.weight": sinWeights(2, 32), "qa_outputs.bias": tensor.New(2)})
	var g struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	golden.Decode(t, golden.Path(t, "bert", "golden_float32.json"), &g)
	delete(g.Inputs, "labels")
	g.Inputs["start_positions"] = json.RawMessage(`{"shape": [3], "dtype": "int64", "data": [1, 2, 3]}`)
	g.Inputs["end_positions"] = json.RawMessage(`{"shape": [3], "dtype": "int64", "data": [4, 5, 6]}`)
	b, err := json.Marshal(g.Inputs)
	if err != nil {
		t.Fatal(err)
	}
	inputs, out := filepath.Join(t.TempDir(), "inputs.json"), filepath.Join(t.TempDir(), "out.json")
	if err := os.WriteFile(inputs, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runForward([]string{"--model", dir, "--inputs", inputs, "--out", out}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Loss        *float64       `json:"loss"`
		Logits      *golden.Tensor `json:"logits"`
		StartLogits *golden.Tensor `json:"start_logits"`
		EndLogits   *golden.Tensor `json:"end_logits"`
	}
	golden.Decode(t, out, &got)
	if got.Loss == nil || got.Logits != nil || got.StartLogits == nil || fmt.Sprint(got.StartLogits.Shape) != "[3 13]" ||
		got.EndLogits == nil || fmt.Sprint(got.EndLogits.Shape) != "[3 13]" {
		t.Errorf("output: loss %v, logits %v, start logits %v, end logits %v", got.Loss, got.Logits, got.StartLogits, got.EndLogits)
	}
}
