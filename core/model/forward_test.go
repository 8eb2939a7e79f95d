package model

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/golden"
	"bertology/core/tensor"
)

func TestForwardErrors(t *testing.T) {
	m := loadModel(t, "bert", "model")
	g := loadGolden(t, "bert")
	ok := goldenBatch(g.Inputs)
	edit := func(f func(b *Batch)) *Batch {
		b := *ok
		b.InputIDs = slices.Clone(ok.InputIDs)
		f(&b)
		return &b
	}
	long := &Batch{Size: 1, SeqLen: 70, InputIDs: make([]int, 70)}
	for _, tc := range []struct {
		name string
		b    *Batch
		opt  Options
		want string
	}{
		{"too long", long, Options{}, "input is 70 tokens, the model allows 64"},
		{"id outside vocabulary", edit(func(b *Batch) { b.InputIDs[5] = 147 }), Options{},
			"input_ids[0][5] is 147, outside the vocabulary of 147"},
		{"negative id", edit(func(b *Batch) { b.InputIDs[14] = -1 }), Options{}, "input_ids[1][1] is -1"},
		{"ids too few", edit(func(b *Batch) { b.InputIDs = b.InputIDs[1:] }), Options{}, "input_ids has 38 values, want 39"},
		{"empty", &Batch{}, Options{}, "must be positive"},
		{"mask value", edit(func(b *Batch) { b.AttentionMask = slices.Repeat([]int{2}, 39) }), Options{},
			"attention_mask[0][0] is 2, must be 0 or 1"},
		{"token type", edit(func(b *Batch) { b.TokenTypeIDs = slices.Repeat([]int{2}, 39) }), Options{},
			"token_type_ids[0][0] is 2, the model has 2 token types"},
		{"label", edit(func(b *Batch) { b.Labels = []int{0, 2, 1} }), Options{}, "labels[1] is 2"},
		{"labels per token", edit(func(b *Batch) { b.Labels = make([]int, 39) }), Options{}, "labels has 39 values, want 3"},
		{"targets", edit(func(b *Batch) { b.Targets = []float32{1, 2, 3} }), Options{}, "regression targets given"},
		{"head mask", ok, Options{HeadMask: make([]float32, 11)}, "head mask has 11 values, want 12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Forward(tc.b, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Forward: error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestFullyPaddedSequence runs sequences whose attention mask is all zeros. Every score then gets
// float32's lowest value added and torch's softmax comes out uniform (BERT), or uniform over the keys the
// causal mask allows (GPT-2, where padded future keys become -Inf); nothing may turn into NaN.
func TestFullyPaddedSequence(t *testing.T) {
	for _, arch := range []string{"bert", "gpt2", "llama"} {
		t.Run(arch, func(t *testing.T) {
			m := loadModel(t, arch, "model")
			b := goldenBatch(loadGolden(t, arch).Inputs)
			b.AttentionMask = make([]int, len(b.InputIDs))
			out, err := m.Forward(b, allOutputs)
			if err != nil {
				t.Fatal(err)
			}
			seq := b.SeqLen
			for l, a := range out.Attentions {
				for i, p := range a.Data {
					q, k := (i/seq)%seq, i%seq
					want := float32(1) / float32(seq)
					if arch != "bert" { // causal: the keys up to the query, all padded alike
						want = 0
						if k <= q {
							want = float32(1) / float32(q+1)
						}
					}
					if math.Abs(float64(p-want)) > 1e-6 {
						t.Fatalf("layer %d, flat index %d (query %d, key %d): attention %v, want %v", l, i, q, k, p, want)
					}
				}
			}
			for _, v := range out.Logits.Data {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("logit %v", v)
				}
			}
		})
	}
}

// TestPrunedEqualsMasked compares each kept head's attention and context in the pruned model with the
// same head in the unpruned model under the head mask that zeroes the pruned heads: Hugging Face's
// pruning is exactly that mask made permanent.
func TestPrunedEqualsMasked(t *testing.T) {
	for _, arch := range goldenArchs {
		t.Run(arch, func(t *testing.T) {
			g := loadGolden(t, arch)
			b := goldenBatch(g.Inputs)
			full, pruned := loadModel(t, arch, "model"), loadModel(t, arch, "pruned_model")
			opt := Options{Attentions: true, Contexts: true, HeadMask: g.Masked.HeadMask.F32()}
			masked, err := full.Forward(b, opt)
			if err != nil {
				t.Fatal(err)
			}
			opt.HeadMask = nil
			got, err := pruned.Forward(b, opt)
			if err != nil {
				t.Fatal(err)
			}
			c := full.Config()
			seq, hd := b.SeqLen, c.HeadDim()
			for l := range c.NumLayers {
				heads := pruned.Heads(l)
				if len(heads) != pruned.Config().HeadsInLayer(l) || got.Contexts[l].Shape[1] != len(heads) {
					t.Fatalf("layer %d: heads %v, contexts shape %v", l, heads, got.Contexts[l].Shape)
				}
				for i, h := range heads {
					for bi := range b.Size {
						gotCtx := got.Contexts[l].Data[((bi*len(heads)+i)*seq)*hd:][:seq*hd]
						wantCtx := masked.Contexts[l].Data[((bi*c.NumHeads+h)*seq)*hd:][:seq*hd]
						assertNearSlices(t, "context", gotCtx, wantCtx, tolerance)
						gotAttn := got.Attentions[l].Data[((bi*len(heads)+i)*seq)*seq:][:seq*seq]
						wantAttn := masked.Attentions[l].Data[((bi*c.NumHeads+h)*seq)*seq:][:seq*seq]
						assertNearSlices(t, "attention", gotAttn, wantAttn, tolerance)
					}
				}
				for h := range c.NumHeads {
					if g.Masked.HeadMask.Data[l*c.NumHeads+h] == 0 {
						for _, v := range masked.Contexts[l].Data[h*seq*hd : (h+1)*seq*hd] {
							if v != 0 {
								t.Fatalf("layer %d head %d is masked but its context is %v", l, h, v)
							}
						}
					}
				}
			}
		})
	}
}

func assertNearSlices(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol) {
			t.Fatalf("%s[%d]: got %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestRegressionLoss gives the BERT classifier one label and regression targets: the loss is the mean
// squared error of the logits, which are the same function of the input as the two-label ones.
func TestRegressionLoss(t *testing.T) {
	ck := loadCheckpoint(t, "bert", "model")
	w := ck.Weights
	ck = withWeights(ck, func(w2 map[string]*tensor.Tensor) {
		w2["classifier.weight"] = tensor.FromData(w["classifier.weight"].Data[32:], 1, 32) // keep label 1's row
		w2["classifier.bias"] = tensor.FromData(w["classifier.bias"].Data[1:], 1)
	})
	ck = withConfig(ck, func(c *checkpoint.Config) { c.NumLabels, c.ProblemType = 1, "" })
	m, err := New(ck)
	if err != nil {
		t.Fatal(err)
	}
	g := loadGolden(t, "bert")
	b := goldenBatch(g.Inputs)
	b.Labels, b.Targets = nil, []float32{0.5, -1, 2}
	out, err := m.Forward(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for i, target := range b.Targets {
		logit := g.Forward.Logits.Data[2*i+1]
		if math.Abs(float64(out.Logits.Data[i])-logit) > tolerance {
			t.Errorf("sequence %d: logit %v, want %v", i, out.Logits.Data[i], logit)
		}
		want += (logit - float64(target)) * (logit - float64(target)) / 3
	}
	if !out.HasLoss || math.Abs(float64(out.Loss)-want) > tolerance {
		t.Errorf("loss %v, want %v", out.Loss, want)
	}
}

// TestGPT2SequenceClassification checks GPT2ForSequenceClassification against its definition: the score
// layer applied to the final hidden state of the token before the first padding token (pad_token_id,
// here the end-of-text id the goldens pad with), the last token when a sequence has no padding.
// gpt2Classifier is the golden GPT-2 with a two-class score head of sin(i) weights, pad_token_id 336,
// and its golden batch labelled.
func gpt2Classifier(t *testing.T) (*Model, *Batch, *tensor.Tensor) {
	g := loadGolden(t, "gpt2")
	score := tensor.New(2, 32)
	for i := range score.Data {
		score.Data[i] = float32(math.Sin(float64(i)))
	}
	ck := withWeights(loadCheckpoint(t, "gpt2", "model"), func(w map[string]*tensor.Tensor) { w["score.weight"] = score })
	ck = withConfig(ck, func(c *checkpoint.Config) {
		c.Architectures = []string{"GPT2ForSequenceClassification"}
		c.Raw = maps.Clone(c.Raw)
		c.Raw["pad_token_id"] = json.RawMessage("336")
		c.PadTokenID = 336
	})
	m, err := New(ck)
	if err != nil {
		t.Fatal(err)
	}
	b := goldenBatch(g.Inputs)
	b.Labels = []int{1, 0, 1}
	return m, b, score
}

func TestGPT2SequenceClassification(t *testing.T) {
	g := loadGolden(t, "gpt2")
	m, b, score := gpt2Classifier(t)
	out, err := m.Forward(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	final := g.Forward.HiddenStates[len(g.Forward.HiddenStates)-1].Data
	var loss float64
	for i := range b.Size {
		last := 0
		for t := range b.SeqLen {
			if b.AttentionMask[i*b.SeqLen+t] == 1 {
				last = t
			}
		}
		var logits [2]float64
		for c := range logits {
			for j := range 32 {
				logits[c] += float64(score.Data[c*32+j]) * final[(i*b.SeqLen+last)*32+j]
			}
			if math.Abs(float64(out.Logits.Data[i*2+c])-logits[c]) > tolerance {
				t.Errorf("sequence %d, label %d: logit %v, want %v", i, c, out.Logits.Data[i*2+c], logits[c])
			}
		}
		z := math.Log(math.Exp(logits[0]) + math.Exp(logits[1]))
		loss += (z - logits[b.Labels[i]]) / 3
	}
	if math.Abs(float64(out.Loss)-loss) > tolerance {
		t.Errorf("loss %v, want %v", out.Loss, loss)
	}
	b.Labels = nil
	m.hasPadID = false
	if _, err := m.Forward(b, Options{}); err == nil || !strings.Contains(err.Error(), "needs a pad_token_id") {
		t.Errorf("without a pad_token_id: error %v", err)
	}
}

// TestTape runs the forward pass that keeps every layer's activations for the backward pass: the
// outputs must be the same, and each layer's kept input and attention must still be its own once the
// later layers have run.
func TestTape(t *testing.T) {
	for _, arch := range goldenArchs {
		t.Run(arch, func(t *testing.T) {
			g := loadGolden(t, arch)
			m := loadModel(t, arch, "model")
			opt := allOutputs
			opt.HeadMask = g.Masked.HeadMask.F32()
			out, tp, err := m.forward(goldenBatch(g.Inputs), opt, &GradOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := &g.Masked.goldenOutputs
			assertOutputs(t, out, want)
			if len(tp.layers) != len(want.Attentions) {
				t.Fatalf("tape has %d layers, want %d", len(tp.layers), len(want.Attentions))
			}
			for l, a := range tp.layers {
				golden.AssertClose(t, fmt.Sprint("layer input ", l), a.x, want.HiddenStates[l], tolerance)
				golden.AssertClose(t, fmt.Sprint("attentions ", l), a.attn, want.Attentions[l], tolerance)
			}
			golden.AssertClose(t, "head input", tp.final, want.HiddenStates[len(want.HiddenStates)-1], tolerance)
		})
	}
}

// TestContexts checks each head's context against its definition, computed in float64 from Hugging
// Face's own numbers: attention (golden) times values, the values being the layer's input (golden hidden
// state) through the value projection (the checkpoint's weights).
func TestContexts(t *testing.T) {
	for _, tc := range []struct{ arch, value string }{
		{"bert", "bert.encoder.layer.%d.attention.self.value"},
		{"distilbert", "distilbert.transformer.layer.%d.attention.v_lin"},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			g := loadGolden(t, tc.arch)
			ck := loadCheckpoint(t, tc.arch, "model")
			m, err := New(ck)
			if err != nil {
				t.Fatal(err)
			}
			b := goldenBatch(g.Inputs)
			out, err := m.Forward(b, Options{Contexts: true})
			if err != nil {
				t.Fatal(err)
			}
			c := m.Config()
			seq, d, nh, hd := b.SeqLen, c.HiddenSize, c.NumHeads, c.HeadDim()
			for l := range c.NumLayers {
				w := ck.Weights[fmt.Sprintf(tc.value, l)+".weight"].Data // [D, D] as [out, in]
				bias := ck.Weights[fmt.Sprintf(tc.value, l)+".bias"].Data
				x, attn := g.Forward.HiddenStates[l].Data, g.Forward.Attentions[l].Data
				v := make([]float64, b.Size*seq*d)
				for r := range b.Size * seq {
					for o := range d {
						s := float64(bias[o])
						for i := range d {
							s += float64(w[o*d+i]) * x[r*d+i]
						}
						v[r*d+o] = s
					}
				}
				for bi := range b.Size {
					for h := range nh {
						for q := range seq {
							for j := range hd {
								var want float64
								for k := range seq {
									want += attn[((bi*nh+h)*seq+q)*seq+k] * v[(bi*seq+k)*d+h*hd+j]
								}
								got := out.Contexts[l].Data[((bi*nh+h)*seq+q)*hd+j]
								if math.Abs(float64(got)-want) > tolerance {
									t.Fatalf("layer %d, sequence %d, head %d, query %d, dim %d: context %v, want %v", l, bi, h, q, j, got, want)
								}
							}
						}
					}
				}
			}
		})
	}
}

// TestWorkspaceReuse runs passes of every kind, on batches of two sizes, one after another on one
// model (each golden one, and the heads the goldens lack), whose workspaces (and the buffers of their tapes, heads and backward passes) carry over from
// pass to pass, and checks each against the same pass on a model of its own: the numbers must be the
// same, and no output a pass returned may change in a later pass.
func TestWorkspaceReuse(t *testing.T) {
	type pass struct {
		opt  Options
		want *GradOptions // nil: Forward
	}
	equal := func(a, b *Output, ga, gb *Gradients) bool {
		tensorsEqual := func(x, y []*tensor.Tensor) bool {
			return slices.EqualFunc(x, y, func(p, q *tensor.Tensor) bool { return slices.Equal(p.Data, q.Data) })
		}
		logits := func(o *Output) []*tensor.Tensor {
			var out []*tensor.Tensor
			for _, l := range []*tensor.Tensor{o.Logits, o.StartLogits, o.EndLogits, o.NextSentenceLogits} {
				if l != nil {
					out = append(out, l)
				}
			}
			return out
		}
		same := a.Loss == b.Loss && tensorsEqual(logits(a), logits(b)) &&
			tensorsEqual(a.HiddenStates, b.HiddenStates) && tensorsEqual(a.Attentions, b.Attentions) &&
			tensorsEqual(a.Contexts, b.Contexts)
		if ga == nil || !same {
			return same
		}
		if !slices.Equal(ga.HeadMask, gb.HeadMask) || len(ga.Weights) != len(gb.Weights) {
			return false
		}
		for name, w := range ga.Weights {
			if !slices.Equal(w.Data, gb.Weights[name].Data) {
				return false
			}
		}
		return true
	}
	type reuseCase struct {
		name  string
		model func() *Model
		full  *Batch
		mask  []float32
	}
	var cases []reuseCase
	for _, arch := range goldenArchs {
		g := loadGolden(t, arch)
		cases = append(cases, reuseCase{arch, func() *Model { return loadModel(t, arch, "model") }, goldenBatch(g.Inputs), g.Masked.HeadMask.F32()})
	}
	// The heads the goldens lack, with made-up weights, as their parity tests build them.
	g := loadGolden(t, "bert")
	tagged := goldenBatch(g.Inputs)
	tagged.Labels = make([]int, tagged.Size*tagged.SeqLen)
	for i := range tagged.Labels {
		tagged.Labels[i] = i % 3
	}
	spans := goldenBatch(loadGolden(t, "distilbert").Inputs)
	spans.Labels, spans.StartPositions, spans.EndPositions = nil, []int{1, 2, 3}, []int{4, 0, 5}
	pretraining := goldenBatch(loadGolden(t, "bert-mlm").Inputs)
	pretraining.NextSentenceLabels = []int{0, 1, 1}
	cases = append(cases,
		reuseCase{"token classification", func() *Model {
			return headModel(t, "bert", "BertForTokenClassification", map[string]*tensor.Tensor{
				"classifier.weight": madeUp(1, 0.5, 3, 32), "classifier.bias": madeUp(2, 0.5, 3)}, func(c *checkpoint.Config) { c.NumLabels = 3 })
		}, tagged, g.Masked.HeadMask.F32()},
		reuseCase{"question answering", func() *Model {
			return headModel(t, "distilbert", "DistilBertForQuestionAnswering", map[string]*tensor.Tensor{
				"qa_outputs.weight": madeUp(3, 0.5, 2, 32), "qa_outputs.bias": madeUp(4, 0.5, 2)}, nil)
		}, spans, g.Masked.HeadMask.F32()},
		reuseCase{"pre-training", func() *Model {
			return headModel(t, "bert-mlm", "BertForPreTraining", map[string]*tensor.Tensor{
				"bert.pooler.dense.weight": madeUp(5, 0.3, 32, 32), "bert.pooler.dense.bias": madeUp(6, 0.3, 32),
				"cls.seq_relationship.weight": madeUp(7, 0.5, 2, 32), "cls.seq_relationship.bias": madeUp(8, 0.5, 2)}, nil)
		}, pretraining, g.Masked.HeadMask.F32()},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			full, mask := c.full, c.mask
			passes := []pass{
				{Options{HeadMask: mask, HiddenStates: true, Attentions: true, Contexts: true}, &GradOptions{HeadMask: true, Weights: true}},
				{Options{LossOnly: true}, &GradOptions{Weights: true}},
				{Options{}, nil},
				{Options{HeadMask: mask, LossOnly: true}, &GradOptions{HeadMask: true}},
				{Options{Attentions: true}, nil},
				{Options{LossOnly: true}, nil},
			}
			m := c.model()
			var outs, kept []*Output
			for i := range 2 * len(passes) {
				p, b := passes[i%len(passes)], full
				if i%2 == 1 {
					b = full.Split(1)[0]
				}
				fresh := c.model()
				var got, want *Output
				var gotGrads, wantGrads *Gradients
				var err error
				if p.want == nil {
					got, err = m.Forward(b, p.opt)
					if err == nil {
						want, err = fresh.Forward(b, p.opt)
					}
				} else {
					got, gotGrads, err = m.ForwardBackward(b, p.opt, *p.want)
					if err == nil {
						want, wantGrads, err = fresh.ForwardBackward(b, p.opt, *p.want)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				if !equal(got, want, gotGrads, wantGrads) {
					t.Errorf("pass %d (%+v, gradients %+v) on a model that ran the passes before differs from it on a model of its own", i, p.opt, p.want)
				}
				outs, kept = append(outs, got), append(kept, want)
			}
			for i := range outs {
				if !equal(outs[i], kept[i], nil, nil) {
					t.Errorf("pass %d's output changed in the passes after it", i)
				}
			}
		})
	}
}
