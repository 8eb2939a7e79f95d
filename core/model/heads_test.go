package model

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"bertology/core/checkpoint"
	"bertology/core/tensor"
)

// The goldens hold no token classifier, question answerer, DistilBERT masked LM or pre-training head.
// Their tests build each head from first principles instead: the golden model's final hidden states
// (Hugging Face's numbers) through the head's layers, with made-up weights written into the golden
// checkpoint, computed in float64 by the test, against the model's float32 head on its own hidden
// states, to the parity tolerance.

// madeUp returns a tensor of the given shape filled with scale·sin(seed + i): weights for a head the
// goldens lack, the same on every run and neither small nor regular.
func madeUp(seed, scale float64, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.Data {
		t.Data[i] = float32(scale * math.Sin(seed+float64(i)))
	}
	return t
}

// headModel is the golden model of arch (a directory of testdata/golden) as the Hugging Face class
// class, with the tensors of add written into its checkpoint (replacing any of the same name) and its
// config changed by edit when edit is not nil.
func headModel(t *testing.T, arch, class string, add map[string]*tensor.Tensor, edit func(c *checkpoint.Config)) *Model {
	t.Helper()
	ck := withWeights(loadCheckpoint(t, arch, "model"), func(w map[string]*tensor.Tensor) { maps.Copy(w, add) })
	ck = withConfig(ck, func(c *checkpoint.Config) {
		c.Architectures = []string{class}
		if edit != nil {
			edit(c)
		}
	})
	m, err := New(ck)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// finalHidden is the golden's last hidden state [B·T, D], the heads' input.
func finalHidden(t *testing.T, arch string) []float64 {
	hs := loadGolden(t, arch).Forward.HiddenStates
	return hs[len(hs)-1].Data
}

// dense64 is x [rows, in]·wᵀ + b in float64, for a torch Linear's weight w [out, in] and bias b [out].
func dense64(x []float64, rows int, w, b *tensor.Tensor) []float64 {
	out, in := w.Shape[0], w.Shape[1]
	y := make([]float64, rows*out)
	for r := range rows {
		for o := range out {
			s := float64(b.Data[o])
			for i := range in {
				s += float64(w.Data[o*in+i]) * x[r*in+i]
			}
			y[r*out+o] = s
		}
	}
	return y
}

// crossEntropy64 is the mean of -log softmax(logits[row])[label] over the rows whose label is not
// -100, for logits [len(labels), classes].
func crossEntropy64(logits []float64, classes int, labels []int) float64 {
	var sum float64
	n := 0
	for r, label := range labels {
		if label == ignoreIndex {
			continue
		}
		row := logits[r*classes : (r+1)*classes]
		peak := slices.Max(row)
		var z float64
		for _, v := range row {
			z += math.Exp(v - peak)
		}
		sum += peak + math.Log(z) - row[label]
		n++
	}
	return sum / float64(n)
}

func assertNear64(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); !(d <= tolerance) {
			t.Fatalf("%s[%d]: %v, want %v", what, i, got[i], w)
		}
	}
}

func assertLoss(t *testing.T, out *Output, want float64) {
	t.Helper()
	if !out.HasLoss || math.Abs(float64(out.Loss)-want) > tolerance {
		t.Errorf("loss %v (present %v), want %v", out.Loss, out.HasLoss, want)
	}
}

