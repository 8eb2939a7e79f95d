package metrics

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestEntities checks the chunking against seqeval's get_entities, case by case.
func TestEntities(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sentences [][]string
		want      []entity
	}{
		{"seqeval's example", [][]string{{"B-PER", "I-PER", "O", "B-LOC"}}, []entity{{"PER", 0, 1}, {"LOC", 3, 3}}},
		{"an I after O starts an entity", [][]string{{"O", "I-PER", "I-PER", "O"}}, []entity{{"PER", 1, 2}}},
		{"an I first starts one too", [][]string{{"I-LOC", "O"}}, []entity{{"LOC", 0, 0}}},
		{"B then B: two", [][]string{{"B-PER", "B-PER"}}, []entity{{"PER", 0, 0}, {"PER", 1, 1}}},
		{"a type change ends and starts", [][]string{{"B-PER", "I-LOC", "I-LOC"}}, []entity{{"PER", 0, 0}, {"LOC", 1, 2}}},
		{"I of another type after I", [][]string{{"I-PER", "I-ORG"}}, []entity{{"PER", 0, 0}, {"ORG", 1, 1}}},
		{"IOBES", [][]string{{"S-PER", "B-LOC", "I-LOC", "E-LOC", "O", "E-MISC"}},
			[]entity{{"PER", 0, 0}, {"LOC", 1, 3}, {"MISC", 5, 5}}},
		{"E after E", [][]string{{"B-X", "E-X", "E-X"}}, []entity{{"X", 0, 1}, {"X", 2, 2}}},
		{"types with hyphens", [][]string{{"B-GPE-LOC", "I-GPE-LOC"}}, []entity{{"GPE-LOC", 0, 1}}},
		{"tags without a type", [][]string{{"B", "I", "O", "S"}}, []entity{{"_", 0, 1}, {"_", 3, 3}}},
		// Sentences are joined with an O after each: an entity never runs on into the next sentence,
		// and the second sentence's words count from 2.
		{"sentences apart", [][]string{{"B-PER"}, {"I-PER", "O"}}, []entity{{"PER", 0, 0}, {"PER", 2, 2}}},
		{"no entities", [][]string{{"O", "O"}, {}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := entities(tc.sentences)
			if !ok || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("entities %v (ok %v), want %v", got, ok, tc.want)
			}
		})
	}
	for _, bad := range []string{"PER", "X-PER", "B_PER", "b-PER", "", "BI"} {
		if _, ok := entities([][]string{{"O", bad}}); ok {
			t.Errorf("tag %q read as an IOB tag", bad)
		}
	}
}

func TestTagging(t *testing.T) {
	for _, tc := range []struct {
		name            string
		truth, pred     [][]string
		acc, p, r, f1   float64
		withoutEntities bool
	}{
		// seqeval's docstring example: MISC found one word early, PER right.
		{name: "seqeval's example",
			truth: [][]string{{"O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}},
			pred:  [][]string{{"O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"}, {"B-PER", "I-PER", "O"}},
			acc:   0.8, p: 0.5, r: 0.5, f1: 0.5},
		// The wrong type is a miss; the prediction's I-LOC after O is an entity of its own.
		{name: "type and span",
			truth: [][]string{{"B-PER", "I-PER", "O", "B-LOC"}},
			pred:  [][]string{{"B-ORG", "I-ORG", "I-LOC", "B-LOC"}},
			acc:   0.25, p: 1.0 / 3, r: 0.5, f1: 0.4},
		{name: "nothing predicted",
			truth: [][]string{{"B-PER", "O"}}, pred: [][]string{{"O", "O"}},
			acc: 0.5, p: 0, r: 0, f1: 0},
		{name: "all right", truth: [][]string{{"S-LOC"}, {"B-X", "E-X"}}, pred: [][]string{{"S-LOC"}, {"B-X", "E-X"}},
			acc: 1, p: 1, r: 1, f1: 1},
		{name: "part-of-speech tags: accuracy only",
			truth: [][]string{{"DET", "NOUN"}}, pred: [][]string{{"DET", "VERB"}}, acc: 0.5, withoutEntities: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Tagging(tc.truth, tc.pred)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{"acc": tc.acc, "precision": tc.p, "recall": tc.r, "f1": tc.f1}
			if tc.withoutEntities {
				want = map[string]float64{"acc": tc.acc}
			}
			if len(got) != len(want) {
				t.Fatalf("metrics %v, want %v", got, want)
			}
			for k, w := range want {
				if math.Abs(got[k]-w) > 1e-12 {
					t.Errorf("%s = %v, want %v", k, got[k], w)
				}
			}
		})
	}
	for _, tc := range []struct {
		name        string
		truth, pred [][]string
		want        string
	}{
		{"sentences", [][]string{{"O"}}, nil, "0 predicted sentences for 1"},
		{"words", [][]string{{"O", "O"}}, [][]string{{"O"}}, "sentence 0: 1 predicted tags for 2 words"},
		{"empty", [][]string{{}}, [][]string{{}}, "no words"},
	} {
		if _, err := Tagging(tc.truth, tc.pred); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
