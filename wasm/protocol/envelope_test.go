package protocol

import (
	"reflect"
	"testing"
)

func TestRequestRoundTrip(t *testing.T) {
	tree := NewRequest(OpTokenize, 7, &TokenizeRequest{Text: "a", Pair: "b"})
	op, id, fields, err := SplitRequest(tree)
	if err != nil {
		t.Fatal(err)
	}
	if op != OpTokenize || id != 7 {
		t.Errorf("op, id = %q, %d; want %q, 7", op, id, OpTokenize)
	}
	var req TokenizeRequest
	if err := Decode(fields, &req); err != nil {
		t.Fatal(err)
	}
	if want := (TokenizeRequest{Text: "a", Pair: "b"}); !reflect.DeepEqual(req, want) {
		t.Errorf("fields decode to %#v, want %#v", req, want)
	}
}

func TestSplitRequestErrors(t *testing.T) {
	tests := []struct {
		tree any
		want string
	}{
		{"forward", "request: want an object {op, ...}, got a string"},
		{map[string]any{"text": "a"}, "request: op: want a string naming the operation, got nothing"},
		{map[string]any{"op": "forward", "id": "x"}, "request forward: id: want an integer, got a string"},
	}
	for _, tt := range tests {
		_, _, _, err := SplitRequest(tt.tree)
		if err == nil || err.Error() != tt.want {
			t.Errorf("SplitRequest(%v) error %v, want %q", tt.tree, err, tt.want)
		}
	}
}
