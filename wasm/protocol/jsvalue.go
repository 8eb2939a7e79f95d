//go:build js && wasm

package protocol

import (
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

// FromJS turns a JavaScript value into a value tree: numbers, strings, booleans, arrays, plain objects,
// Uint8Array, Float32Array, Float64Array and Int32Array (copied into Go memory). undefined and null
// become nil. Anything else (a File, a Blob, a function, another typed array) stays an opaque js.Value.
func FromJS(v js.Value) any {
	switch v.Type() {
	case js.TypeUndefined, js.TypeNull:
		return nil
	case js.TypeBoolean:
		return v.Bool()
	case js.TypeNumber:
		return v.Float()
	case js.TypeString:
		return v.String()
	case js.TypeObject:
		switch {
		case v.InstanceOf(jsUint8Array):
			b := make([]byte, v.Length())
			js.CopyBytesToGo(b, v)
			return b
		case v.InstanceOf(jsFloat32Array):
			f := make([]float32, v.Length())
			js.CopyBytesToGo(float32Bytes(f), byteView(v))
			return f
		case v.InstanceOf(jsFloat64Array):
			f := make([]float64, v.Length())
			js.CopyBytesToGo(float64Bytes(f), byteView(v))
			return f
		case v.InstanceOf(jsInt32Array):
			n := make([]int32, v.Length())
			js.CopyBytesToGo(int32Bytes(n), byteView(v))
			return n
		case v.InstanceOf(jsArrayBuffer):
			b := make([]byte, v.Get("byteLength").Int())
			js.CopyBytesToGo(b, jsUint8Array.New(v))
			return b
		case jsArray.Call("isArray", v).Bool():
			out := make([]any, v.Length())
			for i := range out {
				out[i] = FromJS(v.Index(i))
			}
			return out
		case isPlainObject(v):
			keys := jsObject.Call("keys", v)
			out := make(map[string]any, keys.Length())
			for i := range keys.Length() {
				k := keys.Index(i).String()
				out[k] = FromJS(v.Get(k))
			}
			return out
		}
	}
	return v
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
