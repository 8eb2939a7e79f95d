package model

import (
	"fmt"

	"bertology/core/checkpoint"
	"bertology/core/tensor"
)

// Batch is a batch of right-padded sequences, Size of them, each SeqLen tokens long, with position
// ids 0..SeqLen-1 as Hugging Face gives them.
type Batch struct {
	Size, SeqLen  int
	InputIDs      []int // [Size*SeqLen]
	AttentionMask []int // [Size*SeqLen], 1 for a real token, 0 for padding; nil means all ones
	TokenTypeIDs  []int // [Size*SeqLen], BERT only; nil means all zeros
	// Labels are class ids [Size] for sequence classification, class ids [Size*SeqLen] for token
	// classification, or token ids [Size*SeqLen] for a language model (the causal LM shifts them by one
	// itself) and the pre-training head's masked LM, with -100 meaning ignore. nil: no loss.
	Labels []int
	// Targets are the regression targets [Size*NumLabels] of a sequence classifier with a regression
	// problem type (num_labels 1, e.g. STS-B), used instead of Labels.
	Targets []float32
	// StartPositions and EndPositions [Size] are the token positions where each sequence's answer
	// starts and ends, for a question answerer's loss, which needs both; a position outside 0..SeqLen-1
	// is clamped to it and SeqLen is ignored, as Hugging Face does.
	StartPositions, EndPositions []int
	// NextSentenceLabels [Size] are the pre-training head's next-sentence labels, 0 when the second
	// text follows the first and 1 when it is random, -100 meaning ignore. Its loss needs them and
	// Labels both.
	NextSentenceLabels []int
}

// Options says what Forward returns beyond the logits and loss, and which heads it masks.
type Options struct {
	// HeadMask [NumLayers*NumHeads] multiplies each head's attention after the softmax, as Hugging
	// Face's head_mask does; the returned attentions include it. Heads are numbered as in the unpruned
	// model, and the entries of pruned heads are ignored. nil means all ones.
	HeadMask []float32
	// HiddenStates, Attentions and Contexts ask for the per-layer outputs of Output.
	HiddenStates, Attentions, Contexts bool
	// QueriesKeys asks for Output.Queries and Output.Keys, what the neuron view shows.
	QueriesKeys bool
	// LossOnly says that a language model's loss is wanted but not its logits, so Output.Logits is nil:
	// a masked LM then runs its last block (after the attention) and its head on the labelled rows alone.
	// A classifier's logits come back either way.
	LossOnly bool
	// Embeddings [Size*SeqLen*D], when not nil, replace the embedding layer's output: the residual
	// stream the first block reads (after BERT's and DistilBERT's embedding LayerNorm, the plain sum of
	// word and position embeddings for GPT-2 and OpenAI GPT, the word embeddings for Llama). The input ids
	// still decide which rows a classifier reads. Saliency's integrated gradients run on scaled ones.
	Embeddings []float32
	// Hook, when set, sees and may change the pass's activations (see Hook); Forward only.
	Hook *Hook
}

// Output is what Forward computed.
type Output struct {
	// Logits are [Size, NumLabels] for a sequence classifier, [Size, SeqLen, NumLabels] for a token
	// classifier, [Size, SeqLen, VocabSize] for a language model and the pre-training head (its
	// prediction_logits), and nil for a bare model and a question answerer.
	Logits *tensor.Tensor
	// StartLogits and EndLogits [Size, SeqLen] are a question answerer's, nil for other heads.
	StartLogits, EndLogits *tensor.Tensor
	// NextSentenceLogits [Size, 2] are the pre-training head's (seq_relationship_logits), nil for other
	// heads.
	NextSentenceLogits *tensor.Tensor
	Loss               float32
	HasLoss            bool
	// HiddenStates are NumLayers+1 tensors [Size, SeqLen, D]: the embeddings' output, then each
	// layer's. GPT-2's last one is after its final LayerNorm, Llama's after its final RMSNorm, as in
	// Hugging Face.
	HiddenStates []*tensor.Tensor
	// Attentions are NumLayers tensors [Size, heads in the layer, SeqLen, SeqLen]: each head's attention
	// distribution over the keys, times its head-mask entry.
	Attentions []*tensor.Tensor
	// Contexts are NumLayers tensors [Size, heads in the layer, SeqLen, head_dim]: each head's output,
	// attention times values, before the output projection mixes the heads.
	Contexts []*tensor.Tensor
	// Queries and Keys are NumLayers tensors [Size, heads in the layer, SeqLen, head_dim]: each head's
	// query and key vectors as its scores read them, a Llama's after the rotary embeddings, the keys of
	// a query head being its key and value head's. softmax(q·k / ScoreScale(l)), masked as the model
	// masks, is the head's attention.
	Queries, Keys []*tensor.Tensor
}

