// Package golden reads the reference outputs that Hugging Face transformers computed (see
// testdata/golden/README.md) so that tests in every package can compare against them.
//
// A golden tensor is {"shape": [...], "dtype": "...", "data": [flat, row-major]}. The copies under
// testdata/golden travel with the repository; the real-vocabulary goldens and data sets stay in ../shared
// and tests that need them skip with a clear message when it is absent.
package golden

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"bertology/core/f64"
)

// Tensor is one reference tensor as stored in the golden JSON files.
type Tensor struct {
	Shape []int     `json:"shape"`
	DType string    `json:"dtype"`
	Data  []float64 `json:"data"`
}

// F32 returns the data as float32.
func (t *Tensor) F32() []float32 {
	return f64.ToFloat32(t.Data)
}

// Ints returns the data as ints (for int64 tensors such as input ids).
func (t *Tensor) Ints() []int {
	out := make([]int, len(t.Data))
	for i, v := range t.Data {
		out[i] = int(v)
	}
	return out
}

// RepoRoot walks up from the working directory to the directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("golden: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Path returns the path of a file under testdata/golden, e.g. Path(t, "bert", "golden_float32.json").
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(append([]string{root, "testdata", "golden"}, elem...)...)
}

// SharedPath returns a path under ../shared (beside the repository), skipping the test with a clear
// message when that folder is absent: third-party data sets and vocabularies live only there.
func SharedPath(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(append([]string{filepath.Dir(root), "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("../shared data not available (%s): this test needs the third-party data beside the repository", p)
	}
	return p
}

// Decode reads a golden JSON file into v.
func Decode(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// AssertClose fails the test when got and want differ anywhere by more than tol (absolute), naming the
// first offending index and the largest difference.
func AssertClose(t testing.TB, what string, got []float32, want *Tensor, tol float64) {
	t.Helper()
	if len(got) != len(want.Data) {
		t.Fatalf("%s: %d values, want %d (shape %v)", what, len(got), len(want.Data), want.Shape)
	}
	worst, at := 0.0, -1
	for i, g := range got {
		d := math.Abs(float64(g) - want.Data[i])
		if math.IsNaN(float64(g)) {
			d = math.Inf(1)
		}
		if d > worst {
			worst, at = d, i
		}
	}
	if worst > tol {
		t.Errorf("%s: max |diff| %.3g at flat index %d (got %v, want %v), tolerance %.1g",
			what, worst, at, got[at], want.Data[at], tol)
	}
}
