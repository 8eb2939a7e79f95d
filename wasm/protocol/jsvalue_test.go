//go:build js && wasm

package protocol

import (
	"reflect"
	"strings"
	"syscall/js"
	"testing"
)

// TestJSRoundTrip checks that a tree comes back from JavaScript as it went: typed arrays, nested arrays
// and objects, and nil for undefined.
func TestJSRoundTrip(t *testing.T) {
	tree := map[string]any{
		"op": "forward", "id": 3.0, "ok": true, "none": nil,
		"bytes": []byte{1, 2}, "floats": []float32{0.5, -2}, "ints": []int32{7, -7},
		"nested": []any{"a", []any{1.0, map[string]any{"b": []any{}}}},
	}
	v, _ := ToJS(tree)
	back, err := FromJS(v)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tree) {
		t.Errorf("round trip:\n got %#v\nwant %#v", back, tree)
	}
}

// TestFromJSRefuses checks that values that contain themselves, nest too deep or throw when read are
// refused with an error that says where, and that the nesting bound is not one level too tight.
func TestFromJSRefuses(t *testing.T) {
	object := func() js.Value { return js.Global().Get("Object").New() }
	cyclic := object()
	inner := js.Global().Get("Array").New(1.0, cyclic)
	cyclic.Set("a", map[string]any{"b": inner})

	selfArray := js.Global().Get("Array").New()
	selfArray.Call("push", selfArray)

	nested := func(levels int) js.Value {
		v := object()
		for range levels - 1 {
			outer := object()
			outer.Set("x", v)
			v = outer
		}
		return v
	}

	throwing := object()
	throwing.Set("fine", 1)
	js.Global().Get("Object").Call("defineProperty", throwing, "bad", map[string]any{
		"enumerable": true, "get": js.Global().Get("Function").New("throw new Error('no reading me')"),
	})

	// Siblings may share an object: only an object inside itself is a cycle.
	shared := object()
	siblings := object()
	siblings.Set("a", shared)
	siblings.Set("b", shared)

	tests := []struct {
		name string
		v    js.Value
		want []string // "" for no error
	}{
		{"cycle", cyclic, []string{`value["a"]["b"][1] refers to value, which contains it`}},
		{"array in itself", selfArray, []string{`value[0] refers to value, which contains it`}},
		{"100,000 levels", nested(100_000), []string{`value["x"]["x"]`, "is nested more than 64 levels deep"}},
		{"65 levels", nested(65), []string{"is nested more than 64 levels deep"}},
		{"64 levels", nested(64), nil},
		{"throwing getter", throwing, []string{`reading value["bad"] threw Error: no reading me`}},
		{"shared object", siblings, nil},
	}
	for _, tt := range tests {
		_, err := FromJS(tt.v)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error, want one mentioning %q", tt.name, tt.want)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
}
