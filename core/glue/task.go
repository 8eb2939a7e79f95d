// Package glue reads GLUE-style tab-separated data sets the way the GLUE processors of Hugging Face
// transformers (transformers/data/processors/glue.py, v4.31) do, and plain text for language-model loss.
//
// A GLUE file is read as DataProcessor._read_tsv reads it: UTF-8 with an optional byte-order mark, lines
// ended by "\n", "\r\n" or "\r" (Python's universal newlines), fields split on every tab with no quoting
// (csv.reader with quotechar=None), so a '"' is an ordinary character. Each task's processor then picks
// fixed columns; Task records which. Where this package differs from the processors it is to keep data
// they would silently lose or to report what they would crash on:
//   - Whether the first row is a header is decided from the row itself, not assumed: a row whose label
//     field is a word that is not a label (SST-2's "label", MRPC's "Quality") is a header, so a
//     hand-made file without one keeps its first example and a CoLA file with one loses nothing.
//   - Blank lines are skipped (the processors crash on them); labels may carry surrounding spaces.
//   - An SST-2 or CoLA test file may be just sentences, one a line: the sentence is a test row's last
//     column (the processors take column 1, the same in GLUE's two-column files).
//   - A row with too few columns, a label that is not one of the task's labels or a score that is not a
//     number is an error naming the line, except in QQP, whose processor skips short rows, as we do.
package glue

import (
	"fmt"
	"strings"
)

// A Task is one GLUE task: its labels, its metric and where its files keep each field.
type Task struct {
	// Name is the task's name in transformers (glue_processors, glue_compute_metrics): "sst-2", "cola",
	// "mrpc", "sts-b", "qqp", "mnli", "mnli-mm", "qnli", "rte", "wnli".
	Name string
	// Title is the name as GLUE writes it: "SST-2", "CoLA", ...
	Title string
	// Labels are the label strings as they appear in the files, in the processor's get_labels() order:
	// a label's index is the class id a model predicts. Nil for STS-B, a regression task.
	Labels []string
	// Names say what the labels mean, in the same order: what a model trained on the task calls its
	// classes (config.json's id2label, as run_glue.py writes it from Hugging Face's GLUE data sets).
	// They are the names of those data sets where the files write numbers (SST-2's 0 and 1 are
	// negative and positive), the labels themselves where the files write words (MNLI's). Nil for
	// STS-B.
	Names []string
	// Metric is the key, in metrics.Compute's result, of the number this task is judged by.
	Metric string
	// Pair is true when an example is a pair of texts (TextB is set).
	Pair bool

	labelled layout // train and dev files
	test     layout // test files, which have no labels
	// setSuffix names MNLI's dev and test sets as its processors do: dev_matched, test_mismatched.
	setSuffix string
	// skipShort drops rows with too few columns, as QqpProcessor does (it catches the IndexError).
	skipShort bool
}

// Regression reports whether the task predicts a score (STS-B) rather than a class.
func (t *Task) Regression() bool { return t.Labels == nil }

// NumLabels is the number of outputs a model for the task has: the number of classes, 1 for regression.
func (t *Task) NumLabels() int {
	if t.Regression() {
		return 1
	}
	return len(t.Labels)
}

// layoutFor returns the layout of a split, "train", "dev" or "test".
func (t *Task) layoutFor(split string) (*layout, error) {
	switch split {
	case "train", "dev":
		return &t.labelled, nil
	case "test":
		return &t.test, nil
	}
	return nil, fmt.Errorf("glue: unknown split %q (want train, dev or test)", split)
}

// setName is the name the task's processor gives the examples of a split, the prefix of their GUIDs.
func (t *Task) setName(split string) string {
	if split == "train" {
		return split
	}
	return split + t.setSuffix
}

// last stands for a row's last column, Python's line[-1]; none for a field a layout does not have.
const (
	last = -1
	none = -2
)

// A field is where a layout finds one value: a column index (or last) and the column's name in GLUE's
// header row ("" where GLUE's file has no header).
type field struct {
	column int
	name   string
}

// at returns the field's value in row and whether the row has it.
func (f field) at(row []string) (string, bool) {
	switch {
	case f.column == last && len(row) > 0:
		return row[len(row)-1], true
	case f.column >= 0 && f.column < len(row):
		return row[f.column], true
	}
	return "", false
}

// A layout is where a processor finds the fields of one kind of file.
type layout struct {
	columns int    // fewest columns a row may have
	width   int    // columns in GLUE's own files (MNLI's vary: 0); used to recognise a headerless file
	help    string // GLUE's columns, for error messages
	textA   field
	textB   field // column none for single-sentence tasks
	label   field // column none in test files
	guid    int   // the column the processor takes the GUID from, or none for a row count
	// countFromData starts the GUID row count at the first example rather than at the file's first row
	// (ColaProcessor drops the test header before it counts; the others count the header as row 0).
	countFromData bool
}

