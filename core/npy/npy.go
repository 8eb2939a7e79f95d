// Package npy reads and writes NumPy .npy files, the format in which run_bertology.py saves head
// importance, attention entropy and head masks (np.save).
//
// The format (numpy/lib/format.py): the magic "\x93NUMPY", a major and minor version byte, the header
// length (uint16 little-endian in version 1.0, uint32 in 2.0 and 3.0), then a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded with spaces and a final '\n' so that
// the data starts at a multiple of 64 bytes, then the raw array in C order.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// magic starts every .npy file.
const magic = "\x93NUMPY"

// align is NumPy's ARRAY_ALIGN: the header is padded so that the data starts at a multiple of it.
const align = 64

// growthDigits is NumPy's GROWTH_AXIS_MAX_DIGITS: since NumPy 1.24 the header keeps room for the first
// dimension to grow to 21 digits, so that appending rows can rewrite the header in place.
const growthDigits = 21

// Write writes data, a row-major float32 array of the given shape, as a version 1.0 .npy file with dtype
// '<f4', byte for byte as np.save (NumPy 1.24 or later) writes it.
func Write(w io.Writer, shape []int, data []float32) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("npy: %d values do not fill shape %v (%d)", len(data), shape, n)
	}
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeRepr(shape) + ", }"
	if len(shape) > 0 {
		header += strings.Repeat(" ", max(growthDigits-len(strconv.Itoa(shape[0])), 0))
	}
	p, err := headerPrefix(len(header))
	if err != nil {
		return err
	}
	out := make([]byte, 0, p.dataOffset+4*len(data))
	out = append(out, p.bytes...)
	out = append(out, header...)
	out = append(out, strings.Repeat(" ", p.dataOffset-len(p.bytes)-len(header)-1)...)
	out = append(out, '\n')
	for _, v := range data {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	_, err = w.Write(out)
	return err
}

// A prefix is the magic, the version and the header length that go before a header dict.
type prefix struct {
	bytes      []byte
	dataOffset int // where the array starts: prefix, dict, padding and '\n'
}

// headerPrefix returns the version 1.0 prefix for a header dict of dictLen bytes. The padding follows
// NumPy's _wrap_header: ARRAY_ALIGN - (prefix + dict + 1) % ARRAY_ALIGN spaces, a full 64 when already
// aligned. (NumPy switches to version 2.0 past 65535 header bytes, which takes a shape of thousands of
// dimensions; NumPy itself allows at most 64.)
func headerPrefix(dictLen int) (prefix, error) {
	const fixed = len(magic) + 2 + 2
	hlen := dictLen + 1
	hlen += align - (fixed+hlen)%align
	if hlen > math.MaxUint16 {
		return prefix{}, fmt.Errorf("npy: header of %d bytes is too long for format version 1.0", dictLen)
	}
	p := binary.LittleEndian.AppendUint16([]byte(magic+"\x01\x00"), uint16(hlen))
	return prefix{bytes: p, dataOffset: fixed + hlen}, nil
}

// shapeRepr writes a shape as Python's repr of a tuple: (), (3,), (3, 4).
func shapeRepr(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Read reads a .npy file (version 1.0, 2.0 or 3.0) holding little-endian float32, float64, int64 or int32
// values in C order and returns its shape and its values converted to float32. A 0-d array has an empty
// shape and one value. Bytes after the array are ignored, as np.load ignores them.
func Read(r io.Reader) (shape []int, data []float32, err error) {
	var fixed [len(magic) + 2]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return nil, nil, fmt.Errorf("npy: reading the magic: %w", eofIsUnexpected(err))
	}
	if string(fixed[:len(magic)]) != magic {
		return nil, nil, errors.New("npy: not a .npy file (no \\x93NUMPY magic)")
	}
	major, minor := fixed[len(magic)], fixed[len(magic)+1]
	var headerLen uint64
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, fmt.Errorf("npy: reading the header length: %w", eofIsUnexpected(err))
		}
		headerLen = uint64(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, fmt.Errorf("npy: reading the header length: %w", eofIsUnexpected(err))
		}
		headerLen = uint64(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, nil, fmt.Errorf("npy: format version %d.%d is not supported (1.0, 2.0 and 3.0 are)", major, minor)
	}
	var header bytes.Buffer
	if _, err := io.CopyN(&header, r, int64(headerLen)); err != nil {
		return nil, nil, fmt.Errorf("npy: reading the %d-byte header: %w", headerLen, eofIsUnexpected(err))
	}
	h, err := parseHeader(header.String())
	if err != nil {
		return nil, nil, fmt.Errorf("npy: header %q: %w", strings.TrimRight(header.String(), " \n"), err)
	}
	dt, ok := dtypes[h.descr]
	if !ok {
		return nil, nil, fmt.Errorf("npy: dtype %q is not supported (want '<f4', '<f8', '<i4' or '<i8')%s",
			h.descr, bigEndianHint(h.descr))
	}
	if h.fortranOrder {
		return nil, nil, errors.New("npy: fortran_order True (column-major) arrays are not supported; save with np.ascontiguousarray")
	}
	n := 1
	for _, d := range h.shape {
		if d != 0 && n > math.MaxInt32/d {
			return nil, nil, fmt.Errorf("npy: shape %v has too many elements", h.shape)
		}
		n *= d
	}
	// Copy rather than allocate n*size up front: a corrupt header must not make us allocate gigabytes.
	var raw bytes.Buffer
	if _, err := io.CopyN(&raw, r, int64(n)*int64(dt.size)); err != nil {
		return nil, nil, fmt.Errorf("npy: shape %v of %s needs %d bytes of data, the file has %d",
			h.shape, h.descr, n*dt.size, raw.Len())
	}
	data = make([]float32, n)
	b := raw.Bytes()
	for i := range data {
		data[i] = dt.decode(b[i*dt.size:])
	}
	return h.shape, data, nil
}

// eofIsUnexpected reports a clean end of input inside a structure as the truncation it is.
func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// A dtype decodes one little-endian element to float32.
type dtype struct {
	size   int
	decode func(b []byte) float32
}

var dtypes = map[string]dtype{
	"<f4": {4, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }},
	"<f8": {8, func(b []byte) float32 { return float32(math.Float64frombits(binary.LittleEndian.Uint64(b))) }},
	"<i4": {4, func(b []byte) float32 { return float32(int32(binary.LittleEndian.Uint32(b))) }},
	"<i8": {8, func(b []byte) float32 { return float32(int64(binary.LittleEndian.Uint64(b))) }},
}

// bigEndianHint adds advice when descr names a big-endian type we would read in little-endian order.
func bigEndianHint(descr string) string {
	if strings.HasPrefix(descr, ">") {
		return "; the array is big-endian: convert it with a.astype(a.dtype.newbyteorder('<'))"
	}
	return ""
}
