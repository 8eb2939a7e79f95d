package main

import "testing"

func TestShortError(t *testing.T) {
	for _, c := range []struct{ err, want string }{
		{"loadModel: model: unknown architecture Foo", "Unknown architecture Foo"},
		{"loadHubModel: cancelled", "Cancelled"},
		{"loadDataset: glue: SST-2/dev.tsv: line 2: not valid UTF-8 text", "SST-2/dev.tsv: line 2: not valid UTF-8 text"},
		{"load a model first", "Load a model first"},
		{"internal error: the page could not be drawn: x", "Internal error: the page could not be drawn: x"},
		{"prune: ", "Prune: "},
		{"loadDataset: glue: bad.tsv fits no GLUE task's columns", "bad.tsv fits no GLUE task's columns"},
	} {
		if got := shortError(c.err); got != c.want {
			t.Errorf("shortError(%q) = %q, want %q", c.err, got, c.want)
		}
	}
}