// tasks are the GLUE tasks. Their order settles DetectTask's ties: SST-2 before CoLA (same test files),
// MNLI before MNLI-MM, RTE before WNLI (same headers).
var tasks = []*Task{
	{
		Name: "sst-2", Title: "SST-2", Labels: []string{"0", "1"}, Names: []string{"negative", "positive"}, Metric: "acc",
		labelled: layout{columns: 2, width: 2, help: "sentence, label",
			textA: field{0, "sentence"}, textB: field{none, ""}, label: field{1, "label"}, guid: none},
		test: layout{columns: 1, width: 2, help: "index, sentence",
			textA: field{last, "sentence"}, textB: field{none, ""}, label: field{none, ""}, guid: none},
	},
	{
		Name: "cola", Title: "CoLA", Labels: []string{"0", "1"}, Names: []string{"unacceptable", "acceptable"}, Metric: "mcc",
		labelled: layout{columns: 4, width: 4, help: "source, label, original label, sentence; no header",
			textA: field{3, ""}, textB: field{none, ""}, label: field{1, ""}, guid: none},
		test: layout{columns: 1, width: 2, help: "index, sentence",
			textA: field{last, "sentence"}, textB: field{none, ""}, label: field{none, ""}, guid: none,
			countFromData: true},
	},
	{
		Name: "mrpc", Title: "MRPC", Labels: []string{"0", "1"}, Names: []string{"not_equivalent", "equivalent"},
		Metric: "acc_and_f1", Pair: true,
		labelled: layout{columns: 5, width: 5, help: "Quality, #1 ID, #2 ID, #1 String, #2 String",
			textA: field{3, "#1 String"}, textB: field{4, "#2 String"}, label: field{0, "Quality"}, guid: none},
		test: layout{columns: 5, width: 5, help: "index, #1 ID, #2 ID, #1 String, #2 String",
			textA: field{3, "#1 String"}, textB: field{4, "#2 String"}, label: field{none, ""}, guid: none},
	},
	{
		Name: "sts-b", Title: "STS-B", Metric: "corr", Pair: true,
		labelled: layout{columns: 10, width: 10,
			help:  "index, genre, filename, year, old_index, source1, source2, sentence1, sentence2, score",
			textA: field{7, "sentence1"}, textB: field{8, "sentence2"}, label: field{last, "score"}, guid: 0},
		test: layout{columns: 9, width: 9,
			help:  "index, genre, filename, year, old_index, source1, source2, sentence1, sentence2",
			textA: field{7, "sentence1"}, textB: field{8, "sentence2"}, label: field{none, ""}, guid: 0},
	},
	{
		Name: "qqp", Title: "QQP", Labels: []string{"0", "1"}, Names: []string{"not_duplicate", "duplicate"},
		Metric: "acc_and_f1", Pair: true, skipShort: true,
		labelled: layout{columns: 6, width: 6, help: "id, qid1, qid2, question1, question2, is_duplicate",
			textA: field{3, "question1"}, textB: field{4, "question2"}, label: field{5, "is_duplicate"}, guid: 0},
		test: layout{columns: 3, width: 3, help: "id, question1, question2",
			textA: field{1, "question1"}, textB: field{2, "question2"}, label: field{none, ""}, guid: 0},
	},
	mnli("mnli", "MNLI", "_matched"),
	mnli("mnli-mm", "MNLI-MM", "_mismatched"),
	entailment("qnli", "QNLI", "question", "sentence", []string{"entailment", "not_entailment"}, nil),
	entailment("rte", "RTE", "sentence1", "sentence2", []string{"entailment", "not_entailment"}, nil),
	entailment("wnli", "WNLI", "sentence1", "sentence2", []string{"0", "1"}, []string{"not_entailment", "entailment"}),
}

// mnli returns MNLI's matched or mismatched task: the two read the same columns of different files.
func mnli(name, title, setSuffix string) *Task {
	const parses = "index, promptID, pairID, genre, sentence1_binary_parse, sentence2_binary_parse, " +
		"sentence1_parse, sentence2_parse, sentence1, sentence2"
	labels := []string{"contradiction", "entailment", "neutral"}
	return &Task{
		Name: name, Title: title, Labels: labels, Names: labels,
		Metric: name + "/acc", Pair: true, setSuffix: setSuffix,
		labelled: layout{columns: 11, help: parses + ", label1, ..., gold_label",
			textA: field{8, "sentence1"}, textB: field{9, "sentence2"}, label: field{last, "gold_label"}, guid: 0},
		test: layout{columns: 10, width: 10, help: parses,
			textA: field{8, "sentence1"}, textB: field{9, "sentence2"}, label: field{none, ""}, guid: 0},
	}
}

// entailment returns QNLI, RTE or WNLI, whose files are index, text a, text b and (but for test) label;
// names are the labels' meanings, nil when the labels are words.
func entailment(name, title, nameA, nameB string, labels, names []string) *Task {
	help := "index, " + nameA + ", " + nameB
	if names == nil {
		names = labels
	}
	return &Task{
		Name: name, Title: title, Labels: labels, Names: names, Metric: "acc", Pair: true,
		labelled: layout{columns: 4, width: 4, help: help + ", label",
			textA: field{1, nameA}, textB: field{2, nameB}, label: field{last, "label"}, guid: 0},
		test: layout{columns: 3, width: 3, help: help,
			textA: field{1, nameA}, textB: field{2, nameB}, label: field{none, ""}, guid: 0},
	}
}

// Tasks returns every GLUE task, in the order DetectTask prefers them when a file fits several.
func Tasks() []*Task { return append([]*Task(nil), tasks...) }

// LookupTask returns the task with the given name, ignoring case and hyphens: "SST-2", "sst2", "sts-b",
// "stsb", "mnli-mm" and "MNLI-MM" all work.
func LookupTask(name string) (*Task, error) {
	key := normalizeName(name)
	for _, t := range tasks {
		if normalizeName(t.Name) == key {
			return t, nil
		}
	}
	names := make([]string, len(tasks))
	for i, t := range tasks {
		names[i] = t.Name
	}
	return nil, fmt.Errorf("glue: unknown task %q (known: %s)", name, strings.Join(names, ", "))
}

// normalizeName lower-cases s and drops everything but letters and digits.
func normalizeName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
