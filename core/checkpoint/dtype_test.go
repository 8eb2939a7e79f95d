package checkpoint

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFloat32ToFloat16(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{0, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00},
		{-2, 0xc000},
		{1.0 / 3, 0x3555},
		{0.1, 0x2e66},
		{65504, 0x7bff},                            // largest half
		{65519.996, 0x7bff},                        // just under the rounding boundary
		{65520, 0x7c00},                            // the tie rounds up to infinity
		{1e6, 0x7c00},                              // overflow
		{float32(math.Inf(-1)), 0xfc00},            // infinity keeps its sign
		{float32(math.NaN()), 0x7e00},              // quiet NaN
		{0x1p-14, 0x0400},                          // smallest normal
		{0x1p-24, 0x0001},                          // smallest subnormal
		{0x1p-25, 0x0000},                          // tie between 0 and 2^-24: even is 0
		{0x1.8p-25, 0x0001},                        // above the tie
		{0x3p-25, 0x0002},                          // tie between 1 and 2 ulps: even is 2
		{1023.5 * 0x1p-24, 0x0400},                 // the largest subnormal's tie carries into the exponent
		{0x1p-30, 0x0000},                          // underflow
		{-0x1p-24, 0x8001},                         // negative subnormal
		{1 + 0x1p-11, 0x3c00},                      // tie at 1: even mantissa stays
		{1 + 0x3p-11, 0x3c02},                      // tie at 1 + ulp: rounds up to even
		{1 + 0x1p-11 + 0x1p-20, 0x3c01},            // above the tie
		{math.Float32frombits(0x00000001), 0x0000}, // float32 subnormal
		{math.Float32frombits(0xff800001), 0xfe00}, // negative NaN
		{math.Float32frombits(0x477fefff), 0x7bff}, // 65519.996: largest float32 below the boundary
		{math.Float32frombits(0x387ff000), 0x0400}, // just below 2^-14: rounds up into the smallest normal
	}
	for _, tt := range tests {
		if got := Float32ToFloat16(tt.in); got != tt.want {
			t.Errorf("Float32ToFloat16(%g = %#08x) = %#04x, want %#04x", tt.in, math.Float32bits(tt.in), got, tt.want)
		}
	}
}

func TestFloat32ToBFloat16(t *testing.T) {
	tests := []struct {
		bits uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, // 1
		{0xbf800000, 0xbf80}, // -1
		{0x40490fdb, 0x4049}, // pi rounds down
		{0x3f808000, 0x3f80}, // tie: even stays
		{0x3f818000, 0x3f82}, // tie: rounds up to even
		{0x3f808001, 0x3f81}, // above the tie
		{0x7f7fffff, 0x7f80}, // the largest float32 rounds to infinity
		{0x7f800000, 0x7f80}, // infinity
		{0xff800000, 0xff80}, // -infinity
		{0x7fc00001, 0x7fc0}, // NaN
		{0xffffffff, 0x7fc0}, // negative NaN: torch returns the positive quiet NaN
		{0x00000001, 0x0000}, // float32 subnormal underflows
		{0x00018000, 0x0002}, // subnormal tie rounds to even
		{0x80000000, 0x8000}, // -0
	}
	for _, tt := range tests {
		if got := Float32ToBFloat16(math.Float32frombits(tt.bits)); got != tt.want {
			t.Errorf("Float32ToBFloat16(%#08x) = %#04x, want %#04x", tt.bits, got, tt.want)
		}
	}
}

// TestHalfRoundTrip checks every 16-bit pattern: widening then narrowing gives it back (NaNs stay NaN).
func TestHalfRoundTrip(t *testing.T) {
	for h := 0; h <= 0xffff; h++ {
		f := Float16ToFloat32(uint16(h))
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			if f == f || Float32ToFloat16(f)&0x7fff != 0x7e00 {
				t.Fatalf("F16 NaN %#04x: widened to %v, narrowed to %#04x", h, f, Float32ToFloat16(f))
			}
			continue
		}
		if got := Float32ToFloat16(f); got != uint16(h) {
			t.Fatalf("F16 %#04x -> %g -> %#04x", h, f, got)
		}
		b := BFloat16ToFloat32(uint16(h))
		if b != b {
			continue
		}
		if got := Float32ToBFloat16(b); got != uint16(h) {
			t.Fatalf("BF16 %#04x -> %g -> %#04x", h, b, got)
		}
	}
}

// TestNarrowingIsNearest checks on random float32 values that the result is the nearest representable
// value, with ties going to the even neighbour, by comparing against both neighbours in float64.
func TestNarrowingIsNearest(t *testing.T) {
	formats := []struct {
		name   string
		narrow func(float32) uint16
		widen  func(uint16) float32
		inf    uint16
	}{
		{"F16", Float32ToFloat16, Float16ToFloat32, 0x7c00},
		{"BF16", Float32ToBFloat16, BFloat16ToFloat32, 0x7f80},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range formats {
		for range 200000 {
			x := math.Float32frombits(rng.Uint32())
			if x != x || math.IsInf(float64(x), 0) {
				continue
			}
			h := f.narrow(x)
			mag := h & 0x7fff
			if mag == f.inf {
				// Overflow: x must be at least halfway from the largest finite value to the next power.
				largest := float64(f.widen(f.inf - 1))
				ulp := largest - float64(f.widen(f.inf-2))
				if math.Abs(float64(x)) < largest+ulp/2 {
					t.Fatalf("%s(%g) overflowed to infinity", f.name, x)
				}
				continue
			}
			got := float64(f.widen(h))
			d := math.Abs(float64(x) - got)
			for _, n := range []uint16{mag - 1, mag + 1} {
				if mag == 0 && n == 0xffff || n >= f.inf {
					continue
				}
				other := math.Abs(float64(f.widen(n)))
				dn := math.Abs(math.Abs(float64(x)) - other)
				if dn < d || dn == d && n&1 == 0 {
					t.Fatalf("%s(%g) = %#04x (%g), but %#04x (%g) is nearer or an even tie", f.name, x, h, got, n, other)
				}
			}
		}
	}
}
