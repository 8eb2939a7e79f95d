package npy

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzRead feeds Read arbitrary bytes, seeded with NumPy's files in testdata: it must return an error or
// an array that Write and Read give back unchanged, and never panic.
func FuzzRead(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.npy"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range seeds {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		shape, values, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, shape, values); err != nil {
			t.Fatalf("Write(%v) of what Read returned: %v", shape, err)
		}
		shape2, values2, err := Read(&buf)
		if err != nil {
			t.Fatalf("reading back what Write wrote: %v", err)
		}
		if !slices.Equal(shape, shape2) || !sameFloats(values, values2) {
			t.Fatalf("round trip changed %v %v into %v %v", shape, values, shape2, values2)
		}
	})
}
