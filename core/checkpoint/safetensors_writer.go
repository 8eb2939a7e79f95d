package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"bertology/core/tensor"
)

// WriteSafetensors writes tensors to w in the safetensors format, narrowed to dtype ("F32", "F16" or
// "BF16", rounding to nearest even), with the given __metadata__ (nil for none).
//
// The layout is the reference writer's, byte for byte: a little-endian u64 header length; a compact JSON
// header whose first key is __metadata__ and whose tensors follow in name order, each with dtype, shape
// and data_offsets; spaces padding the header to a multiple of 8 bytes; then the tensors' data in the
// same order. Hugging Face transformers only loads a file whose metadata says {"format": "pt"}.
func WriteSafetensors(w io.Writer, tensors map[string]*tensor.Tensor, dtype string, metadata map[string]string) error {
	if dtype != "F32" && dtype != "F16" && dtype != "BF16" {
		return fmt.Errorf("safetensors: dtype %q cannot be written (only F32, F16 and BF16)", dtype)
	}
	size := int64(dtypeSize[dtype])
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == "__metadata__" {
			return fmt.Errorf("safetensors: a tensor may not be named __metadata__")
		}
		if t == nil {
			return fmt.Errorf("safetensors: tensor %q is nil", name)
		}
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", name, t.Shape)
			}
		}
		if n := tensor.NumElements(t.Shape); n != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q: shape %v needs %d elements, it has %d", name, t.Shape, n, len(t.Data))
		}
		names = append(names, name)
	}
	slices.Sort(names)

	var h bytes.Buffer
	h.WriteByte('{')
	if len(metadata) > 0 {
		h.WriteString(`"__metadata__":{`)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				h.WriteByte(',')
			}
			writeJSONString(&h, k)
			h.WriteByte(':')
			writeJSONString(&h, metadata[k])
		}
		h.WriteByte('}')
	}
	var offset int64
	for i, name := range names {
		if i > 0 || len(metadata) > 0 {
			h.WriteByte(',')
		}
		t := tensors[name]
		end := offset + size*int64(len(t.Data))
		writeJSONString(&h, name)
		fmt.Fprintf(&h, `:{"dtype":"%s","shape":[`, dtype)
		for j, d := range t.Shape {
			if j > 0 {
				h.WriteByte(',')
			}
			fmt.Fprint(&h, d)
		}
		fmt.Fprintf(&h, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}

	if err := binary.Write(w, binary.LittleEndian, uint64(h.Len())); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if _, err := w.Write(h.Bytes()); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	var buf []byte
	for _, name := range names {
		buf = encodeFloats(buf[:0], dtype, tensors[name].Data)
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
	}
	return nil
}

// writeJSONString writes s as a JSON string without encoding/json's HTML escaping, as serde_json does.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // a string always encodes
	b.Truncate(b.Len() - 1) // Encode appends a newline
}
