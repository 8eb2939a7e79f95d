package glue

import (
	"os"
	"strings"
	"testing"

	"bertology/core/golden"
)

func TestDetectTask(t *testing.T) {
	for _, c := range []struct {
		name, file, data string
		task, split      string
	}{
		{"SST-2 dev", "dev.tsv", "sentence\tlabel\nit 's fine \t1\n", "sst-2", "dev"},
		{"SST-2 train", "SST-2/train.tsv", "sentence\tlabel\nit 's fine \t1\n", "sst-2", "train"},
		{"SST-2 without header", "mine.tsv", "good\t1\nbad\t0\n", "sst-2", "dev"},
		{"SST-2 test", "test.tsv", "index\tsentence\n0\tuneasy\n1\tdazzling\n", "sst-2", "test"},
		{"CoLA test by name", "CoLA/test.tsv", "index\tsentence\n0\tBill left.\n", "cola", "test"},
		{"sentences", "sentences.txt", "a fine film\nawful , awful\n", "sst-2", "test"},
		{"CoLA", "in_domain_dev.tsv", "gj04\t1\t\tThe sailors rode.\ngj04\t0\t*\tAnson became.\n", "cola", "dev"},
		{"MRPC", "dev.tsv", "\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tA\tB\n", "mrpc", "dev"},
		{"MRPC test", "test.tsv", "index\t#1 ID\t#2 ID\t#1 String\t#2 String\n0\t1\t2\tA\tB\n", "mrpc", "test"},
		{"STS-B", "dev.tsv", stsbHeader + tsvRow("0", "g", "f", "y", "o", "s1", "s2", "A", "B", "5.000"), "sts-b", "dev"},
		{"STS-B test", "test.tsv", strings.TrimSuffix(stsbHeader, "\tscore\n") + "\n" +
			tsvRow("0", "g", "f", "y", "o", "s1", "s2", "A", "B"), "sts-b", "test"},
		{"QQP", "dev.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t2\t3\tA?\tB?\t0\n", "qqp", "dev"},
		{"QQP test", "test.tsv", "id\tquestion1\tquestion2\n0\tA?\tB?\n", "qqp", "test"},
		{"MNLI", "dev.tsv", mnliHeader + mnliRow("0", "P", "H", "neutral"), "mnli", "dev"},
		{"MNLI matched", "MNLI/dev_matched.tsv", mnliHeader + mnliRow("0", "P", "H", "neutral"), "mnli", "dev"},
		{"MNLI mismatched", "MNLI/dev_mismatched.tsv", mnliHeader + mnliRow("0", "P", "H", "neutral"), "mnli-mm", "dev"},
		{"MNLI test mismatched", "test_mismatched.tsv", mnliTestHeader +
			tsvRow("0", "1", "2", "g", "p", "h", "P", "H", "A", "B"), "mnli-mm", "test"},
		{"QNLI", "dev.tsv", "index\tquestion\tsentence\tlabel\n0\tWhat?\tThis.\tentailment\n", "qnli", "dev"},
		{"RTE", "dev.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA\tB\tnot_entailment\n", "rte", "dev"},
		{"WNLI", "dev.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA\tB\t1\n", "wnli", "dev"},
		{"RTE test", "test.tsv", "index\tsentence1\tsentence2\n0\tA\tB\n", "rte", "test"},
		{"WNLI test by name", "WNLI/test.tsv", "index\tsentence1\tsentence2\n0\tA\tB\n", "wnli", "test"},
	} {
		t.Run(c.name, func(t *testing.T) {
			task, split, err := DetectTask([]byte(c.data), c.file)
			if err != nil {
				t.Fatal(err)
			}
			if task.Name != c.task || split != c.split {
				t.Errorf("DetectTask = %s %s, want %s %s", task.Name, split, c.task, c.split)
			}
		})
	}
}

func TestDetectTaskErrors(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{"", "x.tsv is empty"},
		{"\n \n", "x.tsv is empty"},
		{"a\tb\tc\nd\te\tf\n", `x.tsv fits no GLUE task's columns (its first row has 3 columns: "a", "b", "c")`},
		{"sentence\tlabel\n", "fits no GLUE task's columns"},
		{"ok\t1\nbad\xfe\t0\n", "x.tsv: line 2: not valid UTF-8 text"},
	} {
		if _, _, err := DetectTask([]byte(c.data), "x.tsv"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DetectTask(%q): error %v, want %q", c.data, err, c.want)
		}
	}
}

// TestDetectRealGLUE recognises the real GLUE files in ../shared/data/glue.
func TestDetectRealGLUE(t *testing.T) {
	for _, c := range []struct{ file, task, split string }{
		{"SST-2/dev.tsv", "sst-2", "dev"},
		{"SST-2/train.tsv", "sst-2", "train"},
		{"SST-2/test.tsv", "sst-2", "test"},
		{"CoLA/in_domain_dev.tsv", "cola", "dev"},
		{"CoLA/in_domain_train.tsv", "cola", "train"},
		{"MRPC/dev.tsv", "mrpc", "dev"},
		{"MRPC/test.tsv", "mrpc", "test"},
		{"STS-B/dev.tsv", "sts-b", "dev"},
		{"STS-B/test.tsv", "sts-b", "test"},
	} {
		data, err := os.ReadFile(golden.SharedPath(t, "data", "glue", c.file))
		if err != nil {
			t.Fatal(err)
		}
		// Without the folder name, the content alone must decide.
		for _, name := range []string{c.file, c.file[strings.IndexByte(c.file, '/')+1:]} {
			task, split, err := DetectTask(data, name)
			if err != nil || task.Name != c.task || split != c.split {
				t.Errorf("DetectTask(%s) = %v %s %v, want %s %s", name, task, split, err, c.task, c.split)
			}
		}
	}
}

func TestDetectReason(t *testing.T) {
	for _, c := range []struct{ name, file, data, want string }{
		{"SST-2 without header", "mine.tsv", "good\t1\nbad\t0\n", "SST-2 dev: 2 columns, labels 0/1, no header"},
		{"SST-2 dev", "SST-2/dev.tsv", "sentence\tlabel\nfine\t1\n", "SST-2 dev: 2 columns, labels 1, GLUE's header row, named in the file name"},
		{"CoLA", "in_domain_dev.tsv", "gj04\t1\t\tThe sailors rode.\ngj04\t0\t*\tAnson became.\n", "CoLA dev: 4 columns, labels 0/1, no header"},
		{"SST-2 test", "test.tsv", "index\tsentence\n0\tuneasy\n", "SST-2 test: 2 columns, no labels, GLUE's header row"},
		{"STS-B", "dev.tsv", stsbHeader + tsvRow("0", "g", "f", "y", "o", "s1", "s2", "A", "B", "5.000"), "STS-B dev: 10 columns, scores, GLUE's header row"},
		{"RTE", "dev.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA\tB\tnot_entailment\n1\tA\tB\tentailment\n", "RTE dev: 4 columns, labels entailment/not_entailment, GLUE's header row"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := Detect([]byte(c.data), c.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Task.Title + " " + d.Split + ": " + d.Reason; got != c.want {
				t.Errorf("Detect = %q, want %q", got, c.want)
			}
		})
	}
}
