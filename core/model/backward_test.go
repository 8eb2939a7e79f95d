package model

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// TestForwardBackwardModes checks that the forward half of ForwardBackward is Forward, and that asking
// for the head mask's gradient alone, which skips the first layer's attention backward, gives exactly
// the gradient that the full backward pass gives.
func TestForwardBackwardModes(t *testing.T) {
	for _, arch := range goldenArchs {
		t.Run(arch, func(t *testing.T) {
			g := loadGolden(t, arch)
			m := loadModel(t, arch, "model")
			b := goldenBatch(g.Inputs)
			opt := Options{HeadMask: g.Masked.HeadMask.F32(), Attentions: true}
			want, err := m.Forward(b, opt)
			if err != nil {
				t.Fatal(err)
			}
			headOnly, hg, err := m.ForwardBackward(b, opt, GradOptions{HeadMask: true})
			if err != nil {
				t.Fatal(err)
			}
			full, fg, err := m.ForwardBackward(b, opt, GradOptions{HeadMask: true, Weights: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, out := range []*Output{headOnly, full} {
				if out.Loss != want.Loss || !slices.Equal(out.Logits.Data, want.Logits.Data) ||
					!slices.Equal(out.Attentions[2].Data, want.Attentions[2].Data) {
					t.Fatal("ForwardBackward's outputs differ from Forward's")
				}
			}
			if !slices.Equal(hg.HeadMask, fg.HeadMask) {
				t.Errorf("head-mask gradient alone %v, with the weights' %v", hg.HeadMask, fg.HeadMask)
			}
			if hg.Weights != nil || len(fg.Weights) != len(m.Weights()) {
				t.Errorf("%d weight gradients when not asked, %d when asked, for %d weights", len(hg.Weights), len(fg.Weights), len(m.Weights()))
			}
			_, none, err := m.ForwardBackward(b, opt, GradOptions{})
			if err != nil || none.HeadMask != nil || none.Weights != nil {
				t.Errorf("nothing asked: gradients %+v, error %v", none, err)
			}
		})
	}
}

func TestForwardBackwardErrors(t *testing.T) {
	m := loadModel(t, "bert-mlm", "model")
	b := goldenBatch(loadGolden(t, "bert-mlm").Inputs)
	unlabelled := *b
	unlabelled.Labels = nil
	ignored := *b
	ignored.Labels = slices.Repeat([]int{ignoreIndex}, len(b.Labels))
	tooLong := *b
	tooLong.SeqLen = 70
	bare, err := New(withConfig(loadCheckpoint(t, "bert", "model"), func(c *checkpoint.Config) {
		c.Architectures = []string{"BertModel"}
	}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    *Model
		b    *Batch
		want string
	}{
		{"no labels", m, &unlabelled, "the batch has no labels"},
		{"every label ignored", m, &ignored, "every label is -100"},
		{"invalid batch", m, &tooLong, "input is 70 tokens"},
		{"bare model", bare, b, "the model has no head"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.m.ForwardBackward(tc.b, Options{}, GradOptions{HeadMask: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestBatchDecomposition checks the gradients of a batch against those of its sequences taken one at a
// time: the batch loss is the mean over its labels, so its gradient is the mean of the sequences'
// gradients weighted by their numbers of labels. One sequence is entirely padding: its attention rows
// are those the float32-min masks flatten (uniform in torch, or over the causal keys), which must give
// finite gradients, and, having no labels in a language model, nothing at all.
func TestBatchDecomposition(t *testing.T) {
	for _, arch := range goldenArchs {
		t.Run(arch, func(t *testing.T) {
			m := loadModel(t, arch, "model")
			b := goldenBatch(loadGolden(t, arch).Inputs)
			padded := b.Size - 1
			b.AttentionMask = slices.Clone(b.AttentionMask)
			clear(b.AttentionMask[padded*b.SeqLen:])
			if m.Head() != SequenceClassification {
				b.Labels = slices.Clone(b.Labels)
				for i := padded * b.SeqLen; i < b.Size*b.SeqLen; i++ {
					b.Labels[i] = ignoreIndex
				}
			}
			all := GradOptions{HeadMask: true, Weights: true}
			_, got, err := m.ForwardBackward(b, Options{}, all)
			if err != nil {
				t.Fatal(err)
			}
			want := &Gradients{HeadMask: make([]float32, len(got.HeadMask)), Weights: m.Weights()}
			for _, w := range want.Weights {
				clear(w.Data)
			}
			var total float64
			for i := range b.Size {
				one := sliceBatch(b, i, i+1)
				labels := labelCount(m, one)
				if labels == 0 {
					continue
				}
				_, g, err := m.ForwardBackward(one, Options{}, all)
				if err != nil {
					t.Fatal(err)
				}
				total += labels
				addScaled(want.HeadMask, g.HeadMask, labels)
				for name, w := range want.Weights {
					addScaled(w.Data, g.Weights[name].Data, labels)
				}
			}
			assertGradientsNear(t, got.HeadMask, want.HeadMask, 1/total, "head mask")
			for name, w := range want.Weights {
				assertGradientsNear(t, got.Weights[name].Data, w.Data, 1/total, name)
			}
		})
	}
}

// labelCount is how many labels a batch's loss averages over.
func labelCount(m *Model, b *Batch) float64 {
	labels := b.Labels
	if m.Head() == SequenceClassification {
		return float64(b.Size)
	}
	if m.Head() == CausalLM {
		labels = shiftedLabels(nil, b)
	}
	n := 0
	for _, l := range labels {
		if l != ignoreIndex {
			n++
		}
	}
	return float64(n)
}

func addScaled(dst, x []float32, scale float64) {
	for i, v := range x {
		dst[i] += float32(float64(v) * scale)
	}
}

// assertGradientsNear compares got with want·scale, to 1e-5 of the gradient's largest entry: the
// float32 sums over the batch's rows run in another order.
func assertGradientsNear(t *testing.T, got, want []float32, scale float64, what string) {
	t.Helper()
	var largest float64
	for _, v := range want {
		largest = max(largest, math.Abs(float64(v)*scale))
	}
	for i, v := range want {
		w := float64(v) * scale
		if d := math.Abs(float64(got[i]) - w); !(d <= 1e-5*largest+1e-7) {
			t.Fatalf("%s[%d]: batch gradient %v, from its sequences %v", what, i, got[i], w)
		}
	}
}

// BenchmarkForwardBackwardBERTTiny times a BERT-tiny-shaped classifier (2 layers, hidden 128, 2 heads,
// intermediate 512) on 8 sequences of 128 tokens: the forward pass alone, with the head mask's gradient
// (what head importance costs), and with every weight's gradient, returned by name or added to a
// gradient kept from pass to pass, as training does.
func BenchmarkForwardBackwardBERTTiny(b *testing.B) {
	m, batch := randomBERT(b, 2, 128, 2, 512, 30522, 8, 128)
	for _, mode := range []struct {
		name string
		want *GradOptions
	}{{"forward", nil}, {"head mask", &GradOptions{HeadMask: true}}, {"weights", &GradOptions{HeadMask: true, Weights: true}},
		{"weights into", &GradOptions{HeadMask: true, Into: m.NewWeightGradient()}}} {
		for _, k := range kernel.Implementations() {
			b.Run(mode.name+"/"+k.Name(), func(b *testing.B) {
				m.k = k
				m.packWeights()
				for b.Loop() {
					var err error
					if mode.want == nil {
						_, err = m.Forward(batch, Options{})
					} else {
						_, _, err = m.ForwardBackward(batch, Options{}, *mode.want)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/op")
			})
		}
	}
}

// TestRowsTheHeadReads checks that a pass without hidden states, whose last block computes only the
// rows the head reads after its attention (a classifier's one per sequence; a masked LM's labelled rows
// when only its loss is wanted), gives exactly what the pass over every row gives: loss, logits,
// attentions, the head mask's gradient and every weight's. It runs the golden classifiers and masked LM
// (post-LN) and GPT-2 with a score head (pre-LN, final LayerNorm, the last token read).
func TestRowsTheHeadReads(t *testing.T) {
	type model struct {
		name string
		m    *Model
		b    *Batch
		rows int // that the head reads
	}
	var models []model
	for _, arch := range goldenArchs {
		m, b := loadModel(t, arch, "model"), goldenBatch(loadGolden(t, arch).Inputs)
		switch m.Head() {
		case SequenceClassification:
			models = append(models, model{arch, m, b, b.Size})
		case MaskedLM:
			labelled := 0
			for _, label := range b.Labels {
				if label != ignoreIndex {
					labelled++
				}
			}
			models = append(models, model{arch, m, b, labelled})
		}
	}
	m, b, _ := gpt2Classifier(t)
	models = append(models, model{"gpt2-classifier", m, b, b.Size})
	if len(models) < 4 {
		t.Fatalf("%d classifiers and masked LMs among the golden models, want bert, distilbert, bert-mlm and GPT-2's", len(models))
	}
	for _, c := range models {
		t.Run(c.name, func(t *testing.T) {
			m, b := c.m, c.b
			want := GradOptions{HeadMask: true, Weights: true}
			mask := make([]float32, m.Config().NumLayers*m.Config().NumHeads)
			for i := range mask {
				mask[i] = 1 - float32(i%3)/4
			}
			opt := Options{HeadMask: mask, Attentions: true, LossOnly: true}
			_, tp, err := m.forward(b, opt, &want)
			if err != nil {
				t.Fatal(err)
			}
			if d := m.Config().HiddenSize; len(tp.final) != c.rows*d || c.rows >= b.Size*b.SeqLen {
				t.Errorf("the last block computed %d rows of %d, want the %d the head reads", len(tp.final)/d, b.Size*b.SeqLen, c.rows)
			}
			m.release(tp)
			rowsOnly, rg, err := m.ForwardBackward(b, opt, want)
			if err != nil {
				t.Fatal(err)
			}
			opt.HiddenStates = true
			every, eg, err := m.ForwardBackward(b, opt, want)
			if err != nil {
				t.Fatal(err)
			}
			if rowsOnly.Loss != every.Loss || (m.Head() == SequenceClassification) != (rowsOnly.Logits != nil) ||
				rowsOnly.Logits != nil && !slices.Equal(rowsOnly.Logits.Data, every.Logits.Data) {
				t.Errorf("loss %v logits %v, over every row %v %v", rowsOnly.Loss, rowsOnly.Logits, every.Loss, every.Logits)
			}
			last := len(every.Attentions) - 1
			if !slices.Equal(rowsOnly.Attentions[last].Data, every.Attentions[last].Data) {
				t.Error("the last layer's attentions differ")
			}
			if !slices.Equal(rg.HeadMask, eg.HeadMask) {
				t.Errorf("head-mask gradient %v, over every row %v", rg.HeadMask, eg.HeadMask)
			}
			if len(rg.Weights) != len(eg.Weights) {
				t.Fatalf("%d weight gradients, over every row %d", len(rg.Weights), len(eg.Weights))
			}
			for name, w := range eg.Weights {
				if !slices.Equal(rg.Weights[name].Data, w.Data) {
					t.Errorf("gradient of %s differs", name)
				}
			}
		})
	}
}

// TestWeightGradient: ForwardBackward adds to a WeightGradient (GradOptions.Into) exactly the
// gradients Gradients.Weights returns, and a second batch's on top of them; Zero clears it; SumSquares
// sums the squares in name order as Hugging Face lays them out; Scale rounds each scaled gradient to
// float32; another model's gradient is refused. It runs every architecture, with and without pruning.
func TestWeightGradient(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range []string{"model", "pruned_model"} {
			m := loadModel(t, arch, dir)
			b := goldenBatch(loadGolden(t, arch).Inputs)
			first, second := sliceBatch(b, 0, 1), sliceBatch(b, 1, b.Size)
			_, want, err := m.ForwardBackward(first, Options{}, GradOptions{Weights: true})
			if err != nil {
				t.Fatal(err)
			}
			_, want2, err := m.ForwardBackward(second, Options{}, GradOptions{Weights: true})
			if err != nil {
				t.Fatal(err)
			}
			g := m.NewWeightGradient()
			_, got, err := m.ForwardBackward(first, Options{}, GradOptions{Into: g})
			if err != nil {
				t.Fatal(err)
			}
			if got.Weights != nil {
				t.Errorf("%s/%s: Gradients.Weights without being asked", arch, dir)
			}
			acc := g.Weights()
			if len(acc) != len(want.Weights) {
				t.Fatalf("%s/%s: %d gradients, want %d", arch, dir, len(acc), len(want.Weights))
			}
			for name, w := range want.Weights {
				if !slices.Equal(acc[name].Data, w.Data) {
					t.Fatalf("%s/%s: %s added to a zero gradient differs from Gradients.Weights", arch, dir, name)
				}
			}
			_, both, err := m.ForwardBackward(second, Options{}, GradOptions{Weights: true, Into: g})
			if err != nil {
				t.Fatal(err)
			}
			acc = g.Weights()
			for name, w := range want.Weights {
				sum := slices.Clone(w.Data)
				addInPlace(sum, want2.Weights[name].Data)
				assertGradientsNear(t, acc[name].Data, sum, 1, arch+"/"+dir+" "+name+" of two batches")
				if !slices.Equal(both.Weights[name].Data, acc[name].Data) {
					t.Fatalf("%s/%s: with Into, Gradients.Weights[%s] is not what Into holds", arch, dir, name)
				}
			}

			var sum float64
			for _, name := range slices.Sorted(maps.Keys(acc)) {
				for _, v := range acc[name].Data {
					sum += float64(v) * float64(v)
				}
			}
			if got := g.SumSquares(); got != sum {
				t.Errorf("%s/%s: SumSquares %g, want %g", arch, dir, got, sum)
			}
			const c = 0.3
			g.Scale(c)
			for name, w := range g.Weights() {
				for i, v := range w.Data {
					if want := float32(float64(acc[name].Data[i]) * c); v != want {
						t.Fatalf("%s/%s: %s[%d] = %g after Scale(%g), want %g", arch, dir, name, i, v, c, want)
					}
				}
			}
			g.Zero()
			for name, w := range g.Weights() {
				if slices.ContainsFunc(w.Data, func(v float32) bool { return v != 0 }) {
					t.Fatalf("%s/%s: %s not zero after Zero", arch, dir, name)
				}
			}
			if g.SumSquares() != 0 {
				t.Errorf("%s/%s: SumSquares %g after Zero", arch, dir, g.SumSquares())
			}
			other := loadModel(t, arch, dir)
			if _, _, err := other.ForwardBackward(first, Options{}, GradOptions{Into: g}); err == nil ||
				err.Error() != "the gradient to add to is another model's" {
				t.Errorf("%s/%s: another model's gradient: error %v", arch, dir, err)
			}
		}
	}
}
