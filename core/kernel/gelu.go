package kernel

import "math"

const (
	sqrt2OverPi = 0.7978845608028654 // sqrt(2/π), of the tanh approximation
	invSqrt2Pi  = 0.3989422804014327 // 1/sqrt(2π), the normal density's constant
	geluCubic   = 0.044715
)

// GELU implements Kernels, in float64 as torch's float32 GELU is accurate to the last bit.
func (Go) GELU(dst, x []float32, tanh bool) {
	dst = dst[:len(x)]
	if tanh {
		for i, v := range x {
			f := float64(v)
			dst[i] = float32(0.5 * f * (1 + math.Tanh(sqrt2OverPi*(f+geluCubic*f*f*f))))
		}
		return
	}
	for i, v := range x {
		f := float64(v)
		dst[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
	}
}

// GELUBackward implements Kernels: Φ(x) + x·φ(x) for the exact GELU, and the derivative of
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) for the approximation.
func (Go) GELUBackward(dy, x []float32, tanh bool) {
	dy = dy[:len(x)]
	if tanh {
		for i, v := range x {
			f := float64(v)
			th := math.Tanh(sqrt2OverPi * (f + geluCubic*f*f*f))
			d := 0.5*(1+th) + 0.5*f*(1-th*th)*sqrt2OverPi*(1+3*geluCubic*f*f)
			dy[i] = float32(float64(dy[i]) * d)
		}
		return
	}
	for i, v := range x {
		f := float64(v)
		cdf := 0.5 * (1 + math.Erf(f/math.Sqrt2))
		dy[i] = float32(float64(dy[i]) * (cdf + f*invSqrt2Pi*math.Exp(-0.5*f*f)))
	}
}
