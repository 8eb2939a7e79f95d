package saliency

import (
	"errors"
	"fmt"

	"bertology/core/model"
)

// Target is the logit f explains: Class of a sequence classifier's logits, or the logit of the next
// token Class at the sequence's last real position for a language model.
type Target struct {
	Class int
}

// Predicted returns the target a model predicts for b: the classifier's top class, or the language
// model's most likely next token.
func Predicted(m *model.Model, b *model.Batch) (Target, error) {
	row, classes, err := logitRow(m, b)
	if err != nil {
		return Target{}, err
	}
	out, err := m.Forward(b, model.Options{})
	if err != nil {
		return Target{}, err
	}
	logits := out.Logits.Data[row*classes : (row+1)*classes]
	best := 0
	for c, v := range logits {
		if v > logits[best] {
			best = c
		}
	}
	return Target{Class: best}, nil
}

// logitRow returns which row of the model's logits f reads, and how many classes a row has.
func logitRow(m *model.Model, b *model.Batch) (row, classes int, err error) {
	if b.Size != 1 {
		return 0, 0, fmt.Errorf("saliency explains one sequence at a time, got %d", b.Size)
	}
	c := m.Config()
	switch m.Head() {
	case model.SequenceClassification:
		return 0, c.NumLabels, nil
	case model.CausalLM, model.MaskedLM:
		return lastReal(b), c.VocabSize, nil
	}
	return 0, 0, errors.New("saliency explains a sequence classifier or a language model, not a " + m.Head().String())
}

// readPosition is the token whose last hidden state the target logit reads: a BERT-like classifier's
// first ([CLS]), a causal classifier's or a language model's last real one.
func readPosition(m *model.Model, b *model.Batch) int {
	if m.Head() == model.SequenceClassification && !m.Causal() {
		return 0
	}
	return lastReal(b)
}

// lastReal is the index of b's last token that its attention mask keeps.
func lastReal(b *model.Batch) int {
	last := b.SeqLen - 1
	if b.AttentionMask != nil {
		for last > 0 && b.AttentionMask[last] == 0 {
			last--
		}
	}
	return last
}

// explained binds a model, a sequence and a target: f and its gradients.
type explained struct {
	m        *model.Model
	b        *model.Batch
	row, cls int
	classes  int
	seed     []float32
}

func newExplained(m *model.Model, b *model.Batch, t Target) (*explained, error) {
	row, classes, err := logitRow(m, b)
	if err != nil {
		return nil, err
	}
	if t.Class < 0 || t.Class >= classes {
		return nil, fmt.Errorf("target class %d: the model has %d", t.Class, classes)
	}
	n := classes
	if m.Head() != model.SequenceClassification {
		n = b.SeqLen * classes
	}
	e := &explained{m: m, b: b, row: row, cls: t.Class, classes: classes, seed: make([]float32, n)}
	e.seed[row*classes+t.Class] = 1
	return e, nil
}

// f is the target logit of a pass under opt.
func (e *explained) f(opt model.Options) (float64, error) {
	out, err := e.m.Forward(e.b, opt)
	if err != nil {
		return 0, err
	}
	return float64(out.Logits.Data[e.row*e.classes+e.cls]), nil
}

// grad returns f under opt and its gradients asked by want (whose Seed it sets).
func (e *explained) grad(opt model.Options, want model.GradOptions) (float64, *model.Gradients, error) {
	want.Seed = e.seed
	out, g, err := e.m.ForwardBackward(e.b, opt, want)
	if err != nil {
		return 0, nil, err
	}
	return float64(out.Logits.Data[e.row*e.classes+e.cls]), g, nil
}

// embeddings returns the embedding layer's output for the batch, [T*D].
func (e *explained) embeddings(b *model.Batch) ([]float32, error) {
	out, err := e.m.Forward(b, model.Options{HiddenStates: true})
	if err != nil {
		return nil, err
	}
	return out.HiddenStates[0].Data, nil
}
