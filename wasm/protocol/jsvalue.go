//go:build js && wasm

package protocol

import (
	"fmt"
	"strings"
	"syscall/js"
	"unsafe"
)

var (
	jsObject       = js.Global().Get("Object")
	jsArray        = js.Global().Get("Array")
	jsUint8Array   = js.Global().Get("Uint8Array")
	jsFloat32Array = js.Global().Get("Float32Array")
	jsFloat64Array = js.Global().Get("Float64Array")
	jsInt32Array   = js.Global().Get("Int32Array")
	jsArrayBuffer  = js.Global().Get("ArrayBuffer")
	jsReflect      = js.Global().Get("Reflect")
)

// ToJS turns a value tree into a JavaScript value. Typed slices are copied into new typed arrays, whose
// buffers are returned in transfer so that postMessage can move them instead of copying them again.
// Opaque host values (js.Value) pass through.
func ToJS(tree any) (v js.Value, transfer []any) {
	v = toJS(tree, &transfer)
	return v, transfer
}

func toJS(tree any, transfer *[]any) js.Value {
	switch t := tree.(type) {
	case nil:
		return js.Undefined()
	case bool, float64, string:
		return js.ValueOf(t)
	case js.Value:
		return t
	case []byte:
		u8 := jsUint8Array.New(len(t))
		js.CopyBytesToJS(u8, t)
		*transfer = append(*transfer, u8.Get("buffer"))
		return u8
	case []float32:
		u8 := jsUint8Array.New(4 * len(t))
		js.CopyBytesToJS(u8, float32Bytes(t))
		*transfer = append(*transfer, u8.Get("buffer"))
		return jsFloat32Array.New(u8.Get("buffer"))
	case []float64:
		u8 := jsUint8Array.New(8 * len(t))
		js.CopyBytesToJS(u8, float64Bytes(t))
		*transfer = append(*transfer, u8.Get("buffer"))
		return jsFloat64Array.New(u8.Get("buffer"))
	case []int32:
		u8 := jsUint8Array.New(4 * len(t))
		js.CopyBytesToJS(u8, int32Bytes(t))
		*transfer = append(*transfer, u8.Get("buffer"))
		return jsInt32Array.New(u8.Get("buffer"))
	case []any:
		a := jsArray.New(len(t))
		for i, e := range t {
			a.SetIndex(i, toJS(e, transfer))
		}
		return a
	case map[string]any:
		o := jsObject.New()
		for k, e := range t {
			o.Set(k, toJS(e, transfer))
		}
		return o
	}
	panic("protocol: ToJS got " + KindOf(tree) + ", which is not a value tree")
}

// maxDepth bounds how deeply the value FromJS reads may nest: far deeper than any message (a request
// is a few levels deep), and shallow enough that a value nested 100,000 levels deep is refused at once
// rather than read at length.
const maxDepth = 64

// FromJS turns a JavaScript value into a value tree: numbers, strings, booleans, arrays, plain objects,
// Uint8Array, Float32Array, Float64Array and Int32Array (copied into Go memory). undefined and null
// become nil. Anything else (a File, a Blob, a function, another typed array) stays an opaque js.Value.
//
// It fails, saying where, on a value that contains itself, on one nested more than maxDepth levels deep,
// and on one whose property getter throws: whatever a caller hands over, it returns.
func FromJS(v js.Value) (tree any, err error) {
	r := &jsReader{}
	defer func() {
		if p := recover(); p != nil {
			jsErr, ok := p.(js.Error)
			if !ok {
				panic(p)
			}
			tree, err = nil, fmt.Errorf("reading %s threw %s", r.where(), js.Global().Get("String").Invoke(jsErr.Value).String())
		}
	}()
	return r.read(v)
}

// jsReader reads a JavaScript value as FromJS does, keeping the objects and arrays it is inside, with
// the key or index of each, to find cycles and say where it is.
type jsReader struct {
	inside []js.Value
	path   []string
}

