package glue

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestReadTagged(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []TaggedSentence
	}{
		{"tabs", "The\tDET\r\ncat\tNOUN\nNew York\tPROPN\n\n  \n\nIt\tPRON\n", []TaggedSentence{
			{Words: []string{"The", "cat", "New York"}, Tags: []string{"DET", "NOUN", "PROPN"}},
			{Words: []string{"It"}, Tags: []string{"PRON"}},
		}},
		{"CoNLL word and tag", "Peter B-PER\nBlackburn I-PER\n\nBRUSSELS B-LOC\n1996-08-22  O\r\n", []TaggedSentence{
			{Words: []string{"Peter", "Blackburn"}, Tags: []string{"B-PER", "I-PER"}},
			{Words: []string{"BRUSSELS", "1996-08-22"}, Tags: []string{"B-LOC", "O"}},
		}},
		{"CoNLL-2003 columns, the tag last, documents skipped",
			"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n-DOCSTART- -X- -X- O\n\nGerman JJ B-NP B-MISC\n",
			[]TaggedSentence{
				{Words: []string{"EU", "rejects"}, Tags: []string{"B-ORG", "O"}},
				{Words: []string{"German"}, Tags: []string{"B-MISC"}},
			}},
		{"a word that only starts like -DOCSTART-", "-DOCSTART-ish O\n", []TaggedSentence{
			{Words: []string{"-DOCSTART-ish"}, Tags: []string{"O"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadTagged(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d sentences, want %d: %q", len(got), len(tc.want), got)
			}
			for i, want := range tc.want {
				if !slices.Equal(got[i].Words, want.Words) || !slices.Equal(got[i].Tags, want.Tags) {
					t.Fatalf("sentence %d = %q, want %q", i, got[i], want)
				}
			}
		})
	}
}

func TestReadTaggedErrors(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"no tab in a tab file", "The\tDET\ncat NOUN\n", "line 2: want token<TAB>tag, found 1 tab-separated fields"},
		{"two tabs", "a\tb\tc\n", "line 1: want token<TAB>tag, found 3"},
		{"empty tag", "\n\nthe\t\n", "line 3: empty token or tag"},
		{"a word alone in a CoNLL file", "EU B-ORG\nrejects\n", "line 2: want a word and its tag separated by spaces (CoNLL), found \"rejects\""},
		{"bad UTF-8", "ok\tX\n\xff\tX\n", "line 2: not valid UTF-8"},
		{"empty", "\n \n", "no sentences"},
		{"documents alone", "-DOCSTART- -X- -X- O\n\n", "no sentences"},
		{"line too long", strings.Repeat("a", 1<<20+1), "line 1: bufio.Scanner: token too long"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTagged(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLooksTagged(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     bool
	}{
		{"CoNLL", "EU B-ORG\nrejects O\n\nGerman B-MISC\n", true},
		{"CoNLL-2003", "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n", true},
		{"IOBES, tabs", "Peter\tS-PER\n\nIt\tO\n", true},
		{"one sentence", "New B-LOC\nYork I-LOC\n", true},
		{"SST-2", "sentence\tlabel\nit 's a charming journey . \t1\n", false},
		{"part-of-speech tags", "The\tDET\ncat\tNOUN\n", false},
		{"plain text", "The cat sat on the mat.\nIt was O\n", false},
		{"one word", "Paris B-LOC\n", false},
		{"empty", "\n\n", false},
	} {
		if got := LooksTagged([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: LooksTagged = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzReadTagged: any input either fails with an error or yields non-empty sentences with one tag per
// word and no line breaks inside words or tags; what LooksTagged accepts (of up to 50 lines) reads.
func FuzzReadTagged(f *testing.F) {
	for _, s := range []string{"The\tDET\ncat\tNOUN\n\nIt\tPRON\n", "a\tb\r\n", "\n\n", "a\tb\tc", "x\t\n",
		"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n", "Peter B-PER\n-DOCSTART-\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ReadTagged(bytes.NewReader(in))
		if err != nil {
			if LooksTagged(in) && bytes.Count(in, []byte("\n")) < detectRows {
				t.Fatalf("LooksTagged, but ReadTagged fails: %v", err)
			}
			return
		}
		for _, s := range got {
			if len(s.Words) == 0 || len(s.Words) != len(s.Tags) {
				t.Fatalf("sentence %q", s)
			}
			for i := range s.Words {
				if s.Words[i] == "" || s.Tags[i] == "" || strings.ContainsAny(s.Words[i]+s.Tags[i], "\n") {
					t.Fatalf("word %q tag %q", s.Words[i], s.Tags[i])
				}
			}
		}
	})
}
