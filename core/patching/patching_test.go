package patching

import (
	"context"
	"math"
	"slices"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/model"
)

type goldenInputs struct {
	Inputs map[string]*golden.Tensor `json:"inputs"`
}

// cases are the golden models, each with a metric: two classes, or two next tokens.
var cases = []struct {
	arch   string
	metric Metric
}{
	{"bert", Metric{1, 0}}, {"distilbert", Metric{1, 0}}, {"gpt2", Metric{32, 110}},
	{"openai-gpt", Metric{9, 14}}, {"llama", Metric{261, 392}},
}

func loadCheckpoint(t *testing.T, arch string) *checkpoint.Checkpoint {
	t.Helper()
	ck, err := checkpoint.LoadDir(golden.Path(t, arch, "model"))
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

func newModel(t *testing.T, ck *checkpoint.Checkpoint) *model.Model {
	t.Helper()
	m, err := model.New(ck)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pair returns the golden's first sequence, cut to its real tokens, as the clean input, and the same
// with two tokens after the first replaced as the corrupted one.
func pair(t *testing.T, arch string) (clean, corrupted *model.Batch) {
	var g goldenInputs
	golden.Decode(t, golden.Path(t, arch, "golden_float32.json"), &g)
	ids, mask := g.Inputs["input_ids"], g.Inputs["attention_mask"].Ints()
	n := 0
	for n < ids.Shape[1] && mask[n] == 1 {
		n++
	}
	clean = &model.Batch{Size: 1, SeqLen: n, InputIDs: ids.Ints()[:n]}
	if tt := g.Inputs["token_type_ids"]; tt != nil {
		clean.TokenTypeIDs = tt.Ints()[:n]
	}
	c := *clean
	c.InputIDs = slices.Clone(clean.InputIDs)
	c.InputIDs[1], c.InputIDs[2] = clean.InputIDs[3], clean.InputIDs[4]
	return clean, &c
}

func TestPatchEverythingOrNothing(t *testing.T) {
	for _, c := range cases {
		t.Run(c.arch, func(t *testing.T) {
			m := newModel(t, loadCheckpoint(t, c.arch))
			clean, corrupted := pair(t, c.arch)
			src, err := Run(m, clean)
			if err != nil {
				t.Fatal(err)
			}
			bad, err := Run(m, corrupted)
			if err != nil {
				t.Fatal(err)
			}
			layers, _ := m.Shape()
			var all []Site
			for l := 0; l <= layers; l++ {
				all = append(all, Site{Residual: true, Layer: l, Pos: -1})
			}
			out, err := Patch(m, corrupted, src, all)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.Logits.Data, src.Output.Logits.Data) {
				t.Error("every residual stream patched from clean: the logits are not the clean ones")
			}
			out, err = Patch(m, corrupted, src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.Logits.Data, bad.Output.Logits.Data) {
				t.Error("nothing patched: the logits are not the corrupted ones")
			}
			if slices.Equal(src.Output.Logits.Data, bad.Output.Logits.Data) {
				t.Fatal("clean and corrupted runs agree: the test shows nothing")
			}
			// The last row patches the final residual stream: at the row the head reads it is the clean
			// run's metric, 1; the first patches the embeddings, which at position 0 the inputs share, 0.
			rm, err := ResidualMap(context.Background(), m, clean, corrupted, c.metric, nil)
			if err != nil {
				t.Fatal(err)
			}
			row, _ := metricRow(m, clean)
			if got := rm.Scores[layers*rm.Cols+row]; math.Abs(got-1) > 1e-9 {
				t.Errorf("patching the final residual stream at position %d gives %v, want 1", row, got)
			}
			if got := rm.Scores[0*rm.Cols+0]; math.Abs(got) > 1e-9 {
				t.Errorf("patching the embeddings at position 0, which the inputs share, gives %v, want 0", got)
			}
		})
	}
}

// TestPlantedHead zeroes the output projection of every head but one: the head-patching map must
// show that head at 1 and every other at 0.
func TestPlantedHead(t *testing.T) {
	const planted = 2 // head 2 of layer 1
	ck := loadCheckpoint(t, "bert")
	hd := ck.Config.HiddenSize / ck.Config.NumHeads
	for l := 0; l < ck.Config.NumLayers; l++ {
		w := ck.Weights["bert.encoder.layer."+string(rune('0'+l))+".attention.output.dense.weight"]
		if w == nil {
			t.Fatal("no attention output weight")
		}
		in := w.Shape[1]
		for o := 0; o < w.Shape[0]; o++ {
			for j := 0; j < in; j++ {
				if l != 1 || j/hd != planted {
					w.Data[o*in+j] = 0
				}
			}
		}
	}
	m := newModel(t, ck)
	clean, corrupted := pair(t, "bert")
	hm, err := HeadMap(context.Background(), m, clean, corrupted, Metric{1, 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(hm.Clean-hm.Corrupted) < 1e-4 {
		t.Fatalf("clean %v and corrupted %v metrics agree", hm.Clean, hm.Corrupted)
	}
	for i, v := range hm.Scores {
		want := 0.0
		if i == 1*hm.Cols+planted {
			want = 1
		}
		if math.Abs(v-want) > 1e-5 {
			t.Errorf("layer %d head %d: %v, want %v", i/hm.Cols, i%hm.Cols, v, want)
		}
	}
}

func TestAblation(t *testing.T) {
	for _, c := range cases {
		t.Run(c.arch, func(t *testing.T) {
			m := newModel(t, loadCheckpoint(t, c.arch))
			clean, corrupted := pair(t, c.arch)
			zero, err := Ablate(context.Background(), m, clean, c.metric, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			layers, heads := m.Shape()
			// Zeroing a head's output is masking its attention with 0.
			for i := range layers * heads {
				mask := make([]float32, layers*heads)
				for j := range mask {
					mask[j] = 1
				}
				mask[i] = 0
				out, err := m.Forward(clean, model.Options{HeadMask: mask})
				if err != nil {
					t.Fatal(err)
				}
				if want := c.metric.value(m, clean, out); math.Abs(zero.Ablated[i]-want) > 1e-5 {
					t.Errorf("layer %d head %d zeroed: %v, head mask 0 gives %v", i/heads, i%heads, zero.Ablated[i], want)
				}
			}
			// The means are those of the heads' contexts Forward returns.
			data := []*model.Batch{clean, corrupted}
			means, err := HeadMeans(m, data)
			if err != nil {
				t.Fatal(err)
			}
			hd := m.Config().HeadDim()
			for l := range layers {
				want := make([]float64, len(means[l]))
				for _, b := range data {
					out, _ := m.Forward(b, model.Options{Contexts: true})
					ctx := out.Contexts[l] // [1, heads, T, hd]
					for h := range ctx.Shape[1] {
						for tok := range b.SeqLen {
							for j := range hd {
								want[h*hd+j] += float64(ctx.Data[(h*b.SeqLen+tok)*hd+j]) / float64(2*b.SeqLen)
							}
						}
					}
				}
				for j, v := range means[l] {
					if math.Abs(float64(v)-want[j]) > 1e-5 {
						t.Fatalf("layer %d mean %d: %v, want %v", l, j, v, want[j])
					}
				}
			}
			mean, err := Ablate(context.Background(), m, clean, c.metric, means, nil)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Equal(mean.Ablated, zero.Ablated) {
				t.Error("mean and zero ablation agree everywhere")
			}
		})
	}
}

func TestBadInputs(t *testing.T) {
	m := newModel(t, loadCheckpoint(t, "bert"))
	clean, _ := pair(t, "bert")
	short := &model.Batch{Size: 1, SeqLen: 3, InputIDs: []int{2, 5, 3}}
	if _, err := ResidualMap(context.Background(), m, clean, short, Metric{1, 0}, nil); err == nil {
		t.Error("inputs of different lengths: no error")
	}
	if _, err := HeadMap(context.Background(), m, clean, clean, Metric{1, 7}, nil); err == nil {
		t.Error("class 7 of 2: no error")
	}
}

func TestMeansErrors(t *testing.T) {
	tests := []struct {
		name string
		adds [][][]float64
		want string
	}{
		{"none", nil, "mean ablation needs at least one example"},
		{"layers", [][][]float64{{{1, 2}}, {{1, 2}, {3, 4}}}, "head sums of 2 layers, want 1"},
		{"width", [][][]float64{{{1, 2}}, {{1, 2, 3}}}, "layer 0: head sums of width 3, want 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a Means
			var err error
			for _, s := range tt.adds {
				if err = a.Add(s, 2); err != nil {
					break
				}
			}
			if err == nil {
				_, err = a.Result()
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	var a Means
	a.Add([][]float64{{2, 4}}, 2)
	a.Add([][]float64{{4, 0}}, 2)
	if m, err := a.Result(); err != nil || !slices.Equal(m[0], []float32{1.5, 1}) {
		t.Errorf("means %v (%v), want [[1.5 1]]", m, err)
	}
}
