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
	return func(imp *Importance) (float64, error) {
		all, err := TaskMetrics(task, imp.Logits, batches)
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
			return 0, fmt.Errorf("task %s reports no metric %q (it reports %s)", task.Name, metric, strings.Join(names, ", "))
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
