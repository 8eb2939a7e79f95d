package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"bertology/core/golden"
)

// TestInspectCommand runs `bertology inspect` on golden pruned models and checks what it prints against
// what Hugging Face recorded: the parameter count after pruning and the shapes of pruned layers.
func TestInspectCommand(t *testing.T) {
	tests := []struct {
		arch   string
		weight string // a weight of pruned layer 0 (3 heads of 8 left) and its shape
		shape  string
	}{
		{"bert", "bert.encoder.layer.0.attention.self.query.weight", "[24 32]"},
		{"gpt2", "transformer.h.0.attn.c_attn.weight", "[32 72]"},
	}
	for _, tt := range tests {
		var g struct {
			Pruned struct {
				NumParamsAfter int `json:"num_params_after"`
			} `json:"pruned"`
		}
		golden.Decode(t, golden.Path(t, tt.arch, "golden_float32.json"), &g)
		var out bytes.Buffer
		if err := inspectModel([]string{"--model", golden.Path(t, tt.arch, "pruned_model")}, &out); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		for _, want := range []string{
			fmt.Sprintf("%d parameters, from model.safetensors", g.Pruned.NumParamsAfter),
			"pruned heads:  layer 0: [1]; layer 2: [0 3]",
			"layers:        3",
			"labels:        2: LABEL_0, LABEL_1", // no id2label: named as transformers names them
		} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: output does not contain %q:\n%s", tt.arch, want, s)
			}
		}
		line := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(tt.weight) + ` +F32 +` + regexp.QuoteMeta(tt.shape) + `$`)
		if !line.MatchString(s) {
			t.Errorf("%s: no line for %s F32 %s:\n%s", tt.arch, tt.weight, tt.shape, s)
		}
	}
}

// TestInspectLlama: a Llama's grouped-query attention and rotary positions are shown.
func TestInspectLlama(t *testing.T) {
	var out bytes.Buffer
	if err := inspectModel([]string{"--model", golden.Path(t, "stories260K", "hf")}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"type:          llama [LlamaForCausalLM]",
		"heads:         8 of width 8, sharing 4 key/value heads (2 query heads each)",
		"positions:     rotary, base 10000",
		"model.layers.0.self_attn.k_proj.weight          F32  [32 64]",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, out.String())
		}
	}
}

func TestInspectCommandErrors(t *testing.T) {
	if err := inspectModel(nil, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--model") {
		t.Errorf("no --model: error %v", err)
	}
	dir := t.TempDir()
	if err := inspectModel([]string{"--model", dir}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("empty directory: error %v", err)
	}
}
