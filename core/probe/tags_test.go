package probe

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestReadTags(t *testing.T) {
	in := "The\tDET\r\ncat\tNOUN\nNew York\tPROPN\n\n  \n\nIt\tPRON\n"
	got, err := ReadTags(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []TaggedSentence{
		{Tokens: []string{"The", "cat", "New York"}, Tags: []string{"DET", "NOUN", "PROPN"}},
		{Tokens: []string{"It"}, Tags: []string{"PRON"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d sentences, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if !slices.Equal(got[i].Tokens, want[i].Tokens) || !slices.Equal(got[i].Tags, want[i].Tags) {
			t.Fatalf("sentence %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestReadTagsErrors(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"no tab", "The\tDET\ncat NOUN\n", "line 2: want token<TAB>tag, found 1 tab-separated fields"},
		{"two tabs", "a\tb\tc\n", "line 1: want token<TAB>tag, found 3"},
		{"empty tag", "\n\nthe\t\n", "line 3: empty token or tag"},
		{"bad UTF-8", "ok\tX\n\xff\tX\n", "line 2: not valid UTF-8"},
		{"empty", "\n \n", "no sentences"},
		{"line too long", strings.Repeat("a", 1<<20+1), "line 1: bufio.Scanner: token too long"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTags(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	labels, classes := Encode([]string{"NOUN", "DET", "NOUN", "VERB"})
	if !slices.Equal(classes, []string{"DET", "NOUN", "VERB"}) || !slices.Equal(labels, []int{1, 0, 1, 2}) {
		t.Fatalf("Encode = %v, %v", labels, classes)
	}
}

// FuzzReadTags: any input either fails with an error or yields non-empty sentences with one tag per token
// and no tabs or line breaks inside tokens or tags.
func FuzzReadTags(f *testing.F) {
	for _, s := range []string{"The\tDET\ncat\tNOUN\n\nIt\tPRON\n", "a\tb\r\n", "\n\n", "a\tb\tc", "x\t\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ReadTags(bytes.NewReader(in))
		if err != nil {
			return
		}
		for _, s := range got {
			if len(s.Tokens) == 0 || len(s.Tokens) != len(s.Tags) {
				t.Fatalf("sentence %q", s)
			}
			for i := range s.Tokens {
				if s.Tokens[i] == "" || s.Tags[i] == "" || strings.ContainsAny(s.Tokens[i]+s.Tags[i], "\t\n") {
					t.Fatalf("token %q tag %q", s.Tokens[i], s.Tags[i])
				}
			}
		}
	})
}
