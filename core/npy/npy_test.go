package npy

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bertology/core/golden"
)

// fixture reads a file written by testdata/make_fixtures.py with NumPy.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// arange is make_fixtures.py's f32: 0.5*i - 1 for i = 0, 1, ..., n-1.
func arange(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)*0.5 - 1
	}
	return v
}

// sameFloats compares bit patterns, so that -0 differs from 0, except that any NaN equals any NaN
// (torch writes a NaN with the sign bit set, Go's math.NaN has it clear).
func sameFloats(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool {
		return math.Float32bits(x) == math.Float32bits(y) || x != x && y != y
	})
}

// TestReadGolden reads run_bertology.py's own outputs (np.save of float32 [3, 4] arrays) and checks them
// against the values results.json records for each run, and that Write gives back the same bytes.
func TestReadGolden(t *testing.T) {
	raw, err := os.ReadFile(golden.Path(t, "run_bertology", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	// results.json writes NaN as Python's json module does, which encoding/json refuses.
	raw = bytes.ReplaceAll(raw, []byte("NaN"), []byte("null"))
	var results map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &results); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(golden.Path(t, "run_bertology", "*", "*.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 17 {
		t.Fatalf("found %d golden .npy files, want 17", len(files))
	}
	for _, file := range files {
		run := filepath.Base(filepath.Dir(file))
		name := strings.TrimSuffix(filepath.Base(file), ".npy")
		t.Run(run+"/"+name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			shape, values, err := Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				Shape []int      `json:"shape"`
				Data  []*float64 `json:"data"`
			}
			if err := json.Unmarshal(results[run][name], &want); err != nil {
				t.Fatalf("results.json[%q][%q]: %v", run, name, err)
			}
			if !slices.Equal(shape, want.Shape) || !slices.Equal(shape, []int{3, 4}) {
				t.Fatalf("shape %v, results.json says %v", shape, want.Shape)
			}
			wantValues := make([]float32, len(want.Data))
			for i, v := range want.Data {
				wantValues[i] = float32(math.NaN())
				if v != nil {
					wantValues[i] = float32(*v)
				}
			}
			if !sameFloats(values, wantValues) {
				t.Errorf("values %v\nresults.json %v", values, wantValues)
			}
			var out bytes.Buffer
			if err := Write(&out, shape, values); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Errorf("Write gives\n%q\nnp.save wrote\n%q", out.Bytes(), data)
			}
		})
	}
}

// TestWriteMatchesNumPy writes float32 arrays of several shapes and compares with np.save's bytes.
func TestWriteMatchesNumPy(t *testing.T) {
	for _, c := range []struct {
		file  string
		shape []int
	}{
		{"f4_5.npy", []int{5}},
		{"f4_2x3.npy", []int{2, 3}},
		{"f4_2x3x4.npy", []int{2, 3, 4}},
		{"f4_0x3.npy", []int{0, 3}},
		{"f4_123456789x0.npy", []int{123456789, 0}},
		{"f4_pad64.npy", []int{0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 1, 1}}, // header already aligned: 64 spaces
	} {
		t.Run(c.file, func(t *testing.T) {
			n := 1
			for _, d := range c.shape {
				n *= d
			}
			var out bytes.Buffer
			if err := Write(&out, c.shape, arange(n)); err != nil {
				t.Fatal(err)
			}
			if want := fixture(t, c.file); !bytes.Equal(out.Bytes(), want) {
				t.Errorf("Write gives\n%q\nnp.save wrote\n%q", out.Bytes(), want)
			}
		})
	}
	var out bytes.Buffer
	if err := Write(&out, nil, []float32{3.5}); err != nil {
		t.Fatal(err)
	}
	if want := fixture(t, "f4_scalar.npy"); !bytes.Equal(out.Bytes(), want) {
		t.Errorf("0-d: Write gives\n%q\nnp.save wrote\n%q", out.Bytes(), want)
	}
}

