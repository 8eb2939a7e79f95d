package model

import (
	"slices"
	"strings"
	"testing"
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
