package checkpoint

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"bertology/core/tensor"
)

// maxSafetensorsHeader bounds the JSON header; the reference implementation uses the same 100 MB limit.
const maxSafetensorsHeader = 100 << 20

// MaxWeightBytes bounds the float32 weights one file may decode to. The readers check it against the
// sizes the file declares before allocating anything, so that a model too big for the browser (wasm32
// has a 4 GiB heap, which also holds the file itself) is refused with an error instead of crashing.
var MaxWeightBytes int64 = 3 << 30

// safetensorsEntry is one tensor's line in a safetensors header.
type safetensorsEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// ReadSafetensors parses a safetensors file held in memory and returns every tensor widened to float32,
// with the file's __metadata__. Integer tensors (such as a stored position_ids buffer) are converted too.
// It checks everything the header claims against the data before reading it, so a truncated or lying
// file gets an error that names the tensor, never a panic.
//
// Like the reference implementation, it requires the tensors to cover the data section exactly: each
// tensor's bytes start where the previous one's (in offset order) end, with no gap, no overlap and nothing
// after the last. A file that breaks this was not written by a safetensors writer and is refused.
func ReadSafetensors(data []byte) (map[string]*tensor.Tensor, map[string]string, error) {
	tensors, _, meta, err := readSafetensors(data)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	return tensors, meta, nil
}

// readSafetensors is ReadSafetensors that also returns each tensor's stored dtype; its errors leave
// the caller to say which file they are about.
func readSafetensors(data []byte) (tensors map[string]*tensor.Tensor, dtypes, meta map[string]string, err error) {
	f, err := openSafetensors(data)
	if err != nil {
		return nil, nil, nil, err
	}
	tensors, dtypes, err = decodeWithin(f, noStep)
	if err != nil {
		return nil, nil, nil, err
	}
	return tensors, dtypes, f.meta, nil
}

// safetensorsWeights is a safetensors file whose header has been checked against its data.
type safetensorsWeights struct {
	entries map[string]safetensorsEntry
	body    []byte // the data section
	meta    map[string]string
}

// openSafetensors reads and checks a safetensors header, decoding no tensor yet.
func openSafetensors(data []byte) (*safetensorsWeights, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > maxSafetensorsHeader {
		return nil, fmt.Errorf("header length %d is over the %d-byte limit", n, maxSafetensorsHeader)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header length %d runs past the end of the %d-byte file", n, len(data))
	}
	header := data[8 : 8+n]
	if !utf8.Valid(header) {
		// Go's JSON decoder would turn the bad bytes of a tensor's name into U+FFFD, silently renaming
		// it; the safetensors library refuses such a header, and so do we.
		bad := 0
		for bad < len(header) {
			r, size := utf8.DecodeRune(header[bad:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			bad += size
		}
		return nil, fmt.Errorf("header is not valid UTF-8 (byte %d of the header)", bad)
	}
	names, raw, err := jsonObject(header)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	f := &safetensorsWeights{entries: make(map[string]safetensorsEntry, len(raw)), body: data[8+n:]}
	slices.Sort(names) // deterministic error messages
	for _, name := range names {
		if name == "__metadata__" {
			if err := json.Unmarshal(raw[name], &f.meta); err != nil {
				return nil, fmt.Errorf("__metadata__ is not a string map: %w", err)
			}
			continue
		}
		var e safetensorsEntry
		if err := json.Unmarshal(raw[name], &e); err != nil {
			return nil, fmt.Errorf("tensor %q: bad header entry: %w", name, err)
		}
		if err := checkEntry(name, e, int64(len(f.body))); err != nil {
			return nil, err
		}
		f.entries[name] = e
	}
	if err := checkCoverage(f.entries, int64(len(f.body))); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *safetensorsWeights) names() []string { return slices.Collect(maps.Keys(f.entries)) }

func (f *safetensorsWeights) bytesNeeded() int64 {
	var need int64
	for _, e := range f.entries {
		need += 4 * elementCount(e.Shape)
	}
	return need
}

func (f *safetensorsWeights) decode(step tensorStep) (map[string]*tensor.Tensor, map[string]string, error) {
	tensors := make(map[string]*tensor.Tensor, len(f.entries))
	dtypes := make(map[string]string, len(f.entries))
	for _, name := range slices.Sorted(maps.Keys(f.entries)) {
		if err := step(len(tensors), len(f.entries)); err != nil {
			return nil, nil, err
		}
		e := f.entries[name]
		count := int(elementCount(e.Shape))
		b := f.body[e.DataOffsets[0]:e.DataOffsets[1]]
		tensors[name] = &tensor.Tensor{Shape: append([]int{}, e.Shape...), Data: decodeFloats(e.DType, b, count)}
		dtypes[name] = e.DType
	}
	if err := step(len(tensors), len(f.entries)); err != nil {
		return nil, nil, err
	}
	return tensors, dtypes, nil
}

// jsonObject splits a JSON object into its members, in file order, refusing anything that is not an
// object and any key given twice (encoding/json would silently keep the last).
func jsonObject(b []byte) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, fmt.Errorf("not a JSON object: starts with %v", tok)
	}
	var names []string
	raw := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("not a JSON object: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("not a JSON object: key %v is not a string", tok)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("not a JSON object: key %q: %w", name, err)
		}
		if _, dup := raw[name]; dup {
			return nil, nil, fmt.Errorf("key %q appears twice", name)
		}
		names = append(names, name)
		raw[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, nil, fmt.Errorf("data after the closing brace at byte %d", dec.InputOffset())
	}
	return names, raw, nil
}

