package model

import "math"

// backward multiplies the output gradient dy in place by the activation's derivative at the
// pre-activation x, turning it into the gradient with respect to x.
func (a activation) backward(dy, x []float32) {
	dy = dy[:len(x)]
	switch a {
	case geluErf:
		const invSqrt2Pi = 0.3989422804014327 // 1/sqrt(2π)
		for i, v := range x {
			f := float64(v)
			cdf := 0.5 * (1 + math.Erf(f/math.Sqrt2))
			dy[i] = float32(float64(dy[i]) * (cdf + f*invSqrt2Pi*math.Exp(-0.5*f*f)))
		}
	case geluTanh:
		const c = 0.7978845608028654 // sqrt(2/π)
		for i, v := range x {
			f := float64(v)
			th := math.Tanh(c * (f + 0.044715*f*f*f))
			d := 0.5*(1+th) + 0.5*f*(1-th*th)*c*(1+3*0.044715*f*f)
			dy[i] = float32(float64(dy[i]) * d)
		}
	case relu:
		for i, v := range x {
			if v <= 0 {
				dy[i] = 0
			}
		}
	case silu:
		for i, v := range x {
			f := float64(v)
			s := 1 / (1 + math.Exp(-f))
			dy[i] = float32(float64(dy[i]) * s * (1 + f*(1-s)))
		}
	}
}
