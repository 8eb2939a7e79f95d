package lab

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"bertology/core/induction"
	"bertology/wasm/protocol"
)

// TestInduction asks the lab for the induction scores of the golden GPT-2 with the defaults (repeats
// of 31 tokens, the most its 64 positions hold after <|endoftext|>) and with settings, and expects
// what the core computes on the same sequences; the model info says which models the op is for.
func TestInduction(t *testing.T) {
	l := loadModel(t, "gpt2")
	for _, tc := range []struct {
		fields map[string]any
		opt    induction.Options
	}{
		{map[string]any{}, induction.Options{Length: 31, Sequences: 10, Seed: 1}},
		{map[string]any{"length": 6.0, "sequences": 2.0, "seed": 9.0}, induction.Options{Length: 6, Sequences: 2, Seed: 9}},
	} {
		var phases []protocol.Progress
		got, err := l.Handle(context.Background(), protocol.OpInduction, tc.fields, func(p protocol.Progress) { phases = append(phases, p) })
		if err != nil {
			t.Fatal(err)
		}
		tc.opt.BOS, tc.opt.Special, tc.opt.Top = 336, []int{336}, inductionTop
		want, err := induction.Run(context.Background(), l.model.model, tc.opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		want.BOS = "<|endoftext|>"
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: the lab's scores\n %+v\nwant the core's\n %+v", tc.fields, got, want)
		}
		if last := phases[len(phases)-1]; last.Phase != "induction" || last.Done != tc.opt.Sequences || last.Total != tc.opt.Sequences {
			t.Errorf("%v: last progress %+v, want induction %d of %d", tc.fields, last, tc.opt.Sequences, tc.opt.Sequences)
		}
	}
	for arch, causal := range map[string]bool{"gpt2": true, "openai-gpt": true, "bert": false} {
		info, err := loadModel(t, arch).ModelInfo()
		if err != nil || info.CausalLM != causal {
			t.Errorf("%s: model info says causal LM %v (%v), want %v", arch, info.CausalLM, err, causal)
		}
	}
}

// TestInductionErrors checks that the op refuses what it cannot score with errors that say why.
func TestInductionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, arch string
		fields     map[string]any
		want       string
	}{
		{"classifier", "bert", map[string]any{}, "induction: induction and previous-token heads need a causal language model"},
		{"negative", "gpt2", map[string]any{"length": -1.0}, "induction: length -1, sequences 0 and seed 0 must not be negative"},
		{"too long", "gpt2", map[string]any{"length": 40.0}, "induction: a repeat of 40 tokens makes sequences of 81, longer than the model's 64 positions; at most 31"},
	} {
		_, err := loadModel(t, tc.arch).Handle(context.Background(), protocol.OpInduction, tc.fields, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one starting %q", tc.name, err, tc.want)
		}
	}
	if _, err := New().Induction(context.Background(), &protocol.InductionRequest{}, noReport); err != errNoModel {
		t.Errorf("no model: error %v", err)
	}
}