// elementCount is the product of a shape that checkEntry has accepted.
func elementCount(shape []int) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= int64(d)
	}
	return n
}

// checkEntry checks one header entry's dtype, shape and offsets against a data section of bodyLen bytes.
func checkEntry(name string, e safetensorsEntry, bodyLen int64) error {
	size, ok := dtypeSize[e.DType]
	if !ok {
		return fmt.Errorf("tensor %q: dtype %q is not supported", name, e.DType)
	}
	count := int64(1)
	for _, d := range e.Shape {
		if d < 0 {
			return fmt.Errorf("tensor %q: negative dimension in shape %v", name, e.Shape)
		}
		if d > 0 && count > math.MaxInt32/int64(d) {
			return fmt.Errorf("tensor %q: shape %v is too large", name, e.Shape)
		}
		count *= int64(d)
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > bodyLen {
		return fmt.Errorf("tensor %q: data offsets [%d, %d] lie outside the %d-byte data section",
			name, begin, end, bodyLen)
	}
	if end-begin != count*int64(size) {
		return fmt.Errorf("tensor %q: shape %v of %s needs %d bytes, offsets give %d",
			name, e.Shape, e.DType, count*int64(size), end-begin)
	}
	return nil
}

// checkCoverage checks that the tensors tile the data section: in offset order each starts where the
// previous one ended, the first at 0 and the last at the end.
func checkCoverage(entries map[string]safetensorsEntry, bodyLen int64) error {
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	slices.SortFunc(names, func(x, y string) int {
		a, b := entries[x].DataOffsets, entries[y].DataOffsets
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]), strings.Compare(x, y))
	})
	var at int64
	prev := ""
	for _, name := range names {
		off := entries[name].DataOffsets
		switch {
		case off[0] > at && prev == "":
			return fmt.Errorf("bytes [0, %d) of the data section belong to no tensor (the first is %q)", off[0], name)
		case off[0] > at:
			return fmt.Errorf("bytes [%d, %d) of the data section, between tensors %q and %q, belong to no tensor",
				at, off[0], prev, name)
		case off[0] < at:
			return fmt.Errorf("tensor %q (bytes [%d, %d)) overlaps tensor %q (which ends at %d)",
				name, off[0], off[1], prev, at)
		}
		at, prev = off[1], name
	}
	if at != bodyLen {
		return fmt.Errorf("the data section is %d bytes but the tensors cover only the first %d", bodyLen, at)
	}
	return nil
}
