package lab

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"bertology/core/bertology"
	"bertology/core/glue"
	"bertology/core/model"
	"bertology/core/progress"
	"bertology/wasm/protocol"
)

// workflow is what the steps of run_bertology.py's workflow leave for the next ones: the data set,
// the batches and settings of the last importance request (which evaluate, the masking loop and
// pruning reuse), its result, the masking loop's final mask, and the model before pruning.
type workflow struct {
	data *dataFile

	// model is the loaded model that everything below belongs to. When another model is loaded, it
	// all goes; pruning and restoring the model carry it over.
	model      *loaded
	eval       *evaluation // nil until importance has run
	importance *bertology.Importance
	unmasked   *bertology.Importance // importance when it was computed with every head on, else nil
	finalMask  []float32             // the last masking loop's, or nil
	original   *loaded               // the model before the first prune, or nil when it is not pruned
}

// evaluation is a data set in batches for one model, with how to score the model on them.
type evaluation struct {
	task     *glue.Task // nil for plain text and tagged words
	tags     []string   // a token classifier's classes (id2label), for tagged words; else nil
	batches  []*model.Batch
	examples int
	opt      bertology.Options // the importance request's mode and normalisation
	reported []string          // the names of the metrics the data reports, sorted
}

var errNoImportance = errors.New("compute importance first: it sets the data's batches that this step uses")

// syncWorkflow drops what was computed for a model that is no longer loaded.
func (l *Lab) syncWorkflow() {
	if l.work.model != l.model {
		l.work = workflow{data: l.work.data, model: l.model}
	}
}

// evaluation returns the batches of the last importance request.
func (l *Lab) evaluation() (*evaluation, error) {
	if l.model == nil {
		return nil, errNoModel
	}
	l.syncWorkflow()
	if l.work.eval == nil {
		return nil, errNoImportance
	}
	return l.work.eval, nil
}

// progressEvery is how often a long pass over the data reports progress. Each report costs the
// browser a message and the page a render, so it is neither every batch of a fast model nor rare.
const progressEvery = 25 * time.Millisecond

// throttled adapts the lab's reporter to the core's progress reports: the one place where progress is
// throttled, to the first and last step of each phase and one report every progressEvery between.
func throttled(report Reporter) progress.Func {
	return progress.Throttle(func(r progress.Report) {
		report(protocol.Progress{Phase: r.Phase, Done: r.Done, Total: r.Total})
	}, progressEvery)
}

// evaluationOf turns an importance pass into the model's metrics.
func (e *evaluation) evaluationOf(imp *bertology.Importance) (*protocol.Evaluation, error) {
	ev := &protocol.Evaluation{Metrics: map[string]*float64{"loss": finite(imp.Loss)}, Examples: e.examples}
	var all map[string]float64
	var err error
	switch {
	case e.tags != nil:
		all, err = bertology.TaggingMetrics(e.tags, imp.Logits, e.batches)
		ev.Metric = taggedMetric
		if _, ok := all[taggedMetric]; !ok {
			ev.Metric = "acc" // the tags are no IOB tags: no entities
		}
	case e.task == nil:
		ev.Metric = "perplexity"
		ev.Metrics["perplexity"] = finite(math.Exp(imp.Loss))
		return ev, nil
	default:
		all, err = bertology.TaskMetrics(e.task, imp.Logits, e.batches)
		ev.Metric = e.task.Metric
	}
	if err != nil {
		return nil, err
	}
	for name, v := range all {
		ev.Metrics[name] = finite(v)
	}
	return ev, nil
}

// score returns the masking loop's score, higher is better, and what it is: the named metric (the
// task's main one when empty), or 1/perplexity for text.
func (e *evaluation) score(metric string) (string, func(*bertology.Importance) (float64, error), error) {
	if e.task == nil && e.tags == nil {
		return "1/perplexity", bertology.LanguageModelScore, nil
	}
	title := taggedTitle
	if e.task != nil {
		title = e.task.Title
	}
	if metric == "" {
		metric = taggedMetric
		if e.task != nil {
			metric = e.task.Metric
		}
	}
	if metric == "loss" || !slices.Contains(e.reported, metric) {
		return "", nil, fmt.Errorf("metric %q: %s reports %s", metric, title, strings.Join(e.reported, ", "))
	}
	if e.tags != nil {
		return metric, bertology.TaggingScore(e.tags, metric, e.batches), nil
	}
	return metric, bertology.TaskScore(e.task, metric, e.batches), nil
}

// finite is v, or nil when v is NaN or infinite, which JSON cannot hold.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
