package checkpoint

import (
	"encoding/binary"
	"math"
)

// dtypeSize is the byte width of each element type bertology reads, named as safetensors names them.
// Torch's storage types map onto the same names (see storageDTypes).
var dtypeSize = map[string]int{"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "U8": 1, "BOOL": 1}

// decodeFloats widens n little-endian elements of the given dtype to float32.
// The caller has checked that dtype is known and that b holds n elements.
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
			out[i] = BFloat16ToFloat32(le.Uint16(b[2*i:]))
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

// encodeFloats narrows x to dtype, little-endian, appending to dst. The caller has checked that dtype is
// one of the writable types, F32, F16 and BF16.
func encodeFloats(dst []byte, dtype string, x []float32) []byte {
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for _, v := range x {
			dst = le.AppendUint32(dst, math.Float32bits(v))
		}
	case "F16":
		for _, v := range x {
			dst = le.AppendUint16(dst, Float32ToFloat16(v))
		}
	case "BF16":
		for _, v := range x {
			dst = le.AppendUint16(dst, Float32ToBFloat16(v))
		}
	default:
		panic("checkpoint: encodeFloats called with unchecked dtype " + dtype)
	}
	return dst
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

// Float32ToFloat16 rounds f to the nearest half-precision value, ties to even, as torch's .half() does:
// values at or past 65520 become infinity, values below half the smallest subnormal (2^-25) become zero,
// and every NaN becomes the quiet NaN 0x7e00 with f's sign.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15 // the half-precision biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half: the value is (mant | implicit 1) * 2^(e-14-10), so shift by 14-e and round.
		if e < -10 {
			return sign
		}
		return sign | uint16(roundShift(mant|0x800000, uint(14-e)))
	}
	// A carry out of the mantissa correctly bumps the exponent, up to infinity at 0x7c00.
	return sign | uint16(roundShift(uint32(e)<<23|mant, 13))
}

// Float32ToBFloat16 rounds f to bfloat16, ties to even, as torch does; every NaN becomes 0x7fc0.
func Float32ToBFloat16(f float32) uint16 {
	if f != f {
		return 0x7fc0
	}
	return uint16(roundShift(math.Float32bits(f), 16))
}

// BFloat16ToFloat32 widens a bfloat16 value: it is the top half of a float32.
func BFloat16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// roundShift returns x >> s rounded to nearest, ties to even (1 <= s <= 31).
func roundShift(x uint32, s uint) uint32 {
	r := x >> s
	rem := x & (1<<s - 1)
	half := uint32(1) << (s - 1)
	if rem > half || rem == half && r&1 == 1 {
		r++
	}
	return r
}
