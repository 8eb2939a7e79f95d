package glue

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// detectRows is how many rows of a file DetectTask looks at.
const detectRows = 50

// DetectTask guesses which GLUE task a file belongs to and whether it is labelled, for a file dropped on
// the page. It returns the task and the split to read it as: "test" when the rows have no labels,
// otherwise "train" when the file's name says so and "dev" else. It looks at the first 50 rows: a
// labelled layout fits when they all parse, an unlabelled one only when they also have GLUE's shape;
// among the fits it prefers GLUE's own header row, then rows with exactly GLUE's columns, then a task
// named in fileName ("SST-2/dev.tsv", "dev_mismatched.tsv"), then labelled over unlabelled, then the
// order of Tasks().
func DetectTask(data []byte, fileName string) (*Task, string, error) {
	d, err := Detect(data, fileName)
	if err != nil {
		return nil, "", err
	}
	return d.Task, d.Split, nil
}

// Detection is DetectTask's answer with the reason for it, for the page to show.
type Detection struct {
	Task  *Task
	Split string // "train", "dev" or "test"
	// Reason is what the file's first rows showed, in words: "2 columns, labels 0/1, no header".
	Reason string
}

// Detect is DetectTask, also saying why.
func Detect(data []byte, fileName string) (*Detection, error) {
	rows, err := splitRows(data, detectRows)
	if err != nil {
		return nil, fmt.Errorf("glue: %s: %w", fileName, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("glue: %s is empty", fileName)
	}
	var best *Task
	bestSplit, bestScore := "", 0
	for _, t := range tasks {
		for _, split := range []string{"dev", "test"} {
			lay, _ := t.layoutFor(split)
			fit := lay.fit(t, rows)
			if fit == 0 || split == "test" && fit < fitShape {
				// Without labels to check, nearly any text parses as some test file: ask for GLUE's shape.
				continue
			}
			score := 4*fit + 2*hint(t, fileName)
			if split == "dev" {
				score++
			}
			if score > bestScore {
				best, bestSplit, bestScore = t, split, score
			}
		}
	}
	if best == nil {
		first := rows[0].fields
		return nil, fmt.Errorf("glue: %s fits no GLUE task's columns (its first row has %d %s: %s)",
			fileName, len(first), plural(len(first), "column"), quoteFields(first))
	}
	if bestSplit == "dev" && strings.Contains(strings.ToLower(path.Base(fileName)), "train") {
		bestSplit = "train"
	}
	return &Detection{Task: best, Split: bestSplit, Reason: reason(best, bestSplit, rows, fileName)}, nil
}

// reason says what of the rows made DetectTask read them as task's split: their columns, the labels
// they hold, their header, and the file's name when it names the task.
func reason(task *Task, split string, rows []row, fileName string) string {
	lay, _ := task.layoutFor(split)
	header := "no header"
	switch {
	case lay.isGLUEHeader(rows[0].fields):
		header, rows = "GLUE's header row", rows[1:]
	case lay.isHeader(task, rows[0].fields):
		header, rows = "a header row", rows[1:]
	}
	cols := len(rows[0].fields)
	for _, r := range rows {
		if len(r.fields) != cols {
			cols = -1
			break
		}
	}
	var parts []string
	if cols > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", cols, plural(cols, "column")))
	} else {
		parts = append(parts, "rows of varying columns")
	}
	switch {
	case lay.label.column == none:
		parts = append(parts, "no labels")
	case task.Regression():
		parts = append(parts, "scores")
	default:
		var seen []string
		for _, r := range rows {
			if v, ok := lay.label.at(r.fields); ok && !slices.Contains(seen, strings.TrimSpace(v)) {
				seen = append(seen, strings.TrimSpace(v))
			}
		}
		slices.Sort(seen)
		if len(seen) > 4 {
			seen = append(seen[:4], "...")
		}
		parts = append(parts, "labels "+strings.Join(seen, "/"))
	}
	parts = append(parts, header)
	if hint(task, fileName) == 1 {
		parts = append(parts, "named in the file name")
	}
	return strings.Join(parts, ", ")
}

// How well a layout fits a file's first rows.
const (
	fitParses = 1 + iota // every row parses
	fitShape             // every row parses and has GLUE's shape (see hasShape)
	fitHeader            // every row parses under GLUE's own header row
)

// fit scores how well the layout reads rows (0: it does not).
func (l *layout) fit(task *Task, rows []row) int {
	score := fitShape
	if l.isGLUEHeader(rows[0].fields) {
		score, rows = fitHeader, rows[1:]
	} else if l.isHeader(task, rows[0].fields) {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return 0
	}
	for _, r := range rows {
		if _, err := l.parse(task, r.fields); err != nil {
			return 0
		}
		if score == fitShape && !l.hasShape(r.fields) {
			score = fitParses
		}
	}
	return score
}

// isGLUEHeader reports whether fields is GLUE's header row for this layout: its named fields hold their
// names.
func (l *layout) isGLUEHeader(fields []string) bool {
	named := false
	for _, f := range []field{l.textA, l.textB, l.label} {
		if f.name == "" {
			continue
		}
		v, ok := f.at(fields)
		if !ok || !strings.EqualFold(strings.TrimSpace(v), f.name) {
			return false
		}
		named = true
	}
	return named
}

// hasShape reports whether a row has as many columns as GLUE's files and, for a test file, an index
// first. A single-sentence test file may also be just sentences, one a line.
func (l *layout) hasShape(fields []string) bool {
	if l.label.column != none {
		return l.width == 0 || len(fields) == l.width
	}
	if l.textB.column == none && len(fields) == 1 {
		return true
	}
	_, err := strconv.Atoi(fields[0])
	return len(fields) == l.width && err == nil
}

// taskHints are words in a file's name that point at a task.
var taskHints = map[string][]string{
	"sst-2":   {"sst"},
	"cola":    {"cola"},
	"mrpc":    {"mrpc"},
	"sts-b":   {"stsb"},
	"qqp":     {"qqp", "quora"},
	"mnli":    {"mnli", "matched"},
	"mnli-mm": {"mnlimm", "mismatched"},
	"qnli":    {"qnli"},
	"rte":     {"rte"},
	"wnli":    {"wnli"},
}

// hint is 1 when fileName names the task, by the longest of the hint words it contains: so
// "dev_mismatched.tsv" names MNLI-MM ("mismatched") more than MNLI ("matched").
func hint(t *Task, fileName string) int {
	name := normalizeName(fileName)
	longest := func(words []string) int {
		n := 0
		for _, w := range words {
			if strings.Contains(name, w) {
				n = max(n, len(w))
			}
		}
		return n
	}
	mine := longest(taskHints[t.Name])
	if mine == 0 {
		return 0
	}
	for other, words := range taskHints {
		if other != t.Name && longest(words) > mine {
			return 0
		}
	}
	return 1
}

// quoteFields lists a row's fields for an error message, shortening long ones.
func quoteFields(fields []string) string {
	var parts []string
	for i, f := range fields {
		if i == 6 {
			parts = append(parts, "...")
			break
		}
		if r := []rune(f); len(r) > 30 {
			f = string(r[:27]) + "..."
		}
		parts = append(parts, strconv.Quote(f))
	}
	return strings.Join(parts, ", ")
}
