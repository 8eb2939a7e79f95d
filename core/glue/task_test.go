package glue

import (
	"slices"
	"testing"
)

// TestNames: every classification task names each of its labels, in label order; the names of the
// tasks whose files write numbers are those of Hugging Face's GLUE data sets.
func TestNames(t *testing.T) {
	want := map[string][]string{
		"sst-2": {"negative", "positive"},
		"cola":  {"unacceptable", "acceptable"},
		"mrpc":  {"not_equivalent", "equivalent"},
		"qqp":   {"not_duplicate", "duplicate"},
		"wnli":  {"not_entailment", "entailment"},
		"mnli":  {"contradiction", "entailment", "neutral"},
		"rte":   {"entailment", "not_entailment"},
	}
	for _, task := range Tasks() {
		if len(task.Names) != len(task.Labels) {
			t.Errorf("%s: %d names for %d labels", task.Name, len(task.Names), len(task.Labels))
		}
		if w, ok := want[task.Name]; ok && !slices.Equal(task.Names, w) {
			t.Errorf("%s: names %q, want %q", task.Name, task.Names, w)
		}
	}
}
