package chart

import (
	"reflect"
	"strings"
	"testing"
)

func TestPrettyTokens(t *testing.T) {
	got := PrettyTokens([]string{"Hello", "Ġworld", "▁once", "up</w>", "##ing", "[SEP]"})
	want := []string{"Hello", " world", " once", "up", "##ing", "[SEP]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PrettyTokens = %q, want %q", got, want)
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name    string
		tokens  []string
		typeIDs []int32
		want    []int
	}{
		{"type ids", []string{"[CLS]", "a", "[SEP]", "b", "[SEP]"}, []int32{0, 0, 0, 1, 1}, []int{0, 0, 0, 1, 1}},
		{"separator", []string{"[CLS]", "a", "[SEP]", "b", "[SEP]"}, nil, []int{0, 0, 0, 1, 1}},
		{"one sentence", []string{"[CLS]", "a", "[SEP]"}, []int32{0, 0, 0}, nil},
		{"no separator", []string{"Ġa", "Ġb"}, nil, nil},
	}
	for _, tt := range tests {
		if got := Sentences(tt.tokens, tt.typeIDs, "[SEP]"); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestHeadViewPairsAndBoxes draws a pair [a | b c] with each filter: the lines kept join the sentences
// named, each carries its weight, and every head drawn has a box per token on each side and a swatch.
func TestHeadViewPairsAndBoxes(t *testing.T) {
	sentences := []int{0, 1, 1}
	tests := []struct {
		pairs Pairs
		lines int // per head
	}{
		{AllPairs, 9}, {AToA, 1}, {AToB, 2}, {BToA, 2}, {BToB, 4},
	}
	for _, tt := range tests {
		v := &HeadView{Tokens: []string{"Ġa", "b", "c"}, Heads: 2, Weights: weights3, Selected: []int{1}, Focus: -1, Sentences: sentences, Pairs: tt.pairs}
		s, err := v.SVG()
		if err != nil {
			t.Fatal(err)
		}
		root := parseSVG(t, s)
		lines := root.find("g", "head")[0].find("line", "")
		if len(lines) != tt.lines {
			t.Fatalf("%q: %d lines, want %d", tt.pairs, len(lines), tt.lines)
		}
		for _, l := range lines {
			i, j := int(floatAttr(t, l, "data-i")), int(floatAttr(t, l, "data-j"))
			if name := "AB"[sentences[i] : sentences[i]+1]; tt.pairs != AllPairs && !strings.HasPrefix(string(tt.pairs), name) {
				t.Errorf("%q: line from sentence %s", tt.pairs, name)
			}
			if w := floatAttr(t, l, "data-w"); w != roundTo(float64(weights3[(3+i)*3+j]), 4) {
				t.Errorf("%q: line %d→%d weight %v", tt.pairs, i, j, w)
			}
		}
		if n := len(root.find("rect", "box")); n != 2*3 {
			t.Errorf("%q: %d boxes, want 6", tt.pairs, n)
		}
		sw := root.find("rect", "swatch")
		if len(sw) != 2 || sw[0].attr("data-on") != "0" || sw[1].attr("data-on") != "1" {
			t.Errorf("%q: swatches %v", tt.pairs, sw)
		}
		if tok := root.find("text", "token")[0]; tok.Text != " a" || tok.attr("data-sentence") != "A" {
			t.Errorf("first token %q sentence %q, want \" a\" in A", tok.Text, tok.attr("data-sentence"))
		}
	}
}
