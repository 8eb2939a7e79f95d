package main

import (
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	in := `goos: js
BenchmarkSgemm/linear_23x768x768/go         	      20	  16035942 ns/op	         2.000 GFLOP/s
BenchmarkSgemm/linear_23x768x768/simd128    	      20	   2935488 ns/op	         9.000 GFLOP/s
BenchmarkForward/bert-tiny/T=23/go-2 	 5	 26550000 ns/op	 0.7 GFLOP/s	 26.55 ms/forward
BenchmarkForward/bert-tiny/T=23/simd128-2 	 5	 7846000 ns/op	 2.4 GFLOP/s	 7.846 ms/forward
BenchmarkSoftmax/go 	 5	 21804032 ns/op	 110.0 ns/element
BenchmarkSoftmax/simd128 	 5	 3756032 ns/op	 22.00 ns/element
PASS
`
	var out strings.Builder
	if err := table(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want a header and 4 rows:\n%s", len(lines), out.String())
	}
	for i, want := range [][]string{
		{"benchmark", "unit", "go", "simd128", "simd128/go"},
		{"Sgemm/linear_23x768x768", "GFLOP/s", "2", "9", "4.50x"},
		{"Forward/bert-tiny/T=23", "GFLOP/s", "0.7", "2.4", "3.43x"},
		{"Forward/bert-tiny/T=23", "ms/forward", "26.55", "7.846", "3.38x"},
		{"Softmax", "ns/element", "110", "22", "5.00x"},
	} {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("line %d: %q, want %q", i, got, want)
		}
	}
}

func TestTableEmpty(t *testing.T) {
	var out strings.Builder
	if err := table(strings.NewReader("PASS\nok  \tbertology/core/kernel\t0.1s\n"), &out); err != nil || out.Len() != 0 {
		t.Errorf("no benchmarks: %q, %v; want nothing", out.String(), err)
	}
}
