package model

import (
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
)

// TestUpdate: Update hands over every parameter Weights exports, under the same name, shape and
// layout, in the order Params lists them, and what f writes is what Weights then reads, for every architecture, pruned or not; the
// kinds follow Hugging Face's grouping for weight decay.
func TestUpdate(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range []string{"model", "pruned_model"} {
			m, err := New(loadCheckpoint(t, arch, dir))
			if err != nil {
				t.Fatal(err)
			}
			before := m.Weights()
			params := m.Params()
			seen := map[string]bool{}
			m.Update(func(p Param, w []float32) {
				want, ok := before[p.Name]
				switch {
				case !ok:
					t.Fatalf("%s/%s: Update visits %s, which Weights lacks", arch, dir, p.Name)
				case seen[p.Name]:
					t.Fatalf("%s/%s: Update visits %s twice", arch, dir, p.Name)
				case !slices.Equal(p.Shape, want.Shape) || !slices.Equal(w, want.Data):
					t.Fatalf("%s/%s: %s is handed over as %v, not as Weights gives it", arch, dir, p.Name, p.Shape)
				}
				if i := len(seen); i >= len(params) || params[i].Name != p.Name || !slices.Equal(params[i].Shape, p.Shape) || params[i].Kind != p.Kind {
					t.Fatalf("%s/%s: Update's parameter %d is %v, Params lists otherwise", arch, dir, i, p)
				}
				seen[p.Name] = true
				wantKind := WeightParam
				switch {
				case strings.HasSuffix(p.Name, "bias") || strings.HasSuffix(p.Name, "beta"):
					wantKind = BiasParam
				case isLayerNorm(p.Name):
					wantKind = GainParam
				}
				if p.Kind != wantKind {
					t.Errorf("%s/%s: %s has kind %d, want %d", arch, dir, p.Name, p.Kind, wantKind)
				}
				for i := range w {
					w[i] = 2*w[i] + float32(i%7)
				}
			})
			if len(seen) != len(before) || len(params) != len(before) {
				t.Errorf("%s/%s: Update visits %d parameters, Weights has %d", arch, dir, len(seen), len(before))
			}
			for name, w := range m.Weights() {
				for i, v := range w.Data {
					if want := 2*before[name].Data[i] + float32(i%7); v != want {
						t.Fatalf("%s/%s: %s[%d] = %g after the update, want %g", arch, dir, name, i, v, want)
					}
				}
			}
		}
	}
}

// isLayerNorm tells a LayerNorm's parameters by their Hugging Face module names.
func isLayerNorm(name string) bool {
	for _, s := range []string{"LayerNorm", "layer_norm", "ln_"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// TestUpdateWith: UpdateWith hands over every parameter once, in blocks that hold NumParams values in
// all, each block beside the same block of the gradient and with the kind Params gives each of its
// parameters; what f writes is what Weights then reads and what Forward computes with (the packings are
// redone); another model's gradient is refused, changing nothing. It runs every architecture, pruned
// or not.
func TestUpdateWith(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range []string{"model", "pruned_model"} {
			m := loadModel(t, arch, dir)
			b := goldenBatch(loadGolden(t, arch).Inputs)
			g := m.NewWeightGradient()
			if _, _, err := m.ForwardBackward(b, Options{}, GradOptions{Into: g}); err != nil {
				t.Fatal(err)
			}
			// Each value becomes its gradient plus a mark of its kind, which Weights must show.
			mark := map[ParamKind]float32{WeightParam: 10, BiasParam: 20, GainParam: 30}
			values, next := 0, 0
			err := m.UpdateWith(g, func(i int, kind ParamKind, w, grad []float32) {
				if i != next || len(w) != len(grad) {
					t.Fatalf("%s/%s: block %d (of %d values, gradient %d) after block %d", arch, dir, i, len(w), len(grad), next-1)
				}
				next++
				values += len(w)
				for j := range w {
					w[j] = grad[j] + mark[kind]
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if values != m.NumParams() {
				t.Errorf("%s/%s: UpdateWith hands over %d values, the model has %d parameters", arch, dir, values, m.NumParams())
			}
			kinds := map[string]ParamKind{}
			for _, p := range m.Params() {
				kinds[p.Name] = p.Kind
			}
			grads := g.Weights()
			weights := m.Weights()
			for name, w := range weights {
				for i, v := range w.Data {
					if want := grads[name].Data[i] + mark[kinds[name]]; v != want {
						t.Fatalf("%s/%s: %s[%d] = %g after the update, want %g (kind %d)", arch, dir, name, i, v, want, kinds[name])
					}
				}
			}
			fresh, err := New(&checkpoint.Checkpoint{Config: m.Config(), Weights: weights})
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Forward(b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.Forward(b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Loss != want.Loss || !slices.Equal(got.Logits.Data, want.Logits.Data) {
				t.Errorf("%s/%s: the updated model computes loss %g, a model loaded from its weights %g", arch, dir, got.Loss, want.Loss)
			}
			other := loadModel(t, arch, dir)
			err = m.UpdateWith(other.NewWeightGradient(), func(int, ParamKind, []float32, []float32) {
				t.Fatalf("%s/%s: UpdateWith hands over parameters with another model's gradient", arch, dir)
			})
			if err == nil || err.Error() != "model: the gradient is another model's" {
				t.Errorf("%s/%s: another model's gradient: error %v", arch, dir, err)
			}
		}
	}
}
