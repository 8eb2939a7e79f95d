package protocol

import (
	"reflect"
	"strings"
	"testing"
)

func TestEncode(t *testing.T) {
	type inner struct {
		Name string `js:"name"`
	}
	type outer struct {
		Count    int               `js:"count"`
		Ratio    float32           `js:"ratio"`
		On       bool              `js:"on"`
		Weights  []float32         `js:"weights"`
		Sums     []float64         `js:"sums"`
		IDs      []int32           `js:"ids"`
		Raw      []byte            `js:"raw"`
		Shape    []int             `js:"shape"`
		Items    []inner           `js:"items"`
		ByName   map[string][]byte `js:"byName"`
		Ptr      *inner            `js:"ptr"`
		Opaque   any               `js:"opaque"`
		Skipped  int               `js:"-"`
		Optional string            `js:"optional,omitempty"`
		Untagged string
		hidden   int
	}
	in := outer{
		Count: 3, Ratio: 0.5, On: true,
		Weights: []float32{1, 2}, Sums: []float64{0.1}, IDs: []int32{7}, Raw: []byte("ab"),
		Shape:  []int{2, 3},
		Items:  []inner{{"a"}, {"b"}},
		ByName: map[string][]byte{"f": []byte("x")},
		Opaque: struct{ X int }{1}, Skipped: 9, Untagged: "u", hidden: 1,
	}
	want := map[string]any{
		"count": 3.0, "ratio": 0.5, "on": true,
		"weights": []float32{1, 2}, "sums": []float64{0.1}, "ids": []int32{7}, "raw": []byte("ab"),
		"shape":    []any{2.0, 3.0},
		"items":    []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}},
		"byName":   map[string]any{"f": []byte("x")},
		"ptr":      nil,
		"opaque":   struct{ X int }{1},
		"untagged": "u",
	}
	if got := Encode(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Encode:\n got %#v\nwant %#v", got, want)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	in := ForwardResult{
		Tokens: []string{"[CLS]", "a", "[SEP]"}, IDs: []int32{2, 26, 3}, TypeIDs: []int32{0, 0, 0},
		Logits:     Tensor{Shape: []int{2}, Data: []float32{0.25, -1}},
		Classes:    []ClassScore{{Label: "LABEL_0", Logit: 0.25, Probability: 0.75}},
		TopTokens:  [][]TokenScore{{{Token: "a", ID: 26, Probability: 0.5}}},
		Attentions: []Tensor{{Shape: []int{1, 3, 3}, Data: make([]float32, 9)}},
	}
	var out ForwardResult
	if err := Decode(Encode(in), &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("round trip:\n got %#v\nwant %#v", out, in)
	}
}

func TestDecodeConversions(t *testing.T) {
	tree := map[string]any{
		"text":     "hi",
		"ids":      []any{1.0, 2.0},      // a plain array where an Int32Array is expected
		"headMask": []any{1.0, 0.0, 0.5}, // a plain array where a Float32Array is expected
		"pair":     nil,                  // JavaScript's undefined
		"topK":     3.0,
	}
	var got ForwardRequest
	if err := Decode(tree, &got); err != nil {
		t.Fatal(err)
	}
	want := ForwardRequest{Text: "hi", IDs: []int32{1, 2}, HeadMask: []float32{1, 0, 0.5}, TopK: 3}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		tree any
		dst  any
		want string
	}{
		{"unknown field", map[string]any{"txt": "a"}, &TokenizeRequest{}, `unknown field "txt" (known: text, pair, truncate)`},
		{"wrong kind", map[string]any{"text": 1.0}, &TokenizeRequest{}, "text: want a string, got a number"},
		{"not an object", "a", &TokenizeRequest{}, "want an object, got a string"},
		{"fraction", map[string]any{"topK": 1.5}, &ForwardRequest{}, "topK: want an integer, got 1.5"},
		{"overflow", map[string]any{"ids": []any{3e9}}, &ForwardRequest{}, "ids[0]: 3e+09 does not fit int32"},
		{"element kind", map[string]any{"headMask": []any{1.0, "x"}}, &ForwardRequest{}, "headMask[1]: want a number, got a string"},
		{"typed array kind", map[string]any{"headMask": "x"}, &ForwardRequest{}, "headMask: want a Float32Array or an array of numbers, got a string"},
		{"file kind", map[string]any{"files": map[string]any{"config.json": "{}"}}, &LoadModelRequest{}, "files.config.json: want a Uint8Array, got a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Decode(tt.tree, tt.dst)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}
