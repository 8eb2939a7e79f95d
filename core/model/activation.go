package model

import (
	"fmt"
	"math"

	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// activation is a feed-forward nonlinearity, applied elementwise.
type activation int

const (
	geluErf  activation = iota // x·Φ(x), with the exact normal CDF (torch's gelu)
	geluTanh                   // the tanh approximation of GELU (gelu_new)
	relu
	silu // x·sigmoid(x), also called swish
)

// activationFor reads the config's activation name. OpenAI GPT's "gelu" is the tanh approximation:
// modeling_openai.py has its own table in which "gelu" means gelu_new.
func activationFor(cfg *checkpoint.Config) (activation, error) {
	name := cfg.Activation
	if cfg.ModelType == checkpoint.OpenAIGPT && name == "gelu" {
		name = "gelu_new"
	}
	switch name {
	case "gelu":
		return geluErf, nil
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return geluTanh, nil
	case "relu":
		return relu, nil
	case "silu", "swish":
		return silu, nil
	}
	return 0, fmt.Errorf("config.json: activation %q is not supported (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish)", cfg.Activation)
}

// apply writes act(x) to dst, which may be x.
func (a activation) apply(k kernel.Kernels, dst, x []float32) {
	dst = dst[:len(x)]
	switch a {
	case geluErf, geluTanh:
		k.GELU(dst, x, a == geluTanh)
	case relu:
		for i, v := range x {
			dst[i] = max(v, 0)
		}
	case silu:
		for i, v := range x {
			f := float64(v)
			dst[i] = float32(f / (1 + math.Exp(-f)))
		}
	}
}

// backward multiplies the output gradient dy in place by the activation's derivative at the
// pre-activation x, turning it into the gradient with respect to x.
func (a activation) backward(k kernel.Kernels, dy, x []float32) {
	dy = dy[:len(x)]
	switch a {
	case geluErf, geluTanh:
		k.GELUBackward(dy, x, a == geluTanh)
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