// TestRead reads NumPy's files of each supported type and version and checks the converted values.
func TestRead(t *testing.T) {
	f8 := make([]float32, 6)
	for i := range f8 {
		f8[i] = float32(float64(i)*0.1 - 0.25) // make_fixtures.py: np.arange(6.0) * 0.1 - 0.25
	}
	for _, c := range []struct {
		file  string
		shape []int
		want  []float32
	}{
		{"f4_scalar.npy", []int{}, []float32{3.5}},
		{"f4_5.npy", []int{5}, arange(5)},
		{"f4_2x3x4.npy", []int{2, 3, 4}, arange(24)},
		{"f4_0x3.npy", []int{0, 3}, []float32{}},
		{"f4_pad64.npy", []int{0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 1, 1}, []float32{}},
		{"f4_v2.npy", []int{2, 3}, arange(6)},
		{"f4_v3.npy", []int{2, 3}, arange(6)},
		{"f8_2x3.npy", []int{2, 3}, f8},
		// float32 rounds 2^40+1 to 2^40 and 16777217 (2^24+1) to 16777216.
		{"i8_2x3.npy", []int{2, 3}, []float32{-3, 0, 7, 1 << 40, -(1 << 53), 123456792}},
		{"i4_2x3.npy", []int{2, 3}, []float32{-3, 0, 7, 1 << 31, -(1 << 31), 16777216}},
	} {
		t.Run(c.file, func(t *testing.T) {
			shape, data, err := Read(bytes.NewReader(fixture(t, c.file)))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, c.shape) || !sameFloats(data, c.want) {
				t.Errorf("got shape %v values %v, want %v %v", shape, data, c.shape, c.want)
			}
		})
	}
}

// TestReadErrors checks that what Read cannot read is refused with an error that says why.
func TestReadErrors(t *testing.T) {
	good := fixture(t, "f4_2x3.npy")
	// withHeader replaces the header dict of a version 1.0 file, keeping the header length.
	withHeader := func(dict string) []byte {
		b := slices.Clone(good[:128])
		copy(b[10:127], strings.Repeat(" ", 117))
		copy(b[10:], dict)
		return append(b, good[128:]...)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"fortran order", fixture(t, "fortran_2x3.npy"), "fortran_order True"},
		{"big-endian", fixture(t, "f4_big_endian.npy"), "big-endian"},
		{"uint8", fixture(t, "u1_3.npy"), `dtype "|u1" is not supported`},
		{"empty", nil, "reading the magic"},
		{"not npy", []byte("PK\x03\x04 this is a zip file"), "not a .npy file"},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), good[8:]...), "version 4.0"},
		{"short header", good[:40], "reading the 118-byte header"},
		{"short data", good[:140], "needs 24 bytes of data, the file has 12"},
		{"no brace", withHeader("'descr': '<f4'"), "does not start with '{'"},
		{"missing shape", withHeader("{'descr': '<f4', 'fortran_order': False}"), `no "shape" key`},
		{"extra key", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}"), `unexpected key "x"`},
		{"int shape", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (6)}"), "not a tuple"},
		{"negative dim", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}"), "non-negative int"},
		{"huge", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000, 2000000000)}"), "too many elements"},
		{"trailing", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x"), `unexpected "x"`},
		{"bad bool", withHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}"), "expected True or False"},
		{"twice", withHeader("{'descr': '<f4', 'descr': '<f4'}"), "appears twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Read(bytes.NewReader(c.data))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestReadPython2Header reads a header as NumPy under Python 2 wrote it: long ints with an L suffix.
func TestReadPython2Header(t *testing.T) {
	b := slices.Clone(fixture(t, "f4_2x3.npy"))
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }"
	copy(b[10:127], strings.Repeat(" ", 117))
	copy(b[10:], dict)
	shape, data, err := Read(bytes.NewReader(b))
	if err != nil || !slices.Equal(shape, []int{2, 3}) || !sameFloats(data, arange(6)) {
		t.Errorf("got %v %v %v", shape, data, err)
	}
}

func TestWriteErrors(t *testing.T) {
	for _, c := range []struct {
		shape []int
		n     int
		want  string
	}{
		{[]int{2, 3}, 5, "5 values do not fill shape [2 3] (6)"},
		{[]int{-1, 3}, 3, "negative dimension"},
		{nil, 0, "0 values do not fill shape [] (1)"},
	} {
		err := Write(&bytes.Buffer{}, c.shape, make([]float32, c.n))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Write(%v, %d values): error %v, want %q", c.shape, c.n, err, c.want)
		}
	}
}

// TestRoundTrip writes and reads back arrays of every rank up to 4, special values included.
func TestRoundTrip(t *testing.T) {
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		float32(math.NaN()), math.SmallestNonzeroFloat32, math.MaxFloat32, 1e-40}
	for _, shape := range [][]int{{}, {8}, {2, 4}, {2, 2, 2}, {1, 2, 1, 4}, {0}, {3, 0, 2}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = special[i%len(special)]
		}
		var buf bytes.Buffer
		if err := Write(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		if buf.Len()%64 != 4*n%64 {
			t.Errorf("shape %v: the data does not start at a multiple of 64", shape)
		}
		gotShape, got, err := Read(&buf)
		if err != nil {
			t.Fatalf("shape %v: %v", shape, err)
		}
		if !slices.Equal(gotShape, shape) || !sameFloats(got, data) {
			t.Errorf("shape %v: read back %v %v, wrote %v", shape, gotShape, got, data)
		}
	}
}
