package tokenizer

import (
	"encoding/json"
	"maps"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"bertology/core/golden"
)

func TestParseJSONVocab(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]int
		err  string
	}{
		{in: ` { "a" : 1 , "b":2 }  `, want: map[string]int{"a": 1, "b": 2}},
		{in: `{}`, want: map[string]int{}},
		{in: `{"\u0120the": 262, "\"": 1, "\\": 2, "\/": 3, "\n\t\b\f\r": 4}`,
			want: map[string]int{"Ġthe": 262, `"`: 1, `\`: 2, "/": 3, "\n\t\b\f\r": 4}},
		{in: `{"\ud83d\ude42": 5, "\ud83dx": 6, "\ude42\u0041": 7}`, want: map[string]int{"🙂": 5, "\ufffdx": 6, "\ufffdA": 7}},
		{in: `{"a": 1, "a": 2}`, want: map[string]int{"a": 2}},
		{in: `{"a": -3}`, want: map[string]int{"a": -3}},
		{in: `{"a": 1,}`, err: `want '"'`},
		{in: `{"a": 1.0}`, err: "integer"},
		{in: `{"a": 01}`, err: "integer"},
		{in: `{"a": 1234567890}`, err: "integer"},
		{in: `{"a": "1"}`, err: "integer"},
		{in: `{"a": 1} x`, err: "data after"},
		{in: `{"a` + "\n" + `": 1}`, err: "control character"},
		{in: `{"\x": 1}`, err: "unknown escape"},
		{in: `{"\u12": 1}`, err: "escape"},
		{in: `{"a": 1`, err: "want '}'"},
		{in: `["a"]`, err: "want '{'"},
	} {
		got, err := parseJSONVocab([]byte(tc.in))
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one containing %q", tc.in, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err == "" && !maps.Equal(got, tc.want):
			t.Errorf("%s: %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestParseJSONVocabReal compares with encoding/json on the real GPT-2 vocabulary.
func TestParseJSONVocabReal(t *testing.T) {
	data, err := os.ReadFile(golden.SharedPath(t, "golden", "tokenizers-real", "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	assertSameAsEncodingJSON(t, data)
}

func assertSameAsEncodingJSON(t *testing.T, data []byte) {
	var want map[string]int
	wantErr := json.Unmarshal(data, &want)
	got, err := parseJSONVocab(data)
	if err != nil {
		if wantErr == nil && !strings.Contains(err.Error(), "9 digits") {
			t.Fatalf("%q: %v; encoding/json reads it", data, err)
		}
		return
	}
	if wantErr != nil {
		t.Fatalf("%q: read as %v; encoding/json says %v", data, got, wantErr)
	}
	if !maps.Equal(got, want) {
		t.Fatalf("%q: %v, encoding/json reads %v", data, got, want)
	}
}

// FuzzParseJSONVocab checks the hand-written parser against encoding/json on valid UTF-8 (on which
// the two differ only in refusing ids of more than 9 digits).
func FuzzParseJSONVocab(f *testing.F) {
	f.Add([]byte(`{"a": 1, "\u0120b": 2, "\ud83d\ude42": 3}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			parseJSONVocab(data) // must not panic
			return
		}
		assertSameAsEncodingJSON(t, data)
	})
}
