package model

import (
	"slices"
	"testing"

	"bertology/core/checkpoint"
)

// TestRandomCheckpoint builds random models with the goldens' configs: Hugging Face's parameter
// counts, full and pruned, check the layout; New must accept the checkpoint and give back its weights.
func TestRandomCheckpoint(t *testing.T) {
	for _, arch := range goldenArchs {
		g := loadGolden(t, arch)
		for _, dir := range []string{"model", "pruned_model"} {
			cfg := loadCheckpoint(t, arch, dir).Config
			ck, err := RandomCheckpoint(cfg, 7)
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(ck)
			if err != nil {
				t.Fatalf("%s/%s: %v", arch, dir, err)
			}
			want := g.Pruned.NumParamsBefore
			if dir == "pruned_model" {
				want = g.Pruned.NumParamsAfter
			}
			if got := m.NumParams(); got != want {
				t.Errorf("%s/%s: NumParams %d, want %d", arch, dir, got, want)
			}
			again, err := RandomCheckpoint(cfg, 7)
			if err != nil {
				t.Fatal(err)
			}
			other, err := RandomCheckpoint(cfg, 8)
			if err != nil {
				t.Fatal(err)
			}
			for name, w := range m.Weights() {
				if !slices.Equal(w.Data, ck.Weights[name].Data) || !slices.Equal(w.Data, again.Weights[name].Data) {
					t.Fatalf("%s/%s: %s differs between the checkpoint, the model and the same seed again", arch, dir, name)
				}
				if slices.Equal(w.Data, other.Weights[name].Data) {
					t.Fatalf("%s/%s: %s is the same for seeds 7 and 8", arch, dir, name)
				}
			}
			b := goldenBatch(g.Inputs)
			if _, err := m.Forward(b, allOutputs); err != nil {
				t.Fatalf("%s/%s: %v", arch, dir, err)
			}
		}
	}
}

func TestRandomCheckpointGains(t *testing.T) {
	cfg, err := checkpoint.ParseConfig([]byte(`{"model_type": "gpt2", "n_embd": 8, "n_layer": 1, "n_head": 2,
		"vocab_size": 10, "n_positions": 4, "initializer_range": 0.5}`))
	if err != nil {
		t.Fatal(err)
	}
	ck, err := RandomCheckpoint(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	mean := func(name string) float64 {
		var s float64
		for _, v := range ck.Weights[name].Data {
			s += float64(v)
		}
		return s / float64(ck.Weights[name].Len())
	}
	if m := mean("ln_f.weight"); m < 0.5 || m > 1.5 {
		t.Errorf("LayerNorm gains average %v, want about 1", m)
	}
	if m := mean("h.0.attn.c_attn.weight"); m < -0.2 || m > 0.2 {
		t.Errorf("weights average %v, want about 0", m)
	}
}
