package bertology

import (
	"fmt"

	"bertology/core/f64"
	"bertology/core/glue"
	"bertology/core/model"
)

// Prediction is the model's answer for one example of a GLUE task, read off the logits of an
// evaluation pass: what a LIT-style table of the data set shows, one row an example.
type Prediction struct {
	// Label is the example's class and Predicted the class of the largest logit, with Confidence its
	// softmax probability; Correct is Predicted == Label. All three are -1 or 0 for a regression task.
	Label, Predicted int
	Confidence       float64
	Correct          bool
	// Target is a regression task's gold score and Score the model's; Error is Score − Target. All three
	// are 0 for a classification task.
	Target, Score, Error float64
}

// Predictions returns one Prediction an example, in order, from the logits an evaluation (or
// importance) pass collected over batches: the same logits and labels TaskMetrics scores, so that the
// share of Correct ones is the pass's accuracy.
func Predictions(task *glue.Task, logits []float32, batches []*model.Batch) ([]Prediction, error) {
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
		out := make([]Prediction, len(targets))
		for i, t := range targets {
			score := float64(logits[i])
			out[i] = Prediction{Label: -1, Predicted: -1, Target: float64(t), Score: score, Error: score - float64(t)}
		}
		return out, nil
	}
	if len(labels) == 0 || len(logits) != len(labels)*task.NumLabels() {
		return nil, fmt.Errorf("%d logits for %d examples of %d classes", len(logits), len(labels), task.NumLabels())
	}
	classes := task.NumLabels()
	preds := Argmax(logits, len(labels))
	p := make([]float64, classes)
	out := make([]Prediction, len(labels))
	for i, label := range labels {
		f64.Softmax(p, logits[i*classes:(i+1)*classes])
		out[i] = Prediction{Label: label, Predicted: preds[i], Confidence: p[preds[i]], Correct: preds[i] == label}
	}
	return out, nil
}

// Confusion counts the predictions of a classification task by class: out[label][predicted].
func Confusion(preds []Prediction, classes int) [][]int {
	out := make([][]int, classes)
	for i := range out {
		out[i] = make([]int, classes)
	}
	for _, p := range preds {
		if p.Label >= 0 && p.Label < classes && p.Predicted >= 0 && p.Predicted < classes {
			out[p.Label][p.Predicted]++
		}
	}
	return out
}
