package lab

import (
	"context"
	"fmt"

	"bertology/core/bertology"
	"bertology/core/glue"
	"bertology/wasm/protocol"
)

// Examples evaluates the model once over the loaded GLUE data set, on the workflow's runner (the pool
// of workers, with progress and cancel), and answers every example's prediction with the metrics of
// the same pass. It leaves the workflow's batches (importance's) as they are.
func (l *Lab) Examples(ctx context.Context, req *protocol.ExamplesRequest, report Reporter) (*protocol.ExamplesResult, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	l.syncWorkflow()
	d, err := l.data()
	if err != nil {
		return nil, err
	}
	if d.task == nil {
		return nil, fmt.Errorf("the table of examples is for a GLUE task's examples and a sequence classifier; %s is %s", d.info.Name, d.info.TaskTitle)
	}
	report(protocol.Progress{Phase: "encoding the data", Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e, err := l.batch(d, &protocol.ImportanceRequest{MaxSeqLength: req.MaxSeqLength, BatchSize: req.BatchSize, Subset: req.Subset})
	if err != nil {
		return nil, err
	}
	mask := req.HeadMask
	if len(mask) == 0 {
		mask = nil
	}
	r, err := l.runner()
	if err != nil {
		return nil, err
	}
	imp, err := bertology.Evaluate(ctx, r, e.batches, mask, throttled(report).Phase("evaluate"))
	if err != nil {
		return nil, err
	}
	ev, err := e.evaluationOf(imp)
	if err != nil {
		return nil, err
	}
	preds, err := bertology.Predictions(d.task, imp.Logits, e.batches)
	if err != nil {
		return nil, err
	}
	res := &protocol.ExamplesResult{Task: d.task.Name, TaskTitle: d.task.Title, Regression: d.task.Regression(),
		Evaluation: *ev, Rows: make([]protocol.ExampleRow, len(preds))}
	for i, p := range preds {
		ex := d.examples[i]
		res.Rows[i] = protocol.ExampleRow{TextA: ex.TextA, TextB: ex.TextB, Label: p.Label, Predicted: p.Predicted,
			Confidence: p.Confidence, Correct: p.Correct, Target: p.Target, Score: p.Score, Error: p.Error}
	}
	if !res.Regression {
		res.Classes = classNames(l.model, d.task)
		res.Confusion = bertology.Confusion(preds, len(res.Classes))
	}
	return res, nil
}

// classNames names a task's classes by the model's id2label where the model has as many classes, else
// as the task does.
func classNames(m *loaded, task *glue.Task) []string {
	if names := m.info.Labels; len(names) == task.NumLabels() {
		return names
	}
	if len(task.Names) == task.NumLabels() {
		return task.Names
	}
	return task.Labels
}
