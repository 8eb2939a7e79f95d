package glue

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// An Example is one row of a GLUE file, as the processors' InputExample holds it.
type Example struct {
	// GUID is the processor's id: the set name and either the row's own id column or its row number,
	// e.g. "dev-1" (SST-2), "dev_matched-9815" (MNLI).
	GUID string
	// TextA is the sentence, or the first of the pair; TextB the second ("" for single-sentence tasks).
	TextA, TextB string
	// Label is the class id, an index into Task.Labels, or -1 when the file has no labels (test files).
	// For STS-B it is 0, the model's single output, when Target holds the row's score.
	Label int
	// Target is STS-B's similarity score (0 to 5); 0 for classification tasks.
	Target float32
}

// A LineError is a problem with one line of a file.
type LineError struct {
	Line    int // 1-based, counting "\n", "\r\n" and "\r" as line ends
	Problem string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Problem) }

// ReadTSV reads the examples of a GLUE file of the given split, "train", "dev" or "test" (test files
// have no labels), as the task's processor in transformers does; see the package comment for where it
// is more forgiving. A problem in the data is reported as a *LineError.
func ReadTSV(r io.Reader, task *Task, split string) ([]Example, error) {
	lay, err := task.layoutFor(split)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("glue: reading %s %s data: %w", task.Title, split, err)
	}
	rows, err := splitRows(data, -1)
	if err != nil {
		return nil, err
	}
	if len(rows) > 0 && lay.isHeader(task, rows[0].fields) {
		rows = rows[1:]
		if lay.countFromData {
			// The row count below starts at the header; ColaProcessor's starts at the first example.
			for i := range rows {
				rows[i].index--
			}
		}
	}
	examples := make([]Example, 0, len(rows))
	for _, row := range rows {
		ex, err := lay.parse(task, row.fields)
		if err == errShort {
			continue
		}
		if err != nil {
			return nil, &LineError{row.line, err.Error()}
		}
		ex.GUID = task.setName(split) + "-" + strconv.Itoa(row.index)
		if lay.guid != none {
			ex.GUID = task.setName(split) + "-" + row.fields[lay.guid]
		}
		examples = append(examples, ex)
	}
	if len(examples) == 0 {
		return nil, fmt.Errorf("glue: the %s %s file has no examples", task.Title, split)
	}
	return examples, nil
}

// A row is one non-blank line of a TSV file split into fields.
type row struct {
	line   int // 1-based line number
	index  int // 0-based count of non-blank rows before this one
	fields []string
}

// bom is the UTF-8 byte-order mark that Python's "utf-8-sig" codec drops.
const bom = "\uFEFF"

// splitRows splits data into rows of tab-separated fields, at most max rows when max >= 0. Lines end at
// "\n", "\r\n" or a lone "\r" (Python's universal newlines); a line of only white space is skipped.
func splitRows(data []byte, max int) ([]row, error) {
	s := strings.TrimPrefix(string(data), bom)
	var rows []row
	for line := 1; len(s) > 0 && (max < 0 || len(rows) < max); line++ {
		end := strings.IndexAny(s, "\r\n")
		text, rest := s, ""
		if end >= 0 {
			text, rest = s[:end], s[end+1:]
			if s[end] == '\r' && len(rest) > 0 && rest[0] == '\n' {
				rest = rest[1:]
			}
		}
		s = rest
		if !utf8.ValidString(text) {
			return nil, &LineError{line, "not valid UTF-8 text"}
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		rows = append(rows, row{line: line, index: len(rows), fields: strings.Split(text, "\t")})
	}
	return rows, nil
}

// errShort is parse's error for a row with too few columns, which QQP skips.
var errShort = errors.New("too few columns")

// isHeader reports whether the first row of a file is a header rather than an example. In a labelled
// file it is when its label field is a word that is no label; in a test file, when it does not start
// with an index, as every GLUE test file's examples do, or its text is the column's name ("sentence").
func (l *layout) isHeader(task *Task, fields []string) bool {
	if l.label.column != none {
		v, ok := l.label.at(fields)
		if !ok {
			return false
		}
		_, _, err := task.parseLabel(v)
		_, numErr := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err != nil && numErr != nil
	}
	if _, err := strconv.Atoi(fields[0]); len(fields) >= 2 && err != nil {
		return true
	}
	v, _ := l.textA.at(fields)
	return strings.EqualFold(strings.TrimSpace(v), l.textA.name)
}

// parse reads one row's texts and label, leaving the GUID to the caller.
func (l *layout) parse(task *Task, fields []string) (Example, error) {
	if len(fields) < l.columns {
		if task.skipShort {
			return Example{}, errShort
		}
		return Example{}, fmt.Errorf("%d %s, %s needs %d (%s)",
			len(fields), plural(len(fields), "column"), task.Title, l.columns, l.help)
	}
	ex := Example{Label: -1}
	ex.TextA, _ = l.textA.at(fields)
	ex.TextB, _ = l.textB.at(fields)
	if v, ok := l.label.at(fields); ok {
		var err error
		if ex.Label, ex.Target, err = task.parseLabel(v); err != nil {
			return Example{}, err
		}
	}
	return ex, nil
}

// parseLabel reads a label field: a class id, or for STS-B the score (and label 0).
func (t *Task) parseLabel(v string) (int, float32, error) {
	v = strings.TrimSpace(v)
	if t.Regression() {
		score, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(score, 0) || math.IsNaN(score) {
			return 0, 0, fmt.Errorf("score %q is not a number", v)
		}
		return 0, float32(score), nil
	}
	for i, l := range t.Labels {
		if v == l {
			return i, 0, nil
		}
	}
	return 0, 0, fmt.Errorf("label %q is not one of %s", v, strings.Join(t.Labels, ", "))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
