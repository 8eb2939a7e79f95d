package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"bertology/core/glue"
	"bertology/wasm/protocol"
)

// dataFile is a loaded data file: the examples of a GLUE task, lines of plain text, or sentences of
// tagged words.
type dataFile struct {
	info     protocol.DatasetInfo
	task     *glue.Task // nil for plain text and tagged words
	examples []glue.Example
	// texts are the lines of plain text, or the tagged sentences' words joined by spaces, for the
	// analyses that read text.
	texts  []string
	tagged []glue.TaggedSentence
}

// previewRows is how many examples DatasetInfo shows.
const previewRows = 5

// taskLM is the task name that asks for plain text scored by a language model's loss.
const taskLM = "lm"

// taskTagged is the task name that asks for a CoNLL-style file of tagged words for a token classifier;
// taggedTitle names it on the page, and taggedMetric is the metric it is judged by, entity F1.
const (
	taskTagged   = "ner"
	taggedTitle  = "tagged words"
	taggedMetric = "f1"
)

var errNoData = errors.New("no data set is loaded: send loadDataset first")

// LoadDataset reads a data file. The data set loaded before stays in place if this one fails.
func (l *Lab) LoadDataset(ctx context.Context, req *protocol.LoadDatasetRequest, report Reporter) (*protocol.DatasetInfo, error) {
	report(protocol.Progress{Phase: "reading " + req.Name, Done: 0, Total: 1})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var d *dataFile
	var err error
	switch {
	case strings.EqualFold(req.Task, taskTagged) || req.Task == "" && glue.LooksTagged(req.Bytes):
		d, err = readTagged(req)
	case isText(req.Name, req.Task):
		d, err = readText(req)
	default:
		d, err = readGLUE(req)
	}
	if err != nil {
		return nil, err
	}
	report(protocol.Progress{Phase: "reading " + req.Name, Done: 1, Total: 1})
	l.syncWorkflow()
	l.work = workflow{data: d, model: l.model, original: l.work.original}
	info := d.info
	return &info, nil
}

// isText reports whether a file is plain text: when asked for, or, with no task chosen, when its name
// says so.
func isText(name, task string) bool {
	if task != "" {
		return strings.EqualFold(task, taskLM)
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".raw", ".tokens":
		return true
	}
	return false
}

func readText(req *protocol.LoadDatasetRequest) (*dataFile, error) {
	texts, err := glue.ReadText(bytes.NewReader(req.Bytes))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.Name, err)
	}
	d := &dataFile{texts: texts, info: protocol.DatasetInfo{
		Name: req.Name, Task: taskLM, TaskTitle: "plain text", Detected: req.Task == "",
		Count: len(texts), Metric: "perplexity",
	}}
	for _, t := range texts[:min(previewRows, len(texts))] {
		d.info.Preview = append(d.info.Preview, protocol.DatasetRow{TextA: t})
	}
	return d, nil
}

// readTagged reads a CoNLL-style file of tagged words; its labels are the tags it uses, sorted.
func readTagged(req *protocol.LoadDatasetRequest) (*dataFile, error) {
	sentences, err := glue.ReadTagged(bytes.NewReader(req.Bytes))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", req.Name, err)
	}
	d := &dataFile{tagged: sentences, info: protocol.DatasetInfo{
		Name: req.Name, Task: taskTagged, TaskTitle: taggedTitle, Detected: req.Task == "",
		Count: len(sentences), Metric: taggedMetric,
	}}
	for i, s := range sentences {
		d.texts = append(d.texts, strings.Join(s.Words, " "))
		d.info.Labels = append(d.info.Labels, s.Tags...)
		if i < previewRows {
			d.info.Preview = append(d.info.Preview, protocol.DatasetRow{TextA: d.texts[i], Label: strings.Join(s.Tags, " ")})
		}
	}
	slices.Sort(d.info.Labels)
	d.info.Labels = slices.Compact(d.info.Labels)
	return d, nil
}

// readGLUE reads a GLUE file as the chosen task, or as the task it looks like.
func readGLUE(req *protocol.LoadDatasetRequest) (*dataFile, error) {
	var task *glue.Task
	split, why := "dev", ""
	var err error
	if req.Task != "" {
		if task, err = glue.LookupTask(req.Task); err != nil {
			return nil, err
		}
		// A chosen task still reads an unlabelled file as a test file.
		if d, err := glue.Detect(req.Bytes, req.Name); err == nil && d.Task == task {
			split = d.Split
		}
	} else {
		d, err := glue.Detect(req.Bytes, req.Name)
		if err != nil {
			return nil, closestFit(req, err)
		}
		task, split, why = d.Task, d.Split, d.Reason
	}
	examples, err := glue.ReadTSV(bytes.NewReader(req.Bytes), task, split)
	if err != nil {
		return nil, fmt.Errorf("%s as %s: %w", req.Name, task.Title, err)
	}
	if len(examples) == 0 {
		return nil, fmt.Errorf("%s has no %s examples", req.Name, task.Title)
	}
	d := &dataFile{task: task, examples: examples, info: protocol.DatasetInfo{
		Name: req.Name, Task: task.Name, TaskTitle: task.Title, Detected: req.Task == "", Reason: why, Split: split,
		Count: len(examples), Labels: task.Labels, Metric: task.Metric,
	}}
	for _, e := range examples[:min(previewRows, len(examples))] {
		d.info.Preview = append(d.info.Preview, protocol.DatasetRow{TextA: e.TextA, TextB: e.TextB, Label: labelOf(task, e)})
	}
	return d, nil
}

// closestFit explains why a file fits no GLUE task by reading it as the task whose reading gets
// furthest before failing: its error names the line that does not fit.
func closestFit(req *protocol.LoadDatasetRequest, detectErr error) error {
	var best *glue.LineError
	var bestTask *glue.Task
	for _, t := range glue.Tasks() {
		_, err := glue.ReadTSV(bytes.NewReader(req.Bytes), t, "dev")
		var le *glue.LineError
		if errors.As(err, &le) && (best == nil || le.Line > best.Line) {
			best, bestTask = le, t
		}
	}
	if best == nil {
		return detectErr
	}
	return fmt.Errorf("%w; read as %s, the closest fit: %w", detectErr, bestTask.Title, best)
}

// labelOf is an example's label as the file writes it, its score for a regression task, or "" when
// the file has none.
func labelOf(task *glue.Task, e glue.Example) string {
	switch {
	case e.Label < 0:
		return ""
	case task.Regression():
		return fmt.Sprint(e.Target)
	}
	return task.Labels[e.Label]
}

// data returns the loaded data set.
func (l *Lab) data() (*dataFile, error) {
	if l.work.data == nil {
		return nil, errNoData
	}
	return l.work.data, nil
}