// validate checks a batch and its options against the model, so that Forward fails with a message
// instead of computing nonsense or panicking.
func (m *Model) validate(b *Batch, opt *Options) error {
	c := m.cfg
	if b.Size <= 0 || b.SeqLen <= 0 {
		return fmt.Errorf("batch of %d sequences of %d tokens: both must be positive", b.Size, b.SeqLen)
	}
	if b.SeqLen > c.MaxPositions {
		return fmt.Errorf("input is %d tokens, the model allows %d", b.SeqLen, c.MaxPositions)
	}
	n := b.Size * b.SeqLen
	checkLen := func(what string, got, want int) error {
		if got != want {
			return fmt.Errorf("%s has %d values, want %d", what, got, want)
		}
		return nil
	}
	if err := checkLen("input_ids", len(b.InputIDs), n); err != nil {
		return err
	}
	for i, id := range b.InputIDs {
		if id < 0 || id >= c.VocabSize {
			return fmt.Errorf("input_ids[%d][%d] is %d, outside the vocabulary of %d", i/b.SeqLen, i%b.SeqLen, id, c.VocabSize)
		}
	}
	if b.AttentionMask != nil {
		if err := checkLen("attention_mask", len(b.AttentionMask), n); err != nil {
			return err
		}
		for i, v := range b.AttentionMask {
			if v != 0 && v != 1 {
				return fmt.Errorf("attention_mask[%d][%d] is %d, must be 0 or 1", i/b.SeqLen, i%b.SeqLen, v)
			}
		}
	}
	if b.TokenTypeIDs != nil {
		if m.typeEmb == nil {
			return fmt.Errorf("token_type_ids given, but %s has no token types", c.ModelType)
		}
		if err := checkLen("token_type_ids", len(b.TokenTypeIDs), n); err != nil {
			return err
		}
		for i, v := range b.TokenTypeIDs {
			if v < 0 || v >= c.TypeVocabSize {
				return fmt.Errorf("token_type_ids[%d][%d] is %d, the model has %d token types", i/b.SeqLen, i%b.SeqLen, v, c.TypeVocabSize)
			}
		}
	}
	if m.head == SequenceClassification && m.cfg.ModelType == checkpoint.GPT2 && !m.hasPadID && b.Size != 1 {
		return fmt.Errorf("GPT-2 sequence classification of %d sequences needs a pad_token_id in config.json to find where each ends", b.Size)
	}
	if opt.Embeddings != nil {
		if err := checkLen("embeddings", len(opt.Embeddings), n*c.HiddenSize); err != nil {
			return err
		}
	}
	if opt.HeadMask != nil {
		if err := checkLen("head mask", len(opt.HeadMask), c.NumLayers*c.NumHeads); err != nil {
			return err
		}
	}
	return m.validateLabels(b)
}

func (m *Model) validateLabels(b *Batch) error {
	c := m.cfg
	if (b.StartPositions != nil || b.EndPositions != nil) && m.head != QuestionAnswering {
		return fmt.Errorf("start or end positions given, but the model is a %s, not a question answerer", m.head)
	}
	if b.NextSentenceLabels != nil && m.head != PreTraining {
		return fmt.Errorf("next-sentence labels given, but the model is a %s, not BERT's pre-training head", m.head)
	}
	if b.Targets != nil {
		if m.head != SequenceClassification || !m.regression() {
			return fmt.Errorf("regression targets given, but the model is a %s without a regression problem type", m.head)
		}
		if len(b.Targets) != b.Size*c.NumLabels {
			return fmt.Errorf("targets has %d values, want %d (%d sequences × %d labels)", len(b.Targets), b.Size*c.NumLabels, b.Size, c.NumLabels)
		}
		if b.Labels != nil {
			return fmt.Errorf("both labels and regression targets given")
		}
		return nil
	}
	if m.head == QuestionAnswering {
		return m.validatePositions(b)
	}
	if b.NextSentenceLabels != nil {
		if err := checkClasses("next-sentence labels", b.NextSentenceLabels, b.Size, 2); err != nil {
			return err
		}
	}
	if b.Labels == nil {
		return nil
	}
	if m.head == SequenceClassification && c.ProblemType == "multi_label_classification" {
		return fmt.Errorf("problem type %q is not supported", c.ProblemType)
	}
	classes, want := c.VocabSize, b.Size*b.SeqLen
	switch m.head {
	case NoHead:
		return fmt.Errorf("labels given, but the model has no head to compute a loss with")
	case SequenceClassification:
		if m.regression() {
			return fmt.Errorf("the model does regression (problem type %q, %d labels): give Targets, not Labels", c.ProblemType, c.NumLabels)
		}
		classes, want = c.NumLabels, b.Size
	case TokenClassification:
		classes = c.NumLabels
	}
	return checkClasses("labels", b.Labels, want, classes)
}

// validatePositions checks a question answerer's batch: start and end positions, one each a sequence,
// and no labels.
func (m *Model) validatePositions(b *Batch) error {
	switch {
	case b.Labels != nil:
		return fmt.Errorf("labels given, but a question answerer takes start and end positions")
	case (b.StartPositions == nil) != (b.EndPositions == nil):
		return fmt.Errorf("a question answerer's loss needs start and end positions both")
	case b.StartPositions != nil && (len(b.StartPositions) != b.Size || len(b.EndPositions) != b.Size):
		return fmt.Errorf("%d start and %d end positions for %d sequences", len(b.StartPositions), len(b.EndPositions), b.Size)
	}
	return nil
}

// checkClasses checks that labels has want values, each -100 or a class below classes.
func checkClasses(what string, labels []int, want, classes int) error {
	if len(labels) != want {
		return fmt.Errorf("%s has %d values, want %d", what, len(labels), want)
	}
	for i, v := range labels {
		if v != ignoreIndex && (v < 0 || v >= classes) {
			return fmt.Errorf("%s[%d] is %d, want -100 or a class below %d", what, i, v, classes)
		}
	}
	return nil
}

// regression reports whether a sequence classifier's loss is the mean squared error, which Hugging
// Face picks for problem_type "regression" or, when it is unset, for a single label.
func (m *Model) regression() bool {
	return m.cfg.ProblemType == "regression" || (m.cfg.ProblemType == "" && m.cfg.NumLabels == 1)
}
