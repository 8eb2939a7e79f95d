package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"bertology/core/tensor"
)

// maxSafetensorsHeader bounds the JSON header; the reference implementation uses the same 100 MB limit.
const maxSafetensorsHeader = 100 << 20

// safetensorsEntry is one tensor's line in a safetensors header.
type safetensorsEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// dtypeSize is the byte width of each element type bertology reads.
var dtypeSize = map[string]int{"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1}

// ReadSafetensors parses a safetensors file held in memory and returns every tensor widened to float32,
// with the file's __metadata__. Integer tensors (such as a stored position_ids buffer) are converted too.
// It checks everything the header claims against the data before reading it, so a truncated or lying
// file gets an error that names the tensor, never a panic.
func ReadSafetensors(data []byte) (map[string]*tensor.Tensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("safetensors: file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > maxSafetensorsHeader {
		return nil, nil, fmt.Errorf("safetensors: header length %d is over the %d-byte limit", n, maxSafetensorsHeader)
	}
	if n > uint64(len(data)-8) {
		return nil, nil, fmt.Errorf("safetensors: header length %d runs past the end of the %d-byte file", n, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		return nil, nil, fmt.Errorf("safetensors: header is not a JSON object: %w", err)
	}
	body := data[8+n:]
	var meta map[string]string
	tensors := make(map[string]*tensor.Tensor, len(raw))
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names) // deterministic error messages
	for _, name := range names {
		if name == "__metadata__" {
			if err := json.Unmarshal(raw[name], &meta); err != nil {
				return nil, nil, fmt.Errorf("safetensors: __metadata__ is not a string map: %w", err)
			}
			continue
		}
		var e safetensorsEntry
		if err := json.Unmarshal(raw[name], &e); err != nil {
			return nil, nil, fmt.Errorf("safetensors: tensor %q: bad header entry: %w", name, err)
		}
		t, err := decodeEntry(name, e, body)
		if err != nil {
			return nil, nil, err
		}
		tensors[name] = t
	}
	return tensors, meta, nil
}

func decodeEntry(name string, e safetensorsEntry, body []byte) (*tensor.Tensor, error) {
	size, ok := dtypeSize[e.DType]
	if !ok {
		return nil, fmt.Errorf("safetensors: tensor %q: dtype %q is not supported", name, e.DType)
	}
	count := int64(1)
	for _, d := range e.Shape {
		if d < 0 {
			return nil, fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", name, e.Shape)
		}
		if d > 0 && count > math.MaxInt32/int64(d) {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v is too large", name, e.Shape)
		}
		count *= int64(d)
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > int64(len(body)) {
		return nil, fmt.Errorf("safetensors: tensor %q: data offsets [%d, %d] lie outside the %d-byte data section",
			name, begin, end, len(body))
	}
	if end-begin != count*int64(size) {
		return nil, fmt.Errorf("safetensors: tensor %q: shape %v of %s needs %d bytes, offsets give %d",
			name, e.Shape, e.DType, count*int64(size), end-begin)
	}
	return &tensor.Tensor{Shape: append([]int{}, e.Shape...), Data: decodeFloats(e.DType, body[begin:end], int(count))}, nil
}

// decodeFloats widens little-endian elements of the given dtype to float32.
func decodeFloats(dtype string, b []byte, n int) []float32 {
	out := make([]float32, n)
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = Float16ToFloat32(le.Uint16(b[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(b[2*i:])) << 16)
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(le.Uint64(b[8*i:])))
		}
	case "I64":
		for i := range out {
			out[i] = float32(int64(le.Uint64(b[8*i:])))
		}
	case "I32":
		for i := range out {
			out[i] = float32(int32(le.Uint32(b[4*i:])))
		}
	case "U8", "BOOL":
		for i := range out {
			out[i] = float32(b[i])
		}
	}
	return out
}

// Float16ToFloat32 converts an IEEE 754 half-precision value, subnormals, infinities and NaN included.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: renormalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}
