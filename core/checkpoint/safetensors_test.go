package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"bertology/core/tensor"
)

// TestSafetensorsGolden reads every golden model.safetensors, checks it against what Hugging Face
// recorded about the file, and writes it back byte for byte.
func TestSafetensorsGolden(t *testing.T) {
	for _, arch := range goldenArchs {
		for _, dir := range goldenDirs {
			data := readGolden(t, arch, dir, "model.safetensors")
			want := goldenWeightsOf(t, arch, dir)
			tensors, meta, err := ReadSafetensors(data)
			if err != nil {
				t.Fatalf("%s/%s: %v", arch, dir, err)
			}
			if n := binary.LittleEndian.Uint64(data); n != uint64(want.HeaderLen) {
				t.Errorf("%s/%s: header length %d, want %d", arch, dir, n, want.HeaderLen)
			}
			if fmt.Sprint(meta) != fmt.Sprint(want.Metadata) {
				t.Errorf("%s/%s: metadata %v, want %v", arch, dir, meta, want.Metadata)
			}
			if got := slices.Sorted(maps.Keys(tensors)); !slices.Equal(got, slices.Sorted(maps.Keys(want.Tensors))) {
				t.Fatalf("%s/%s: tensors %v, want %v", arch, dir, got, slices.Sorted(maps.Keys(want.Tensors)))
			}
			for name, w := range want.Tensors {
				if !slices.Equal(tensors[name].Shape, w.Shape) {
					t.Errorf("%s/%s: %s has shape %v, want %v", arch, dir, name, tensors[name].Shape, w.Shape)
				}
			}
			var out bytes.Buffer
			if err := WriteSafetensors(&out, tensors, "F32", meta); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Errorf("%s/%s: WriteSafetensors does not reproduce the file transformers wrote", arch, dir)
			}
		}
	}
}

// TestWriteSafetensorsLayout checks a small file byte for byte in each dtype.
func TestWriteSafetensorsLayout(t *testing.T) {
	tensors := map[string]*tensor.Tensor{
		"b": tensor.FromData([]float32{1, -2, 65520, 0x1.8p-25}, 2, 2),
		"a": tensor.FromData([]float32{0.1}, 1),
		"s": tensor.FromData([]float32{3}), // a scalar
		"e": tensor.FromData([]float32{}, 0, 3),
	}
	tests := []struct {
		dtype  string
		header string
		data   []byte
	}{
		{"F16",
			`{"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},` +
				`"b":{"dtype":"F16","shape":[2,2],"data_offsets":[2,10]},"e":{"dtype":"F16","shape":[0,3],"data_offsets":[10,10]},` +
				`"s":{"dtype":"F16","shape":[],"data_offsets":[10,12]}}`,
			[]byte{0x66, 0x2e, 0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c, 0x01, 0x00, 0x00, 0x42}},
		{"BF16",
			`{"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]},` +
				`"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[2,10]},"e":{"dtype":"BF16","shape":[0,3],"data_offsets":[10,10]},` +
				`"s":{"dtype":"BF16","shape":[],"data_offsets":[10,12]}}`,
			// 0.1 = 0x3dcccccd -> 0x3dcd; 65520 = 0x477ff000 -> 0x4780; 1.5*2^-25 = 0x33400000 -> 0x3340
			[]byte{0xcd, 0x3d, 0x80, 0x3f, 0x00, 0xc0, 0x80, 0x47, 0x40, 0x33, 0x40, 0x40}},
		{"F32",
			`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},` +
				`"b":{"dtype":"F32","shape":[2,2],"data_offsets":[4,20]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[20,20]},` +
				`"s":{"dtype":"F32","shape":[],"data_offsets":[20,24]}}`,
			f32Bytes(0.1, 1, -2, 65520, 0x1.8p-25, 3)},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := WriteSafetensors(&out, tensors, tt.dtype, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		header := tt.header + strings.Repeat(" ", (8-len(tt.header)%8)%8)
		want := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
		want = append(append(want, header...), tt.data...)
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.dtype, out.Bytes(), want)
		}
		back, meta, err := ReadSafetensors(out.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", tt.dtype, err)
		}
		if meta["format"] != "pt" || len(meta) != 1 {
			t.Errorf("%s: metadata %v", tt.dtype, meta)
		}
		wantTensors := map[string]*tensor.Tensor{}
		for name, x := range tensors {
			wantTensors[name] = roundTo(tt.dtype, x)
		}
		assertSameTensors(t, tt.dtype, back, wantTensors)
	}
}

