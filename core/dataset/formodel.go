package dataset

import (
	"fmt"

	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/tokenizer"
)

// A masked language model scores plain text on tokens chosen as BERT's pre-training chooses them:
// MaskedLMRate of them, drawn from MaskedLMSeed so that every run scores the same ones.
const (
	MaskedLMRate = 0.15
	MaskedLMSeed = 42
)

// Data is what a data file holds: the examples of a GLUE task, lines of plain text (Task nil), or
// sentences of tagged words for a token classifier (Task nil, Tagged set).
type Data struct {
	Task     *glue.Task
	Examples []glue.Example
	Texts    []string
	Tagged   []glue.TaggedSentence
}

// First returns the first n examples, texts or sentences of d; all of them when n ≤ 0 or d has no
// more.
func (d Data) First(n int) Data {
	d.Examples, d.Texts, d.Tagged = First(d.Examples, n), First(d.Texts, n), First(d.Tagged, n)
	return d
}

// First returns the first n elements of s, the subset a --subset flag or a request's subset field
// asks for; all of s when n ≤ 0 or s has no more.
func First[S ~[]E, E any](s S, n int) S {
	if n > 0 && n < len(s) {
		return s[:n]
	}
	return s
}

// Len is how many examples, texts or sentences d holds.
func (d Data) Len() int {
	switch {
	case d.Task != nil:
		return len(d.Examples)
	case d.Tagged != nil:
		return len(d.Tagged)
	}
	return len(d.Texts)
}

// ForModel batches d for m, as run_bertology.py does, in batches of batchSize padded to their longest
// sequence of at most maxLen tokens: a GLUE task for a sequence classifier with as many labels, tagged
// sentences for a token classifier whose labels (id2label) hold their tags
// (TokenClassificationSequences), plain text for a language model (LanguageModel; for a masked-LM
// head, its tokens masked with MaskedLMRate and MaskedLMSeed).
func ForModel(m *model.Model, tok tokenizer.Tokenizer, d Data, maxLen, batchSize int) ([]*model.Batch, error) {
	if d.Tagged != nil {
		if m.Head() != model.TokenClassification {
			return nil, fmt.Errorf("tagged words need a token classifier (BertForTokenClassification, DistilBertForTokenClassification); the model is %s", m.Architecture())
		}
		if err := checkSizes(maxLen, batchSize); err != nil {
			return nil, err
		}
		seqs, err := TokenClassificationSequences(tok, d.Tagged, m.Config().LabelNames(), maxLen)
		if err != nil {
			return nil, err
		}
		return Batches(m, seqs, batchSize, 0, tok.PadID()), nil
	}
	if d.Task == nil {
		if h := m.Head(); h != model.MaskedLM && h != model.CausalLM {
			return nil, fmt.Errorf("plain text needs a language-model head to score it; the model is %s", m.Architecture())
		}
		batches, err := LanguageModel(m, tok, d.Texts, maxLen, batchSize)
		if err != nil {
			return nil, err
		}
		if m.Head() == model.MaskedLM {
			if err := MaskLanguageModel(batches, tok, MaskedLMRate, MaskedLMSeed); err != nil {
				return nil, err
			}
		}
		return batches, nil
	}
	if m.Head() != model.SequenceClassification {
		return nil, fmt.Errorf("%s data needs a sequence classifier; the model is %s (load plain text to score a language model)", d.Task.Title, m.Architecture())
	}
	if n := m.Config().NumLabels; n != d.Task.NumLabels() {
		return nil, fmt.Errorf("the model has %d labels, %s has %d", n, d.Task.Title, d.Task.NumLabels())
	}
	return Classification(m, tok, d.Task, d.Examples, maxLen, batchSize, PadToLongest)
}
