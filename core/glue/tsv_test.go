package glue

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// row joins fields with tabs, for readable test data.
func tsvRow(fields ...string) string { return strings.Join(fields, "\t") + "\n" }

var (
	mnliHeader = tsvRow("index", "promptID", "pairID", "genre", "sentence1_binary_parse", "sentence2_binary_parse",
		"sentence1_parse", "sentence2_parse", "sentence1", "sentence2", "label1", "label2", "label3", "label4",
		"label5", "gold_label")
	mnliTestHeader = tsvRow("index", "promptID", "pairID", "genre", "sentence1_binary_parse",
		"sentence2_binary_parse", "sentence1_parse", "sentence2_parse", "sentence1", "sentence2")
	stsbHeader = tsvRow("index", "genre", "filename", "year", "old_index", "source1", "source2", "sentence1",
		"sentence2", "score")
)

// mnliRow is a dev_matched row: 8 columns of ids and parses, the pair, 5 annotator labels and the gold one.
func mnliRow(index, a, b, gold string) string {
	return tsvRow(index, "63735", "63735n", "slate", "( p )", "( h )", "(ROOT p)", "(ROOT h)", a, b,
		gold, gold, gold, gold, gold, gold)
}

// TestReadTSV reads a small file of each task in GLUE's own layout. The wanted examples are what the
// task's processor in transformers/data/processors/glue.py builds from the same lines.
func TestReadTSV(t *testing.T) {
	for _, c := range []struct {
		task, split, data string
		want              []Example
	}{
		{"sst-2", "dev", "sentence\tlabel\nit 's a charming journey . \t1\nbleak\t0\n", []Example{
			{GUID: "dev-1", TextA: "it 's a charming journey . ", Label: 1},
			{GUID: "dev-2", TextA: "bleak", Label: 0}}},
		{"sst-2", "test", "index\tsentence\n0\tuneasy mishmash .\n1\tdazzling .\n", []Example{
			{GUID: "test-1", TextA: "uneasy mishmash .", Label: -1},
			{GUID: "test-2", TextA: "dazzling .", Label: -1}}},
		// GLUE's CoLA train and dev files have no header: the processor counts from the first row.
		{"cola", "train", "gj04\t1\t\tThe sailors rode the breeze.\ngj04\t0\t*\tAnson became a muscle bound.\n", []Example{
			{GUID: "train-0", TextA: "The sailors rode the breeze.", Label: 1},
			{GUID: "train-1", TextA: "Anson became a muscle bound.", Label: 0}}},
		// ColaProcessor drops the test header before it counts.
		{"cola", "test", "index\tsentence\n0\tBill left.\n1\tLeft Bill.\n", []Example{
			{GUID: "test-0", TextA: "Bill left.", Label: -1},
			{GUID: "test-1", TextA: "Left Bill.", Label: -1}}},
		// A '"' is an ordinary character: quotechar=None.
		{"mrpc", "dev", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n" +
			"1\t1355540\t1355592\tHe said the pie business doesn't fit.\t\"The pie business does not fit.\n" +
			"0\t2029631\t2029565\tA\tB\n", []Example{
			{GUID: "dev-1", TextA: "He said the pie business doesn't fit.", TextB: "\"The pie business does not fit.", Label: 1},
			{GUID: "dev-2", TextA: "A", TextB: "B", Label: 0}}},
		{"mrpc", "test", "index\t#1 ID\t#2 ID\t#1 String\t#2 String\n0\t1089874\t1089925\tA\tB\n", []Example{
			{GUID: "test-1", TextA: "A", TextB: "B", Label: -1}}},
		{"sts-b", "dev", stsbHeader +
			tsvRow("0", "main-captions", "MSRvid", "2012test", "0000", "none", "none", "A man is dancing.", "A man dances.", "5.000") +
			tsvRow("7", "main-news", "headlines", "2015", "0031", "none", "none", "A", "B", "1.25"), []Example{
			{GUID: "dev-0", TextA: "A man is dancing.", TextB: "A man dances.", Label: 0, Target: 5},
			{GUID: "dev-7", TextA: "A", TextB: "B", Label: 0, Target: 1.25}}},
		{"sts-b", "test", strings.TrimSuffix(stsbHeader, "\tscore\n") + "\n" +
			tsvRow("0", "main-captions", "MSRvid", "2012test", "0024", "none", "none", "A girl.", "A boy."), []Example{
			{GUID: "test-0", TextA: "A girl.", TextB: "A boy.", Label: -1}}},
		// QqpProcessor skips a row too short to index (its try/except IndexError).
		{"qqp", "dev", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n" +
			"201359\t303345\t303346\tWhy?\tHow?\t0\n263843\t69383\t380476\tcut short\n5\t1\t2\tA?\tB?\t1\n", []Example{
			{GUID: "dev-201359", TextA: "Why?", TextB: "How?", Label: 0},
			{GUID: "dev-5", TextA: "A?", TextB: "B?", Label: 1}}},
		{"qqp", "test", "id\tquestion1\tquestion2\n0\tA?\tB?\n1\tshort\n", []Example{
			{GUID: "test-0", TextA: "A?", TextB: "B?", Label: -1}}},
		{"mnli", "dev", mnliHeader + mnliRow("0", "The new rights are nice.", "Everyone loves them.", "neutral") +
			mnliRow("1", "P", "H", "contradiction"), []Example{
			{GUID: "dev_matched-0", TextA: "The new rights are nice.", TextB: "Everyone loves them.", Label: 2},
			{GUID: "dev_matched-1", TextA: "P", TextB: "H", Label: 0}}},
		{"mnli-mm", "dev", mnliHeader + mnliRow("9", "P", "H", "entailment"), []Example{
			{GUID: "dev_mismatched-9", TextA: "P", TextB: "H", Label: 1}}},
		{"mnli", "train", mnliHeader[:strings.Index(mnliHeader, "\tlabel2")] + "\tgold_label\n" +
			tsvRow("3", "1", "1e", "fiction", "( p )", "( h )", "(ROOT p)", "(ROOT h)", "P", "H", "entailment", "entailment"),
			[]Example{{GUID: "train-3", TextA: "P", TextB: "H", Label: 1}}},
		{"mnli-mm", "test", mnliTestHeader + tsvRow("4", "1", "1e", "fiction", "( p )", "( h )", "(ROOT p)", "(ROOT h)", "P", "H"),
			[]Example{{GUID: "test_mismatched-4", TextA: "P", TextB: "H", Label: -1}}},
		{"qnli", "dev", "index\tquestion\tsentence\tlabel\n0\tWhat?\tThis.\tentailment\n1\tWho?\tThat.\tnot_entailment\n", []Example{
			{GUID: "dev-0", TextA: "What?", TextB: "This.", Label: 0},
			{GUID: "dev-1", TextA: "Who?", TextB: "That.", Label: 1}}},
		{"qnli", "test", "index\tquestion\tsentence\n0\tWhat?\tThis.\n", []Example{
			{GUID: "test-0", TextA: "What?", TextB: "This.", Label: -1}}},
		{"rte", "dev", "index\tsentence1\tsentence2\tlabel\n0\tA\tB\tnot_entailment\n", []Example{
			{GUID: "dev-0", TextA: "A", TextB: "B", Label: 1}}},
		{"wnli", "dev", "index\tsentence1\tsentence2\tlabel\n0\tA\tB\t1\n1\tC\tD\t0\n", []Example{
			{GUID: "dev-0", TextA: "A", TextB: "B", Label: 1},
			{GUID: "dev-1", TextA: "C", TextB: "D", Label: 0}}},
		{"wnli", "test", "index\tsentence1\tsentence2\n0\tA\tB\n", []Example{
			{GUID: "test-0", TextA: "A", TextB: "B", Label: -1}}},
	} {
		t.Run(c.task+"/"+c.split, func(t *testing.T) {
			got := readTSV(t, c.task, c.split, c.data)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func readTSV(t *testing.T, task, split, data string) []Example {
	t.Helper()
	tk, err := LookupTask(task)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadTSV(strings.NewReader(data), tk, split)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestReadTSVLines checks what _read_tsv does below the processors: a byte-order mark is dropped, lines
// end at "\n", "\r\n" or "\r" (universal newlines), tabs split every field. Blank lines are skipped and
// labels may have spaces around them, where the processors would crash.
func TestReadTSVLines(t *testing.T) {
	for _, c := range []struct {
		name, data string
		want       []Example
	}{
		{"BOM", "\uFEFFsentence\tlabel\na\t1\n", []Example{{GUID: "dev-1", TextA: "a", Label: 1}}},
		{"CRLF and CR", "sentence\tlabel\r\na\t1\rb\t0\r\n", []Example{
			{GUID: "dev-1", TextA: "a", Label: 1}, {GUID: "dev-2", TextA: "b", Label: 0}}},
		{"no final newline", "sentence\tlabel\na\t1", []Example{{GUID: "dev-1", TextA: "a", Label: 1}}},
		{"blank lines", "\nsentence\tlabel\n\n  \na\t1\n\n", []Example{{GUID: "dev-1", TextA: "a", Label: 1}}},
		{"spaced label", "sentence\tlabel\na\t 1 \n", []Example{{GUID: "dev-1", TextA: "a", Label: 1}}},
		{"extra columns", "sentence\tlabel\na\t1\tnote\n", []Example{{GUID: "dev-1", TextA: "a", Label: 1}}},
		{"empty sentence", "sentence\tlabel\n\t0\n", []Example{{GUID: "dev-1", TextA: "", Label: 0}}},
		{"quotes", "sentence\tlabel\n\"a \"\"b\t1\n", []Example{{GUID: "dev-1", TextA: "\"a \"\"b", Label: 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := readTSV(t, "sst-2", "dev", c.data); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestReadTSVHeaderDetection checks that a header is recognised from the row itself: a hand-made file
// without one keeps its first example, a CoLA file with one loses nothing.
func TestReadTSVHeaderDetection(t *testing.T) {
	for _, c := range []struct {
		name, task, split, data string
		want                    []Example
	}{
		{"SST-2 without header", "sst-2", "dev", "a\t1\nb\t0\n", []Example{
			{GUID: "dev-0", TextA: "a", Label: 1}, {GUID: "dev-1", TextA: "b", Label: 0}}},
		{"SST-2 own header", "sst-2", "dev", "text\tpolarity\na\t1\n", []Example{{GUID: "dev-1", TextA: "a", Label: 1}}},
		{"CoLA with header", "cola", "dev", "source\tlabel\toriginal\tsentence\ngj04\t1\t\tA.\n", []Example{
			{GUID: "dev-1", TextA: "A.", Label: 1}}},
		{"MRPC without header", "mrpc", "dev", "1\t1\t2\tA\tB\n", []Example{{GUID: "dev-0", TextA: "A", TextB: "B", Label: 1}}},
		{"STS-B without header", "sts-b", "dev", tsvRow("3", "g", "f", "y", "o", "s1", "s2", "A", "B", "2.5"), []Example{
			{GUID: "dev-3", TextA: "A", TextB: "B", Target: 2.5}}},
		{"SST-2 test without header", "sst-2", "test", "0\ta\n1\tb\n", []Example{
			{GUID: "test-0", TextA: "a", Label: -1}, {GUID: "test-1", TextA: "b", Label: -1}}},
		{"sentences only", "sst-2", "test", "a fine film\nawful\n", []Example{
			{GUID: "test-0", TextA: "a fine film", Label: -1}, {GUID: "test-1", TextA: "awful", Label: -1}}},
		{"sentences with header", "sst-2", "test", "Sentence\na fine film\n", []Example{
			{GUID: "test-1", TextA: "a fine film", Label: -1}}},
		{"CoLA test without header", "cola", "test", "0\tA.\n", []Example{{GUID: "test-0", TextA: "A.", Label: -1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := readTSV(t, c.task, c.split, c.data); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestReadTSVErrors checks that bad input is refused with an error that names the line and the problem.
func TestReadTSVErrors(t *testing.T) {
	for _, c := range []struct {
		task, split, data string
		line              int // 0: not a LineError
		want              string
	}{
		{"sst-2", "dev", "sentence\tlabel\na\t1\nonly one column\n", 3,
			"line 3: 1 column, SST-2 needs 2 (sentence, label)"},
		{"sst-2", "dev", "sentence\tlabel\na\t1\nb\t2\n", 3, `line 3: label "2" is not one of 0, 1`},
		// A first row whose label is a number is a bad example, not a header.
		{"sst-2", "dev", "a\t2\nb\t1\n", 1, `line 1: label "2" is not one of 0, 1`},
		{"sst-2", "dev", "sentence\tlabel\r\n\r\na\t1\rb\t0\r\nc\tx\n", 5, `line 5: label "x" is not one of 0, 1`},
		{"sst-2", "dev", "sentence\tlabel\na\t1\nb\xff\t0\n", 3, "line 3: not valid UTF-8 text"},
		{"cola", "dev", "gj04\t1\t\tA.\ngj04\t1\tB.\n", 2,
			"line 2: 3 columns, CoLA needs 4 (source, label, original label, sentence; no header)"},
		{"mrpc", "dev", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tA\n", 2,
			"line 2: 4 columns, MRPC needs 5 (Quality, #1 ID, #2 ID, #1 String, #2 String)"},
		{"sts-b", "dev", stsbHeader + tsvRow("0", "g", "f", "y", "o", "s1", "s2", "A", "B", "high"), 2,
			`line 2: score "high" is not a number`},
		{"sts-b", "dev", stsbHeader + tsvRow("0", "g", "f", "y", "o", "s1", "s2", "A", "B", "nan"), 2,
			`line 2: score "nan" is not a number`},
		{"mnli", "dev", mnliHeader + mnliRow("0", "P", "H", "maybe"), 2,
			`line 2: label "maybe" is not one of contradiction, entailment, neutral`},
		{"mnli", "dev", mnliHeader + tsvRow("0", "1", "2", "g", "p", "h", "P", "H", "A", "B"), 2,
			"line 2: 10 columns, MNLI needs 11 (index, promptID, pairID, genre, sentence1_binary_parse, " +
				"sentence2_binary_parse, sentence1_parse, sentence2_parse, sentence1, sentence2, label1, ..., gold_label)"},
		{"rte", "dev", "index\tsentence1\tsentence2\tlabel\n0\tA\tB\t1\n", 2,
			`line 2: label "1" is not one of entailment, not_entailment`},
		{"qqp", "dev", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t2\t3\tA\tB\tyes\n", 2,
			`line 2: label "yes" is not one of 0, 1`},
		{"sst-2", "dev", "", 0, "the SST-2 dev file has no examples"},
		{"sst-2", "dev", "sentence\tlabel\n\n", 0, "the SST-2 dev file has no examples"},
		{"qqp", "train", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t2\n", 0, "the QQP train file has no examples"},
		{"sst-2", "validation", "a\t1\n", 0, `unknown split "validation"`},
	} {
		task, err := LookupTask(c.task)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ReadTSV(strings.NewReader(c.data), task, c.split)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s %q: error %v, want %q", c.task, c.split, c.data, err, c.want)
			continue
		}
		var le *LineError
		if got := errors.As(err, &le); got != (c.line > 0) || got && le.Line != c.line {
			t.Errorf("%s %q: error %#v, want a LineError for line %d", c.task, c.data, err, c.line)
		}
	}
}

func TestLookupTask(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"sst-2", "sst-2"}, {"SST-2", "sst-2"}, {"sst2", "sst-2"}, {"cola", "cola"}, {"CoLA", "cola"},
		{"mrpc", "mrpc"}, {"sts-b", "sts-b"}, {"stsb", "sts-b"}, {"STS_B", "sts-b"}, {"qqp", "qqp"},
		{"mnli", "mnli"}, {"mnli-mm", "mnli-mm"}, {"MNLI_MM", "mnli-mm"}, {"qnli", "qnli"}, {"rte", "rte"},
		{"wnli", "wnli"},
	} {
		task, err := LookupTask(c.name)
		if err != nil || task.Name != c.want {
			t.Errorf("LookupTask(%q) = %v, %v; want %s", c.name, task, err, c.want)
		}
	}
	if _, err := LookupTask("squad"); err == nil || !strings.Contains(err.Error(), `unknown task "squad"`) {
		t.Errorf("LookupTask(squad): error %v", err)
	}
}

// TestTaskTable checks each task against glue_tasks_num_labels, glue_output_modes and get_labels().
func TestTaskTable(t *testing.T) {
	want := map[string]struct {
		labels     []string
		numLabels  int
		regression bool
		pair       bool
	}{
		"cola":    {[]string{"0", "1"}, 2, false, false},
		"sst-2":   {[]string{"0", "1"}, 2, false, false},
		"mrpc":    {[]string{"0", "1"}, 2, false, true},
		"sts-b":   {nil, 1, true, true},
		"qqp":     {[]string{"0", "1"}, 2, false, true},
		"mnli":    {[]string{"contradiction", "entailment", "neutral"}, 3, false, true},
		"mnli-mm": {[]string{"contradiction", "entailment", "neutral"}, 3, false, true},
		"qnli":    {[]string{"entailment", "not_entailment"}, 2, false, true},
		"rte":     {[]string{"entailment", "not_entailment"}, 2, false, true},
		"wnli":    {[]string{"0", "1"}, 2, false, true},
	}
	if len(Tasks()) != len(want) {
		t.Errorf("%d tasks, want %d", len(Tasks()), len(want))
	}
	for _, task := range Tasks() {
		w := want[task.Name]
		if !reflect.DeepEqual(task.Labels, w.labels) || task.NumLabels() != w.numLabels ||
			task.Regression() != w.regression || task.Pair != w.pair {
			t.Errorf("%s: labels %q (%d), regression %v, pair %v; want %q (%d), %v, %v", task.Name,
				task.Labels, task.NumLabels(), task.Regression(), task.Pair, w.labels, w.numLabels, w.regression, w.pair)
		}
	}
}
