package train

import (
	"errors"
	"math"

	"bertology/core/bertology"
	"bertology/core/glue"
	"bertology/core/model"
)

// An Evaluator scores a model on held-out data: metric name → value.
type Evaluator func(m *model.Model) (map[string]float64, error)

// ClassificationEval scores a sequence classifier on a GLUE task's batches (from
// dataset.Classification): the task's metrics, as run_glue.py reports them (core/bertology.TaskMetrics),
// and "loss", the mean loss per example.
func ClassificationEval(task *glue.Task, batches []*model.Batch) Evaluator {
	return func(m *model.Model) (map[string]float64, error) {
		var logits []float32
		var loss float64
		n := 0
		for _, b := range batches {
			out, err := m.Forward(b, model.Options{})
			if err != nil {
				return nil, err
			}
			logits = append(logits, out.Logits.Data...)
			loss += float64(out.Loss) * float64(b.Size)
			n += b.Size
		}
		metrics, err := bertology.TaskMetrics(task, logits, batches)
		if err != nil {
			return nil, err
		}
		metrics["loss"] = loss / float64(n)
		return metrics, nil
	}
}

// LanguageModelEval scores a causal language model on text batches (from dataset.LanguageModel):
// "loss", the mean cross-entropy of every predicted token over all batches (each batch weighted by the
// tokens it predicts, not averaged batch by batch), and "perplexity", its exponential.
func LanguageModelEval(batches []*model.Batch) Evaluator {
	return func(m *model.Model) (map[string]float64, error) {
		var loss float64
		n := 0
		for _, b := range batches {
			predicted := predictedTokens(b)
			if predicted == 0 {
				continue
			}
			out, err := m.Forward(b, model.Options{LossOnly: true})
			if err != nil {
				return nil, err
			}
			loss += float64(out.Loss) * float64(predicted)
			n += predicted
		}
		if n == 0 {
			return nil, errors.New("train: the evaluation text has no token to predict (every piece is one token long)")
		}
		loss /= float64(n)
		return map[string]float64{"loss": loss, "perplexity": math.Exp(loss)}, nil
	}
}

// predictedTokens counts the labels a causal LM's loss averages over: each position's label but the
// first of every sequence (nothing predicts it), other than -100.
func predictedTokens(b *model.Batch) int {
	n := 0
	for s := 0; s < b.Size; s++ {
		for _, l := range b.Labels[s*b.SeqLen+1 : (s+1)*b.SeqLen] {
			if l != -100 {
				n++
			}
		}
	}
	return n
}
