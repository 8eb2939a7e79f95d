package patching

import (
	"errors"
	"fmt"

	"bertology/core/model"
)

// Metric is logit[A] − logit[B] on one row of the logits: a sequence classifier's two classes, or a
// language model's two next tokens after the last position.
type Metric struct {
	A, B int
}

// value reads the metric off a pass's output.
func (mt Metric) value(m *model.Model, b *model.Batch, out *model.Output) float64 {
	row, classes := metricRow(m, b)
	l := out.Logits.Data[row*classes:]
	return float64(l[mt.A]) - float64(l[mt.B])
}

func metricRow(m *model.Model, b *model.Batch) (row, classes int) {
	if m.Head() == model.SequenceClassification {
		return 0, m.Config().NumLabels
	}
	return b.SeqLen - 1, m.Config().VocabSize
}

// check says whether the metric and the inputs fit the model.
func (mt Metric) check(m *model.Model, bs ...*model.Batch) error {
	switch m.Head() {
	case model.SequenceClassification, model.CausalLM, model.MaskedLM:
	default:
		return errors.New("patching needs a sequence classifier or a language model, not a " + m.Head().String())
	}
	_, classes := metricRow(m, bs[0])
	for _, c := range []int{mt.A, mt.B} {
		if c < 0 || c >= classes {
			return fmt.Errorf("class or token %d: the model has %d", c, classes)
		}
	}
	for _, b := range bs {
		if b.Size != 1 {
			return fmt.Errorf("patching runs one sequence at a time, got %d", b.Size)
		}
		if b.SeqLen != bs[0].SeqLen {
			return fmt.Errorf("the clean input has %d tokens, the corrupted %d: they must be as long", bs[0].SeqLen, b.SeqLen)
		}
	}
	return nil
}

// normalised maps v to 0 at the corrupted run's metric and 1 at the clean run's.
func normalised(v, corrupted, clean float64) float64 {
	return (v - corrupted) / (clean - corrupted)
}
