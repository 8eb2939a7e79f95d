package lens

import (
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

// loadWithTokenizer loads a golden model and its tokenizer.
func loadWithTokenizer(t *testing.T, arch string) (*model.Model, tokenizer.Tokenizer) {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromFiles(string(ck.Config.ModelType), ck.Files)
	if err != nil {
		t.Fatal(err)
	}
	return m, tok
}

// TestRun checks what Run adds to Compute: the objective the head decides, the masked input, and the
// text of every token, target and prediction.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		arch, text string
		mask       []int
		objective  string
	}{
		{"gpt2", "hello world, again", nil, "next token"},
		{"bert-mlm", "the quick brown fox", []int{2, 3}, "masked token"},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			m, tok := loadWithTokenizer(t, tc.arch)
			enc, err := tok.Encode(tc.text, "", false, tokenizer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := Run(m, tok, enc, tc.mask, 3)
			if err != nil {
				t.Fatal(err)
			}
			ids, targets := enc.IDs, NextTokens(enc.IDs)
			if tc.mask != nil {
				if ids, targets, err = Mask(enc.IDs, tc.mask, tok.Special().MASK); err != nil {
					t.Fatal(err)
				}
			}
			want, err := Compute(m, ids, enc.TypeIDs, targets, 3)
			if err != nil {
				t.Fatal(err)
			}
			if r.Objective != tc.objective || !slices.Equal(r.IDs, ids) || !slices.Equal(r.Targets, targets) || len(r.Layers) != len(want.Layers) {
				t.Fatalf("objective %q, ids %v, targets %v, %d depths; want %q, %v, %v, %d", r.Objective, r.IDs, r.Targets, len(r.Layers), tc.objective, ids, targets, len(want.Layers))
			}
			text := func(id int) string { return tok.Decode([]int{id}) }
			for i, id := range ids {
				if r.Tokens[i] != text(id) {
					t.Errorf("token %d is %q, want %q", i, r.Tokens[i], text(id))
				}
				if target := targets[i]; (target == NoTarget) != (r.TargetTokens[i] == nil) || target != NoTarget && *r.TargetTokens[i] != text(target) {
					t.Errorf("position %d: target %d as %v", i, target, r.TargetTokens[i])
				}
			}
			for _, at := range tc.mask {
				if r.Tokens[at] != "[MASK]" {
					t.Errorf("position %d reads %q, want [MASK]", at, r.Tokens[at])
				}
			}
			for d, depth := range r.Layers {
				for i, c := range depth.Positions {
					w := want.Layers[d].Positions[i]
					for k, p := range c.Top {
						if p.ID != w.Top[k].ID || p.Probability != w.Top[k].Probability || p.Token != text(p.ID) {
							t.Fatalf("depth %d position %d top %d: %+v, want %+v as %q", d, i, k, p, w.Top[k], text(w.Top[k].ID))
						}
					}
				}
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	for _, tc := range []struct {
		name, arch string
		mask       []int
		want       string
	}{
		{"classifier", "bert", nil, "the logit lens needs a language-model head"},
		{"mask for a causal model", "gpt2", []int{1}, "lens: positions to mask are for a masked language model"},
		{"mask outside", "bert-mlm", []int{9}, "lens: mask position 9 outside 0..3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, tok := loadWithTokenizer(t, tc.arch)
			enc, err := tok.Encode("hello world", "", false, tokenizer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Run(m, tok, enc, tc.mask, 3); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want one starting %q", err, tc.want)
			}
		})
	}
}