// TestTokenClassification checks BertForTokenClassification and DistilBertForTokenClassification: the
// classifier on every token's final hidden state gives logits [B, T, labels], and the loss is the mean
// cross-entropy over the labels other than -100, here every real token's but the first's.
func TestTokenClassification(t *testing.T) {
	for _, tc := range []struct{ arch, class string }{
		{"bert", "BertForTokenClassification"}, {"distilbert", "DistilBertForTokenClassification"},
	} {
		t.Run(tc.class, func(t *testing.T) {
			const labels = 5
			w, bias := madeUp(1, 0.5, labels, 32), madeUp(2, 0.5, labels)
			m := headModel(t, tc.arch, tc.class, map[string]*tensor.Tensor{"classifier.weight": w, "classifier.bias": bias},
				func(c *checkpoint.Config) { c.NumLabels = labels })
			if m.Head() != TokenClassification {
				t.Fatalf("head %v", m.Head())
			}
			b := goldenBatch(loadGolden(t, tc.arch).Inputs)
			b.Labels = make([]int, b.Size*b.SeqLen)
			for i := range b.Labels {
				b.Labels[i] = (i * 7) % labels
				if b.AttentionMask[i] == 0 || i%b.SeqLen == 0 {
					b.Labels[i] = ignoreIndex
				}
			}
			out, err := m.Forward(b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			assertShape(t, "logits", out.Logits.Shape, []int{b.Size, b.SeqLen, labels})
			want := dense64(finalHidden(t, tc.arch), b.Size*b.SeqLen, w, bias)
			assertNear64(t, "logits", out.Logits.Data, want)
			assertLoss(t, out, crossEntropy64(want, labels, b.Labels))
			if _, ok := m.Weights()["bert.pooler.dense.weight"]; ok {
				t.Error("BertForTokenClassification has a pooler; Hugging Face builds it without")
			}
		})
	}
}

// TestQuestionAnswering checks BertForQuestionAnswering and DistilBertForQuestionAnswering: qa_outputs
// on every token gives the start and end logits [B, T], and the loss is the mean of the start and end
// cross-entropies over the sequences, a position clamped to [0, T] and T ignored: here the second
// sequence's start (past the end) is ignored and the third's (negative) reads as 0.
func TestQuestionAnswering(t *testing.T) {
	for _, tc := range []struct{ arch, class string }{
		{"bert", "BertForQuestionAnswering"}, {"distilbert", "DistilBertForQuestionAnswering"},
	} {
		t.Run(tc.class, func(t *testing.T) {
			w, bias := madeUp(3, 0.5, 2, 32), madeUp(4, 0.5, 2)
			m := headModel(t, tc.arch, tc.class, map[string]*tensor.Tensor{"qa_outputs.weight": w, "qa_outputs.bias": bias}, nil)
			b := goldenBatch(loadGolden(t, tc.arch).Inputs)
			b.Labels = nil
			b.StartPositions, b.EndPositions = []int{2, 100, -3}, []int{5, 3, 4}
			out, err := m.Forward(b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if out.Logits != nil {
				t.Errorf("a question answerer returned logits %v besides its start and end logits", out.Logits.Shape)
			}
			logits := dense64(finalHidden(t, tc.arch), b.Size*b.SeqLen, w, bias)
			start, end := make([]float64, b.Size*b.SeqLen), make([]float64, b.Size*b.SeqLen)
			for r := range start {
				start[r], end[r] = logits[2*r], logits[2*r+1]
			}
			assertShape(t, "start logits", out.StartLogits.Shape, []int{b.Size, b.SeqLen})
			assertShape(t, "end logits", out.EndLogits.Shape, []int{b.Size, b.SeqLen})
			assertNear64(t, "start logits", out.StartLogits.Data, start)
			assertNear64(t, "end logits", out.EndLogits.Data, end)
			loss := (crossEntropy64(start, b.SeqLen, []int{2, ignoreIndex, 0}) + crossEntropy64(end, b.SeqLen, []int{5, 3, 4})) / 2
			assertLoss(t, out, loss)

			b.EndPositions = nil
			if _, err := m.Forward(b, Options{}); err == nil || !strings.Contains(err.Error(), "needs start and end positions both") {
				t.Errorf("start positions alone: error %v", err)
			}
			ck := withConfig(loadCheckpoint(t, tc.arch, "model"), func(c *checkpoint.Config) {
				c.Architectures, c.NumLabels = []string{tc.class}, 3
			})
			if _, err := New(ck); err == nil || !strings.Contains(err.Error(), "question answering needs num_labels 2") {
				t.Errorf("three labels: error %v", err)
			}
		})
	}
}

// TestDistilBertMaskedLM checks DistilBertForMaskedLM: vocab_transform, the activation (the config's,
// erf GELU), vocab_layer_norm (eps 1e-12), then vocab_projector, tied to the word embeddings unless
// tie_word_embeddings is false, with its own bias; the loss is the mean cross-entropy over the masked
// positions, the same when only the loss is asked for (the labelled rows alone computed).
func TestDistilBertMaskedLM(t *testing.T) {
	ck := loadCheckpoint(t, "distilbert", "model")
	const d, vocab = 32, 147
	tied := ck.Weights["distilbert.embeddings.word_embeddings.weight"]
	transform, transformBias := madeUp(5, 0.3, d, d), madeUp(6, 0.3, d)
	gain, shift := madeUp(7, 0.5, d), madeUp(8, 0.3, d)
	for i := range gain.Data {
		gain.Data[i]++
	}
	projBias, untied := madeUp(9, 0.3, vocab), madeUp(10, 0.2, vocab, d)
	head := map[string]*tensor.Tensor{
		"vocab_transform.weight": transform, "vocab_transform.bias": transformBias,
		"vocab_layer_norm.weight": gain, "vocab_layer_norm.bias": shift, "vocab_projector.bias": projBias,
	}
	for _, tc := range []struct {
		name      string
		projector *tensor.Tensor
	}{{"tied", tied}, {"untied", untied}} {
		t.Run(tc.name, func(t *testing.T) {
			add := maps.Clone(head)
			var edit func(c *checkpoint.Config)
			if tc.name == "untied" {
				add["vocab_projector.weight"] = untied
				edit = func(c *checkpoint.Config) { c.TieWordEmbeddings = false }
			}
			m := headModel(t, "distilbert", "DistilBertForMaskedLM", add, edit)
			if m.Head() != MaskedLM {
				t.Fatalf("head %v", m.Head())
			}
			b := goldenBatch(loadGolden(t, "distilbert").Inputs)
			b.Labels = slices.Repeat([]int{ignoreIndex}, b.Size*b.SeqLen)
			for i := 1; i < len(b.Labels); i += 4 {
				if b.AttentionMask[i] == 1 {
					b.Labels[i] = (i * 11) % vocab
				}
			}
			out, err := m.Forward(b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			n := b.Size * b.SeqLen
			x := dense64(finalHidden(t, "distilbert"), n, transform, transformBias)
			for i, v := range x {
				x[i] = v * (1 + math.Erf(v/math.Sqrt2)) / 2
			}
			for r := range n {
				row := x[r*d : (r+1)*d]
				var mean, variance float64
				for _, v := range row {
					mean += v / d
				}
				for _, v := range row {
					variance += (v - mean) * (v - mean) / d
				}
				for j, v := range row {
					row[j] = (v-mean)/math.Sqrt(variance+1e-12)*float64(gain.Data[j]) + float64(shift.Data[j])
				}
			}
			want := dense64(x, n, tc.projector, projBias)
			assertShape(t, "logits", out.Logits.Shape, []int{b.Size, b.SeqLen, vocab})
			assertNear64(t, "logits", out.Logits.Data, want)
			loss := crossEntropy64(want, vocab, b.Labels)
			assertLoss(t, out, loss)
			lossOnly, err := m.Forward(b, Options{LossOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if lossOnly.Logits != nil {
				t.Error("logits returned when only the loss was asked for")
			}
			assertLoss(t, lossOnly, loss)
			if _, ok := m.Weights()["vocab_projector.weight"]; ok != (tc.name == "untied") {
				t.Errorf("Weights has vocab_projector.weight: %v", ok)
			}
		})
	}
}

// TestBertPreTraining checks BertForPreTraining on the golden masked LM with a pooler and next-sentence
// classifier added: its prediction logits are the golden BertForMaskedLM's, its next-sentence logits
// cls.seq_relationship on tanh(pooler(first token)), and its loss the golden masked-LM loss plus the
// next-sentence cross-entropy, computed only when both kinds of label are given.
func TestBertPreTraining(t *testing.T) {
	pooler, poolerBias := madeUp(11, 0.3, 32, 32), madeUp(12, 0.3, 32)
	nsp, nspBias := madeUp(13, 0.5, 2, 32), madeUp(14, 0.5, 2)
	m := headModel(t, "bert-mlm", "BertForPreTraining", map[string]*tensor.Tensor{
		"bert.pooler.dense.weight": pooler, "bert.pooler.dense.bias": poolerBias,
		"cls.seq_relationship.weight": nsp, "cls.seq_relationship.bias": nspBias,
	}, nil)
	g := loadGolden(t, "bert-mlm")
	b := goldenBatch(g.Inputs)
	b.NextSentenceLabels = []int{1, ignoreIndex, 0}
	out, err := m.Forward(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	assertNear64(t, "prediction logits", out.Logits.Data, g.Forward.Logits.Data)
	final := finalHidden(t, "bert-mlm")
	first := make([]float64, b.Size*32)
	for i := range b.Size {
		copy(first[i*32:(i+1)*32], final[i*b.SeqLen*32:])
	}
	pooled := dense64(first, b.Size, pooler, poolerBias)
	for i, v := range pooled {
		pooled[i] = math.Tanh(v)
	}
	want := dense64(pooled, b.Size, nsp, nspBias)
	assertShape(t, "next-sentence logits", out.NextSentenceLogits.Shape, []int{b.Size, 2})
	assertNear64(t, "next-sentence logits", out.NextSentenceLogits.Data, want)
	assertLoss(t, out, g.Forward.Loss+crossEntropy64(want, 2, b.NextSentenceLabels))
	lossOnly, err := m.Forward(b, Options{LossOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	assertLoss(t, lossOnly, float64(out.Loss))

	b.NextSentenceLabels = nil
	if out, err := m.Forward(b, Options{}); err != nil || out.HasLoss {
		t.Errorf("masked-LM labels alone: loss present %v, error %v; Hugging Face computes none", out.HasLoss, err)
	}
	if _, _, err := m.ForwardBackward(b, Options{}, GradOptions{HeadMask: true}); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("ForwardBackward with masked-LM labels alone: error %v", err)
	}
	if got, want := m.NumParams(), g.Pruned.NumParamsBefore+32*32+32+2*32+2; got != want {
		t.Errorf("NumParams %d, want %d (the masked LM's and the pooler's and next-sentence classifier's)", got, want)
	}
}

// TestArchitectures checks that config.json's architecture decides the head, and that a class
// bertology does not run, or one of another model type, is refused by name instead of run as
// something else.
func TestArchitectures(t *testing.T) {
	for _, tc := range []struct {
		arch, class string
		head        Head
		err         string
	}{
		{"bert", "BertForSequenceClassification", SequenceClassification, ""},
		{"bert", "BertForTokenClassification", TokenClassification, ""},
		{"bert", "BertForQuestionAnswering", QuestionAnswering, ""},
		{"bert-mlm", "BertForMaskedLM", MaskedLM, ""},
		{"bert", "BertModel", NoHead, ""},
		{"distilbert", "DistilBertForTokenClassification", TokenClassification, ""},
		{"distilbert", "DistilBertModel", NoHead, ""},
		{"gpt2", "GPT2LMHeadModel", CausalLM, ""},
		{"bert", "BertForMultipleChoice", 0, "bertology does not support BertForMultipleChoice yet"},
		{"bert", "BertForNextSentencePrediction", 0, "bertology does not support BertForNextSentencePrediction yet"},
		{"bert", "BertLMHeadModel", 0, "bertology does not support BertLMHeadModel yet"},
		{"bert", "RobertaForMaskedLM", 0, "bertology does not support RobertaForMaskedLM yet"},
		{"distilbert", "DistilBertForMultipleChoice", 0, "bertology does not support DistilBertForMultipleChoice yet"},
		{"gpt2", "GPT2DoubleHeadsModel", 0, "bertology does not support GPT2DoubleHeadsModel yet"},
		{"gpt2", "GPT2ForTokenClassification", 0, "bertology does not support GPT2ForTokenClassification yet"},
		{"openai-gpt", "OpenAIGPTDoubleHeadsModel", 0, "bertology does not support OpenAIGPTDoubleHeadsModel yet"},
		{"bert", "DistilBertForMaskedLM", 0, "names the architecture DistilBertForMaskedLM, a distilbert model, but its model_type is bert"},
	} {
		t.Run(tc.class, func(t *testing.T) {
			ck := withConfig(loadCheckpoint(t, tc.arch, "model"), func(c *checkpoint.Config) { c.Architectures = []string{tc.class} })
			// The heads' tensors, so that a supported class finds its own.
			ck = withWeights(ck, func(w map[string]*tensor.Tensor) {
				w["qa_outputs.weight"], w["qa_outputs.bias"] = tensor.New(2, 32), tensor.New(2)
			})
			m, err := New(ck)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("New: error %v, want one containing %q", err, tc.err)
				}
				if _, err := RandomCheckpoint(ck.Config, 1); err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("RandomCheckpoint: error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Head() != tc.head {
				t.Errorf("head %v, want %v", m.Head(), tc.head)
			}
		})
	}
}

// TestNewHeadsFromTensors: a config that names no architecture gets the new heads from their tensors:
// a BERT classifier without a pooler classifies tokens (BertForTokenClassification has none), with
// one sequences; qa_outputs answers questions; cls.seq_relationship is BERT's pre-training head; a
// DistilBERT classifier without a pre-classifier classifies tokens; vocab_projector is DistilBERT's
// masked LM.
func TestNewHeadsFromTensors(t *testing.T) {
	drop := func(w map[string]*tensor.Tensor, prefixes ...string) {
		for name := range w {
			for _, p := range prefixes {
				if strings.HasPrefix(name, p) {
					delete(w, name)
				}
			}
		}
	}
	for _, tc := range []struct {
		name, arch string
		edit       func(w map[string]*tensor.Tensor)
		want       Head
	}{
		{"bert classifier with a pooler", "bert", func(map[string]*tensor.Tensor) {}, SequenceClassification},
		{"bert classifier without a pooler", "bert", func(w map[string]*tensor.Tensor) { drop(w, "bert.pooler.") }, TokenClassification},
		{"bert qa_outputs", "bert", func(w map[string]*tensor.Tensor) {
			drop(w, "bert.pooler.", "classifier.")
			w["qa_outputs.weight"], w["qa_outputs.bias"] = tensor.New(2, 32), tensor.New(2)
		}, QuestionAnswering},
		{"bert pre-training", "bert-mlm", func(w map[string]*tensor.Tensor) {
			w["bert.pooler.dense.weight"], w["bert.pooler.dense.bias"] = tensor.New(32, 32), tensor.New(32)
			w["cls.seq_relationship.weight"], w["cls.seq_relationship.bias"] = tensor.New(2, 32), tensor.New(2)
		}, PreTraining},
		{"distilbert classifier without a pre-classifier", "distilbert", func(w map[string]*tensor.Tensor) { drop(w, "pre_classifier.") }, TokenClassification},
		{"distilbert vocab_projector", "distilbert", func(w map[string]*tensor.Tensor) {
			drop(w, "pre_classifier.", "classifier.")
			w["vocab_transform.weight"], w["vocab_transform.bias"] = tensor.New(32, 32), tensor.New(32)
			w["vocab_layer_norm.weight"], w["vocab_layer_norm.bias"] = tensor.New(32), tensor.New(32)
			w["vocab_projector.bias"] = tensor.New(147)
		}, MaskedLM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ck := withWeights(loadCheckpoint(t, tc.arch, "model"), tc.edit)
			ck = withConfig(ck, func(c *checkpoint.Config) { c.Architectures = nil })
			m, err := New(ck)
			if err != nil {
				t.Fatal(err)
			}
			if m.Head() != tc.want {
				t.Errorf("head %v, want %v", m.Head(), tc.want)
			}
		})
	}
}
