package lab

import (
	"fmt"

	"bertology/core/analysis"
	"bertology/core/bertology"
	"bertology/core/dataset"
	"bertology/core/tokenizer"
)

// analysisData is the loaded data set encoded for the analyses that run over it (probe, attnStats).
type analysisData struct {
	task    string   // the GLUE task's name, or "lm" for plain text
	classes []string // the task's label names (glue.Task.Names); nil for a regression task and plain text
	encs    []tokenizer.Encoding
	labels  []int // each example's class, when asked for
}

// encodeData encodes the first subset examples (all when 0) of the loaded data set, or its lines of
// plain text, each truncated to maxSeqLength tokens (0: bertology.DefaultMaxSeqLength), and never more than the
// model's positions. withLabels asks for the class labels, which only a labelled classification task has.
func (l *Lab) encodeData(subset, maxSeqLength int, withLabels bool) (*analysisData, error) {
	d, err := l.data()
	if err != nil {
		return nil, err
	}
	if l.model.tok == nil {
		return nil, fmt.Errorf("the model has no tokenizer (%v), so it cannot read the data set", l.model.tokErr)
	}
	if subset < 0 || maxSeqLength < 0 {
		return nil, fmt.Errorf("subset %d and maxSeqLength %d must not be negative", subset, maxSeqLength)
	}
	if maxSeqLength == 0 {
		maxSeqLength = bertology.DefaultMaxSeqLength
	}
	maxSeqLength = min(maxSeqLength, l.model.info.MaxPositions)
	out := &analysisData{task: d.info.Task}
	if d.task == nil {
		if withLabels {
			return nil, fmt.Errorf("%s is %s; a probe needs the class labels of a GLUE classification task", d.info.Name, d.info.TaskTitle)
		}
		for i, text := range dataset.First(d.texts, subset) {
			enc, err := l.model.tok.Encode(text, "", false, tokenizer.Options{MaxLength: maxSeqLength, Truncate: true})
			if err != nil {
				return nil, fmt.Errorf("%s: line %d: %w", d.info.Name, i+1, err)
			}
			if len(enc.IDs) == 0 {
				return nil, fmt.Errorf("%s: line %d has no tokens", d.info.Name, i+1)
			}
			out.encs = append(out.encs, enc)
		}
		return out, nil
	}
	examples := dataset.First(d.examples, subset)
	if withLabels {
		if d.task.Regression() {
			return nil, fmt.Errorf("%s is a regression task; a probe needs class labels", d.task.Title)
		}
		out.classes = d.task.Names
		out.labels = make([]int, len(examples))
		for i, ex := range examples {
			if ex.Label < 0 {
				return nil, fmt.Errorf("%s: example %d (%s) has no label: a probe needs a labelled file (train or dev, not test)", d.info.Name, i, ex.GUID)
			}
			out.labels[i] = ex.Label
		}
	}
	if out.encs, err = analysis.EncodeExamples(l.model.tok, d.task, examples, maxSeqLength); err != nil {
		return nil, err
	}
	return out, nil
}