// TestWriteSafetensorsNames checks that names JSON must escape are written so that they read back, and
// that nothing is HTML-escaped (as serde_json does not).
func TestWriteSafetensorsNames(t *testing.T) {
	tensors := map[string]*tensor.Tensor{
		`quote"back\slash`: tensor.FromData([]float32{1}, 1),
		"<html>&":          tensor.FromData([]float32{2}, 1),
		"üñí\n":            tensor.FromData([]float32{3}, 1),
	}
	var out bytes.Buffer
	if err := WriteSafetensors(&out, tensors, "F32", nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte(`"<html>&"`)) || bytes.Contains(out.Bytes(), []byte("__metadata__")) {
		t.Errorf("header %q", out.Bytes())
	}
	back, meta, err := ReadSafetensors(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if meta != nil {
		t.Errorf("metadata %v, want none", meta)
	}
	assertSameTensors(t, "names", back, tensors)
}

func TestWriteSafetensorsErrors(t *testing.T) {
	tests := []struct {
		name    string
		tensors map[string]*tensor.Tensor
		dtype   string
		want    []string
	}{
		{"dtype", map[string]*tensor.Tensor{}, "I64", []string{`"I64"`, "F32, F16 and BF16"}},
		{"reserved name", map[string]*tensor.Tensor{"__metadata__": tensor.New(1)}, "F32", []string{"__metadata__"}},
		{"nil", map[string]*tensor.Tensor{"w": nil}, "F32", []string{`"w"`, "nil"}},
		{"short data", map[string]*tensor.Tensor{"w": {Shape: []int{2, 3}, Data: make([]float32, 5)}}, "F16", []string{`"w"`, "[2 3]", "6", "5"}},
		{"negative", map[string]*tensor.Tensor{"w": {Shape: []int{-1, -2}, Data: make([]float32, 2)}}, "F32", []string{`"w"`, "negative"}},
	}
	for _, tt := range tests {
		err := WriteSafetensors(&bytes.Buffer{}, tt.tensors, tt.dtype, nil)
		assertErrorMentions(t, tt.name, err, tt.want...)
	}
	err := WriteSafetensors(failingWriter{}, map[string]*tensor.Tensor{"w": tensor.New(2)}, "F32", nil)
	assertErrorMentions(t, "failing writer", err, "disk full")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// safetensorsFile assembles a file from a header and a data section, as a writer would but without
// checking anything, so that tests can build broken files.
func safetensorsFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func f32Bytes(xs ...float32) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func TestReadSafetensorsErrors(t *testing.T) {
	eight := make([]byte, 8)
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"too short", []byte{1, 2, 3}, []string{"3 bytes", "header length"}},
		{"header past end", binary.LittleEndian.AppendUint64(nil, 50), []string{"header length 50", "past the end", "8-byte file"}},
		{"header over limit", binary.LittleEndian.AppendUint64(nil, 1<<40), []string{"header length 1099511627776", "limit"}},
		{"not json", safetensorsFile("{nope", nil), []string{"header", "not a JSON object"}},
		{"null header", safetensorsFile("null", nil), []string{"header", "not a JSON object"}},
		{"array header", safetensorsFile("[1, 2]", nil), []string{"header", "not a JSON object"}},
		{"trailing header", safetensorsFile(`{} {}`, nil), []string{"header", "after the closing brace"}},
		// a Latin-1 "é" in a tensor's name, which Go's JSON decoder would read as U+FFFD
		{"not utf-8", safetensorsFile("{\"caf\xe9\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight[:4]), []string{"header is not valid UTF-8", "byte 5 of the header"}},
		{"duplicate key", safetensorsFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight),
			[]string{`"w"`, "twice"}},
		{"bad metadata", safetensorsFile(`{"__metadata__":{"format":1}}`, nil), []string{"__metadata__", "string map"}},
		{"bad entry", safetensorsFile(`{"w":{"dtype":"F32","shape":"big","data_offsets":[0,4]}}`, eight[:4]), []string{`tensor "w"`, "bad header entry"}},
		{"unknown dtype", safetensorsFile(`{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}`, eight[:4]), []string{`tensor "w"`, `"F8_E4M3"`}},
		{"negative dim", safetensorsFile(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, eight[:4]), []string{`tensor "w"`, "negative"}},
		{"huge shape", safetensorsFile(`{"w":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,4]}}`, eight[:4]), []string{`tensor "w"`, "too large"}},
		{"offsets outside", safetensorsFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, eight[:4]), []string{`tensor "w"`, "[0, 8]", "4-byte data section"}},
		{"offsets reversed", safetensorsFile(`{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, eight[:4]), []string{`tensor "w"`, "[4, 0]"}},
		{"shape mismatch", safetensorsFile(`{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}`, eight), []string{`tensor "w"`, "shape [3] of F16 needs 6 bytes, offsets give 8"}},
		{"overlap", safetensorsFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight),
			[]string{`tensor "b"`, "overlaps", `tensor "a"`}},
		{"gap", safetensorsFile(`{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"F16","shape":[1],"data_offsets":[6,8]}}`, eight),
			[]string{"[2, 6)", `"a"`, `"b"`, "no tensor"}},
		{"leading gap", safetensorsFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), []string{"[0, 4)", `"a"`, "no tensor"}},
		{"trailing bytes", safetensorsFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, eight), []string{"8 bytes", "only the first 4"}},
	}
	for _, tt := range tests {
		_, _, err := ReadSafetensors(tt.data)
		assertErrorMentions(t, tt.name, err, append(tt.want, "safetensors: ")...)
	}
}

// TestReadSafetensorsDTypes reads one tensor of every supported element type.
func TestReadSafetensorsDTypes(t *testing.T) {
	tests := []struct {
		dtype string
		data  []byte
		want  []float32
	}{
		{"F32", f32Bytes(1.5, -2), []float32{1.5, -2}},
		{"F16", []byte{0x00, 0x3e, 0x01, 0x80}, []float32{1.5, -0x1p-24}},
		{"BF16", []byte{0xc0, 0x3f, 0x00, 0xc0}, []float32{1.5, -2}},
		{"F64", binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, math.Float64bits(1.5)), math.Float64bits(-2)), []float32{1.5, -2}},
		{"I64", binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 7), uint64(1<<64-3)), []float32{7, -3}},
		{"I32", binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, 7), uint32(1<<32-3)), []float32{7, -3}},
		{"U8", []byte{7, 255}, []float32{7, 255}},
		{"BOOL", []byte{1, 0}, []float32{1, 0}},
	}
	for _, tt := range tests {
		header := fmt.Sprintf(`{"x":{"dtype":%q,"shape":[2],"data_offsets":[0,%d]}}`, tt.dtype, len(tt.data))
		got, _, err := ReadSafetensors(safetensorsFile(header, tt.data))
		if err != nil {
			t.Fatalf("%s: %v", tt.dtype, err)
		}
		assertSameTensor(t, tt.dtype, got["x"], tensor.FromData(tt.want, 2))
	}
}
