package model

import (
	"fmt"
	"math"

	"bertology/core/checkpoint"
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
func (a activation) apply(dst, x []float32) {
	dst = dst[:len(x)]
	switch a {
	case geluErf:
		for i, v := range x {
			f := float64(v)
			dst[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
		}
	case geluTanh:
		const c = 0.7978845608028654 // sqrt(2/π)
		for i, v := range x {
			f := float64(v)
			dst[i] = float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
		}
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
