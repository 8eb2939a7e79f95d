package bertology

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"bertology/core/glue"
	"bertology/core/metrics"
	"bertology/core/model"
)

// Argmax returns the index of the largest logit of each of the rows of logits [rows, len/rows].
func Argmax(logits []float32, rows int) []int {
	cols := len(logits) / rows
	preds := make([]int, rows)
	for r := range preds {
		row := logits[r*cols : (r+1)*cols]
		for c, v := range row {
			if v > row[preds[r]] {
				preds[r] = c
			}
		}
	}
	return preds
}

// TaskMetrics computes every metric Hugging Face's glue_compute_metrics reports for task from the
// logits an importance pass collected over batches (in order).
func TaskMetrics(task *glue.Task, logits []float32, batches []*model.Batch) (map[string]float64, error) {
	var labels []int
	var targets []float32
	for _, b := range batches {
		labels = append(labels, b.Labels...)
		targets = append(targets, b.Targets...)
	}
	if task.Regression() {
		if len(logits) != len(targets) {
			return nil, fmt.Errorf("%d predictions for %d regression targets", len(logits), len(targets))
		}
		return metrics.ComputeRegression(task.Name, logits, targets)
	}
	if len(labels) == 0 || len(logits)%len(labels) != 0 {
		return nil, fmt.Errorf("%d logits do not divide among %d labels", len(logits), len(labels))
	}
	return metrics.Compute(task.Name, Argmax(logits, len(labels)), labels)
}

// TaskScore returns the masking loop's score function for a GLUE task: the named metric (as
// run_bertology.py's --metric_name, e.g. "acc", "mcc", "f1", "corr").
func TaskScore(task *glue.Task, metric string, batches []*model.Batch) func(*Importance) (float64, error) {
	return metricScore("task "+task.Name, metric, func(logits []float32) (map[string]float64, error) {
		return TaskMetrics(task, logits, batches)
	})
}

// TaggingMetrics computes what the token-classification example of transformers reports (through
// seqeval, metrics.Tagging) from the logits [tokens, len(classes)] an importance pass of a token
// classifier collected over batches (in order): each sequence's words are its tokens whose label is not
// -100 (each word's first piece), their tags the classes, by id, of their labels and of their largest
// logits.
func TaggingMetrics(classes []string, logits []float32, batches []*model.Batch) (map[string]float64, error) {
	tokens := 0
	for _, b := range batches {
		tokens += len(b.Labels)
	}
	if tokens == 0 || len(logits) != tokens*len(classes) {
		return nil, fmt.Errorf("%d logits for %d tokens of %d classes", len(logits), tokens, len(classes))
	}
	preds := Argmax(logits, tokens)
	var truth, predicted [][]string
	at := 0
	for _, b := range batches {
		for s := range b.Size {
			var want, got []string
			for t := range b.SeqLen {
				if label := b.Labels[s*b.SeqLen+t]; label >= 0 {
					want, got = append(want, classes[label]), append(got, classes[preds[at+s*b.SeqLen+t]])
				}
			}
			truth, predicted = append(truth, want), append(predicted, got)
		}
		at += len(b.Labels)
	}
	return metrics.Tagging(truth, predicted)
}

// TaggingScore returns the masking loop's score function for a token classifier of the given classes:
// the named metric of TaggingMetrics ("f1", "acc", ...).
func TaggingScore(classes []string, metric string, batches []*model.Batch) func(*Importance) (float64, error) {
	return metricScore("token classification", metric, func(logits []float32) (map[string]float64, error) {
		return TaggingMetrics(classes, logits, batches)
	})
}

// metricScore is the masking loop's score function that picks the named metric from what compute
// reports of an importance pass's logits; what names the data in errors.
func metricScore(what, metric string, compute func(logits []float32) (map[string]float64, error)) func(*Importance) (float64, error) {
	return func(imp *Importance) (float64, error) {
		all, err := compute(imp.Logits)
		if err != nil {
			return 0, err
		}
		v, ok := all[metric]
		if !ok {
			names := make([]string, 0, len(all))
			for k := range all {
				names = append(names, k)
			}
			slices.Sort(names)
			return 0, fmt.Errorf("%s reports no metric %q (it reports %s)", what, metric, strings.Join(names, ", "))
		}
		return v, nil
	}
}

// LanguageModelScore is the masking loop's score for a language model: 1/perplexity = exp(-mean loss),
// so that higher is better and "falls below threshold × original" means the perplexity rose above
// original / threshold.
func LanguageModelScore(imp *Importance) (float64, error) {
	return math.Exp(-imp.Loss), nil
}
