// Package metrics computes what Hugging Face transformers' glue_compute_metrics reports for each GLUE
// task (transformers/data/metrics/__init__.py, v4.31), with the same keys: accuracy, binary F1,
// Matthews correlation (scikit-learn's formulas) and Pearson and Spearman correlation (SciPy's); and
// what its token-classification example reports through seqeval for tagged words (Tagging).
package metrics

import (
	"errors"
	"fmt"

	"bertology/core/f64"
	"bertology/core/glue"
)

// Compute returns the metrics glue_compute_metrics reports for a classification task's predicted class
// ids against the true ones, under the same keys:
//
//	cola:                 mcc
//	sst-2, qnli, rte, wnli: acc
//	mrpc, qqp:            acc, f1, acc_and_f1 (their mean)
//	mnli, mnli-mm:        mnli/acc, mnli-mm/acc
//
// The task name is looked up as glue.LookupTask does ("SST-2", "sst2" work). Ids must be classes of the
// task; for STS-B use ComputeRegression.
func Compute(task string, preds, labels []int) (map[string]float64, error) {
	t, err := glue.LookupTask(task)
	if err != nil {
		return nil, err
	}
	if t.Regression() {
		return nil, fmt.Errorf("metrics: %s is a regression task: use ComputeRegression", t.Title)
	}
	if err := checkLengths(len(preds), len(labels)); err != nil {
		return nil, err
	}
	for _, ids := range []struct {
		what string
		ids  []int
	}{{"prediction", preds}, {"label", labels}} {
		for i, id := range ids.ids {
			if id < 0 || id >= len(t.Labels) {
				return nil, fmt.Errorf("metrics: %s %d is %d, not a class id of %s (0 to %d)",
					ids.what, i, id, t.Title, len(t.Labels)-1)
			}
		}
	}
	switch t.Name {
	case "cola":
		return map[string]float64{"mcc": MatthewsCorrcoef(preds, labels)}, nil
	case "mrpc", "qqp":
		acc, f1 := Accuracy(preds, labels), F1(preds, labels)
		return map[string]float64{"acc": acc, "f1": f1, "acc_and_f1": (acc + f1) / 2}, nil
	case "mnli", "mnli-mm":
		return map[string]float64{t.Name + "/acc": Accuracy(preds, labels)}, nil
	}
	return map[string]float64{"acc": Accuracy(preds, labels)}, nil
}

// ComputeRegression returns what glue_compute_metrics reports for STS-B's predicted scores against the
// true ones: pearson, spearmanr and corr, their mean. A correlation is NaN where SciPy's is, when
// predictions or targets are all equal.
func ComputeRegression(task string, preds, targets []float32) (map[string]float64, error) {
	t, err := glue.LookupTask(task)
	if err != nil {
		return nil, err
	}
	if !t.Regression() {
		return nil, fmt.Errorf("metrics: %s is a classification task: use Compute", t.Title)
	}
	if err := checkLengths(len(preds), len(targets)); err != nil {
		return nil, err
	}
	if len(preds) < 2 {
		return nil, errors.New("metrics: a correlation needs at least 2 examples")
	}
	x, y := f64.FromFloat32(preds), f64.FromFloat32(targets)
	p, s := Pearson(x, y), Spearman(x, y)
	return map[string]float64{"pearson": p, "spearmanr": s, "corr": (p + s) / 2}, nil
}

func checkLengths(preds, labels int) error {
	if preds != labels {
		return fmt.Errorf("metrics: %d predictions for %d labels", preds, labels)
	}
	if preds == 0 {
		return errors.New("metrics: no examples")
	}
	return nil
}
