package protocol

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A value tree is what crosses the JavaScript boundary: nil, bool, float64, string, []byte (Uint8Array),
// []float32 (Float32Array), []float64 (Float64Array), []int32 (Int32Array), []any (Array), map[string]any
// (plain object), or an opaque host value (such as a File) that only JavaScript understands. Encode and
// Decode convert Go message structs to and from trees; jsvalue.go converts trees to and from JavaScript
// values.

// Encode turns v into a value tree. Structs become maps keyed by each exported field's `js` tag (or its
// name with a lower-case first letter); `js:"-"` skips a field and `js:"name,omitempty"` leaves out
// zero values. Numbers become float64; []byte, []float32, []float64 and []int32 are kept as they are
// (they become typed arrays). A field of interface type is not encoded further: it carries a tree or an
// opaque host value as it is.
func Encode(v any) any {
	if v == nil {
		return nil
	}
	return encodeValue(reflect.ValueOf(v))
}

var (
	bytesType    = reflect.TypeFor[[]byte]()
	float32sType = reflect.TypeFor[[]float32]()
	float64sType = reflect.TypeFor[[]float64]()
	int32sType   = reflect.TypeFor[[]int32]()
)

func encodeValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return v.Interface()
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return encodeValue(v.Elem())
	case reflect.Slice:
		switch v.Type() {
		case bytesType, float32sType, float64sType, int32sType:
			return v.Interface()
		}
		if v.IsNil() {
			return nil
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = encodeValue(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			panic(fmt.Sprintf("protocol: cannot encode %s: map keys must be strings", v.Type()))
		}
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[it.Key().String()] = encodeValue(it.Value())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		for _, f := range structFields(v.Type()) {
			fv := v.Field(f.index)
			if f.omitEmpty && fv.IsZero() {
				continue
			}
			out[f.name] = encodeValue(fv)
		}
		return out
	}
	panic(fmt.Sprintf("protocol: cannot encode a value of type %s", v.Type()))
}

// Decode fills dst, a non-nil pointer, from the value tree. It is strict, so that a misspelt request
// fails loudly: a map key that names no field is an error, as is a value of the wrong kind or a number
// that does not fit the field. A nil tree (JavaScript's undefined or null) leaves the zero value.
// Typed-array fields also accept plain arrays of numbers. Errors name the path of the bad value.
func Decode(tree any, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic(fmt.Sprintf("protocol: Decode needs a non-nil pointer, got %T", dst))
	}
	return decodeValue(tree, v.Elem(), "")
}

// decodeError says where in the tree a value did not fit.
type decodeError struct {
	path string
	msg  string
}

func (e *decodeError) Error() string {
	if e.path == "" {
		return e.msg
	}
	return e.path + ": " + e.msg
}

func mismatch(path, want string, got any) error {
	return &decodeError{path, fmt.Sprintf("want %s, got %s", want, KindOf(got))}
}

// KindOf names the JavaScript kind of a tree value, for error messages.
func KindOf(tree any) string {
	switch tree.(type) {
	case nil:
		return "nothing"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []byte:
		return "a Uint8Array"
	case []float32:
		return "a Float32Array"
	case []float64:
		return "a Float64Array"
	case []int32:
		return "an Int32Array"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", tree)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func decodeValue(tree any, v reflect.Value, path string) error {
	if tree == nil {
		v.SetZero()
		return nil
	}
	switch v.Kind() {
	case reflect.Interface:
		v.Set(reflect.ValueOf(tree))
		return nil
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := decodeValue(tree, p.Elem(), path); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Bool:
		b, ok := tree.(bool)
		if !ok {
			return mismatch(path, "a boolean", tree)
		}
		v.SetBool(b)
		return nil
	case reflect.String:
		s, ok := tree.(string)
		if !ok {
			return mismatch(path, "a string", tree)
		}
		v.SetString(s)
		return nil
	case reflect.Float32, reflect.Float64:
		f, ok := tree.(float64)
		if !ok {
			return mismatch(path, "a number", tree)
		}
		v.SetFloat(f)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f, ok := tree.(float64)
		if !ok {
			return mismatch(path, "an integer", tree)
		}
		return setInteger(v, f, path)
	case reflect.Slice:
		return decodeSlice(tree, v, path)
	case reflect.Map:
		m, ok := tree.(map[string]any)
		if !ok {
			return mismatch(path, "an object", tree)
		}
		if v.Type().Key().Kind() != reflect.String {
			panic(fmt.Sprintf("protocol: cannot decode into %s: map keys must be strings", v.Type()))
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(m[k], e, join(path, k)); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(out)
		return nil
	case reflect.Struct:
		m, ok := tree.(map[string]any)
		if !ok {
			return mismatch(path, "an object", tree)
		}
		fields := structFields(v.Type())
		byName := make(map[string]int, len(fields))
		for _, f := range fields {
			byName[f.name] = f.index
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			i, ok := byName[k]
			if !ok {
				return &decodeError{path, fmt.Sprintf("unknown field %q (known: %s)", k, fieldNames(fields))}
			}
			if err := decodeValue(m[k], v.Field(i), join(path, k)); err != nil {
				return err
			}
		}
		return nil
	}
	panic(fmt.Sprintf("protocol: cannot decode into a value of type %s", v.Type()))
}

func setInteger(v reflect.Value, f float64, path string) error {
	if f != math.Trunc(f) {
		return &decodeError{path, fmt.Sprintf("want an integer, got %v", f)}
	}
	switch v.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if f < 0 || f >= math.Ldexp(1, 64) || v.OverflowUint(uint64(f)) {
			return &decodeError{path, fmt.Sprintf("%v does not fit %s", f, v.Type())}
		}
		v.SetUint(uint64(f))
	default:
		if f < math.MinInt64 || f >= math.MaxInt64 || v.OverflowInt(int64(f)) {
			return &decodeError{path, fmt.Sprintf("%v does not fit %s", f, v.Type())}
		}
		v.SetInt(int64(f))
	}
	return nil
}

func decodeSlice(tree any, v reflect.Value, path string) error {
	// A typed array lands in the slice of the same element type without a per-element walk.
	switch t := tree.(type) {
	case []byte:
		if v.Type() == bytesType {
			v.SetBytes(t)
			return nil
		}
	case []float32:
		if v.Type() == float32sType {
			v.Set(reflect.ValueOf(t))
			return nil
		}
	case []float64:
		if v.Type() == float64sType {
			v.Set(reflect.ValueOf(t))
			return nil
		}
	case []int32:
		if v.Type() == int32sType {
			v.Set(reflect.ValueOf(t))
			return nil
		}
	}
	elems, ok := tree.([]any)
	if !ok {
		want := "an array"
		switch v.Type() {
		case bytesType:
			want = "a Uint8Array"
		case float32sType:
			want = "a Float32Array or an array of numbers"
		case float64sType:
			want = "a Float64Array or an array of numbers"
		case int32sType:
			want = "an Int32Array or an array of integers"
		}
		return mismatch(path, want, tree)
	}
	out := reflect.MakeSlice(v.Type(), len(elems), len(elems))
	for i, e := range elems {
		if err := decodeValue(e, out.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

// field is one encodable struct field.
type field struct {
	name      string
	index     int
	omitEmpty bool
}

func structFields(t reflect.Type) []field {
	var fields []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("js")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			r, n := utf8.DecodeRuneInString(sf.Name)
			name = string(unicode.ToLower(r)) + sf.Name[n:]
		}
		fields = append(fields, field{name: name, index: i, omitEmpty: opts == "omitempty"})
	}
	return fields
}

func fieldNames(fields []field) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}
