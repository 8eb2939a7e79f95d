// Command benchtable reads `go test -bench` output and sets the kernel implementations side by side:
// benchmarks whose names differ only in their last element (go, simd128, relaxed-simd, avx2; or
// workers=1, workers=2) become one row, with each variant's figure and how many times faster than Go
// (or the first variant) each one is. build.sh bench pipes every benchmark run through it.
//
//	go test -run '^$' -bench Sgemm ./core/kernel/ | go run ./cmd/benchtable
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is one figure of a benchmark line.
type result struct {
	row, impl string
	value     float64
	unit      string
}

// units are the metrics shown, a row each, in this order (ns/op only for a benchmark that reports none
// of the others); a rate is better higher, a time lower.
var units = []struct {
	name string
	rate bool
}{{"GFLOP/s", true}, {"examples/s", true}, {"ms/forward", false}, {"ns/element", false}, {"ms/op", false}, {"ns/op", false}}

var procs = regexp.MustCompile(`-\d+$`)

func main() {
	if err := table(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func table(in io.Reader, out io.Writer) error {
	var rows []string
	impls := []string{}
	results := map[string]map[string]result{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := sc.Text()
		rs, ok := parse(line)
		if !ok {
			if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "panic") || strings.Contains(line, "--- FAIL") {
				fmt.Fprintln(out, line)
			}
			continue
		}
		for _, r := range rs {
			key := r.row + "\x00" + r.unit
			if results[key] == nil {
				results[key] = map[string]result{}
				rows = append(rows, key)
			}
			results[key][r.impl] = r
			if !slices.Contains(impls, r.impl) {
				impls = append(impls, r.impl)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	// Go first, then the others in the order they came; the first is what the others are compared to
	// (Go, or for a benchmark of something else, its first variant: workers=1).
	slices.SortStableFunc(impls, func(a, b string) int {
		if a == "go" {
			return -1
		}
		if b == "go" {
			return 1
		}
		return 0
	})
	base := impls[0]
	width := 10
	for _, key := range rows {
		width = max(width, len(strings.Split(key, "\x00")[0]))
	}
	fmt.Fprintf(out, "%-*s %-11s", width, "benchmark", "unit")
	for _, im := range impls {
		fmt.Fprintf(out, " %13s", im)
	}
	for _, im := range impls[1:] {
		fmt.Fprintf(out, " %14s", im+"/"+base)
	}
	fmt.Fprintln(out)
	for _, key := range rows {
		row := strings.Split(key, "\x00")[0]
		rs := results[key]
		var unit string
		rate := true
		for _, r := range rs {
			unit = r.unit
			for _, u := range units {
				if u.name == unit {
					rate = u.rate
				}
			}
		}
		fmt.Fprintf(out, "%-*s %-11s", width, row, unit)
		for _, im := range impls {
			if r, ok := rs[im]; ok {
				fmt.Fprintf(out, " %13.4g", r.value)
			} else {
				fmt.Fprintf(out, " %13s", "-")
			}
		}
		g, hasBase := rs[base]
		for _, im := range impls[1:] {
			r, ok := rs[im]
			if !ok || !hasBase || r.value == 0 || g.value == 0 {
				fmt.Fprintf(out, " %14s", "-")
				continue
			}
			speedup := r.value / g.value
			if !rate {
				speedup = g.value / r.value
			}
			fmt.Fprintf(out, " %13.2fx", speedup)
		}
		fmt.Fprintln(out)
	}
	return nil
}

// parse reads "BenchmarkName/sub/impl-N  iterations  V ns/op  V unit ..." and returns its figures in
// the units listed, ns/op only when there is no other.
func parse(line string) ([]result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return nil, false
	}
	name := procs.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
	row, impl := name, "-"
	if i := strings.LastIndex(name, "/"); i >= 0 {
		row, impl = name[:i], name[i+1:]
	}
	metrics := map[string]float64{}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return nil, false
		}
		metrics[f[i+1]] = v
	}
	var rs []result
	for _, u := range units {
		if v, ok := metrics[u.name]; ok && (u.name != "ns/op" || len(rs) == 0) {
			rs = append(rs, result{row: row, impl: impl, value: v, unit: u.name})
		}
	}
	return rs, len(rs) > 0
}