// where names the value being read, e.g. value.files["vocab.txt"] or value.texts[3].
func (r *jsReader) where() string { return "value" + strings.Join(r.path, "") }

func (r *jsReader) read(v js.Value) (any, error) {
	switch v.Type() {
	case js.TypeUndefined, js.TypeNull:
		return nil, nil
	case js.TypeBoolean:
		return v.Bool(), nil
	case js.TypeNumber:
		return v.Float(), nil
	case js.TypeString:
		return v.String(), nil
	case js.TypeObject:
		switch {
		case v.InstanceOf(jsUint8Array):
			b := make([]byte, v.Length())
			js.CopyBytesToGo(b, v)
			return b, nil
		case v.InstanceOf(jsFloat32Array):
			f := make([]float32, v.Length())
			js.CopyBytesToGo(float32Bytes(f), byteView(v))
			return f, nil
		case v.InstanceOf(jsFloat64Array):
			f := make([]float64, v.Length())
			js.CopyBytesToGo(float64Bytes(f), byteView(v))
			return f, nil
		case v.InstanceOf(jsInt32Array):
			n := make([]int32, v.Length())
			js.CopyBytesToGo(int32Bytes(n), byteView(v))
			return n, nil
		case v.InstanceOf(jsArrayBuffer):
			b := make([]byte, v.Get("byteLength").Int())
			js.CopyBytesToGo(b, jsUint8Array.New(v))
			return b, nil
		case jsArray.Call("isArray", v).Bool():
			if err := r.enter(v); err != nil {
				return nil, err
			}
			out := make([]any, jsReflect.Call("get", v, "length").Int())
			for i := range out {
				e, err := r.child(fmt.Sprintf("[%d]", i), func() js.Value { return jsReflect.Call("get", v, i) })
				if err != nil {
					return nil, err
				}
				out[i] = e
			}
			r.leave()
			return out, nil
		case isPlainObject(v):
			if err := r.enter(v); err != nil {
				return nil, err
			}
			keys := jsObject.Call("keys", v)
			out := make(map[string]any, keys.Length())
			for i := range keys.Length() {
				k := keys.Index(i).String()
				e, err := r.child(fmt.Sprintf("[%q]", k), func() js.Value { return jsReflect.Call("get", v, k) })
				if err != nil {
					return nil, err
				}
				out[k] = e
			}
			r.leave()
			return out, nil
		}
	}
	return v, nil
}

// enter starts reading the object or array v, unless it is one of those it is inside or one too many.
func (r *jsReader) enter(v js.Value) error {
	for i, outer := range r.inside {
		if outer.Equal(v) {
			return fmt.Errorf("%s refers to value%s, which contains it: a value that contains itself cannot be sent",
				r.where(), strings.Join(r.path[:i], ""))
		}
	}
	if len(r.inside) == maxDepth {
		return fmt.Errorf("%s is nested more than %d levels deep", r.where(), maxDepth)
	}
	r.inside = append(r.inside, v)
	return nil
}

func (r *jsReader) leave() { r.inside = r.inside[:len(r.inside)-1] }

// child reads the member of the current object or array at key (as where writes it), which get gives.
func (r *jsReader) child(key string, get func() js.Value) (any, error) {
	r.path = append(r.path, key)
	e, err := r.read(get())
	if err == nil {
		r.path = r.path[:len(r.path)-1]
	}
	return e, err
}

func isPlainObject(v js.Value) bool {
	proto := jsObject.Call("getPrototypeOf", v)
	return proto.IsNull() || proto.Equal(jsObject.Get("prototype"))
}

// byteView is a Uint8Array over the same bytes as the typed array v.
func byteView(v js.Value) js.Value {
	return jsUint8Array.New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength"))
}

// float32Bytes, float64Bytes and int32Bytes view a slice's memory as bytes; wasm is little-endian, like
// typed arrays on every platform a browser runs on.
func float32Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}

func float64Bytes(f []float64) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 8*len(f))
}

func int32Bytes(n []int32) []byte {
	if len(n) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&n[0])), 4*len(n))
}
