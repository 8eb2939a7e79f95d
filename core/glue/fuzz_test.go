package glue

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadTSV feeds ReadTSV and DetectTask arbitrary files (seeded by testdata/fuzz/FuzzReadTSV with a
// file of each task and the cases above). Neither may panic; what ReadTSV accepts must be well formed;
// its errors must name a line that exists; and a file of up to 50 rows that DetectTask recognises must
// read without error as the task and split it named.
func FuzzReadTSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, taskIndex uint8, test bool) {
		task := tasks[int(taskIndex)%len(tasks)]
		split := "dev"
		if test {
			split = "test"
		}
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
		examples, err := ReadTSV(bytes.NewReader(data), task, split)
		var le *LineError
		if errors.As(err, &le) && (le.Line < 1 || le.Line > lines) {
			t.Fatalf("error names line %d of %d: %v", le.Line, lines, err)
		}
		if len(examples) > lines {
			t.Fatalf("%d examples from %d lines", len(examples), lines)
		}
		for _, ex := range examples {
			for _, text := range []string{ex.TextA, ex.TextB} {
				if !utf8.ValidString(text) || strings.ContainsAny(text, "\t\r\n") {
					t.Fatalf("text %q is not one field of one line", text)
				}
			}
			if !task.Pair && ex.TextB != "" {
				t.Fatalf("%s example has a second text %q", task.Name, ex.TextB)
			}
			if test && ex.Label != -1 || !test && (ex.Label < 0 || ex.Label >= task.NumLabels()) {
				t.Fatalf("%s %s example has label %d", task.Name, split, ex.Label)
			}
		}

		detected, detectedSplit, err := DetectTask(data, "fuzz.tsv")
		if err != nil {
			return
		}
		if rows, _ := splitRows(data, -1); len(rows) <= detectRows {
			if _, err := ReadTSV(bytes.NewReader(data), detected, detectedSplit); err != nil {
				t.Fatalf("DetectTask says %s %s, but ReadTSV fails: %v", detected.Name, detectedSplit, err)
			}
		}
	})
}
