package model

import (
	"bertology/core/checkpoint"
	"bertology/core/kernel"
)

// A gated feed-forward network (Llama's LlamaMLP, SwiGLU with silu) computes down(act(gate(x)) ⊙ up(x)).
// The model fuses gate and up into one dense layer, ffnIn, whose output row holds the gate's
// intermediate values and then the up projection's, I each; ffnOut is down.

// gated reports whether the model's feed-forward network is gated (Llama).
func (m *Model) gated() bool { return m.cfg.ModelType == checkpoint.Llama }

// gluForward writes act(gate) ⊙ up to dst [rows, inter] from pre [rows, 2·inter], each row gate|up.
func (m *Model) gluForward(dst, pre []float32, rows, inter int) {
	for r := 0; r < rows; r++ {
		gate, up := pre[2*r*inter:(2*r+1)*inter], pre[(2*r+1)*inter:(2*r+2)*inter]
		out := dst[r*inter : (r+1)*inter]
		m.act.apply(m.k, out, gate)
		for i, u := range up {
			out[i] *= u
		}
	}
}

// gluBackward is the backward pass of gluForward: given dAct [rows, inter], the gradient of act(gate) ⊙
// up, it writes the gradients of gate and up to dPre [rows, 2·inter], laid out as pre.
func gluBackward(k kernel.Kernels, act activation, dPre, dAct, pre []float32, rows, inter int) {
	for r := 0; r < rows; r++ {
		gate, up := pre[2*r*inter:(2*r+1)*inter], pre[(2*r+1)*inter:(2*r+2)*inter]
		dGate, dUp := dPre[2*r*inter:(2*r+1)*inter], dPre[(2*r+1)*inter:(2*r+2)*inter]
		d := dAct[r*inter : (r+1)*inter]
		act.apply(k, dUp, gate) // act(gate), recomputed rather than kept
		for i, v := range d {
			dGate[i] = v * up[i]
			dUp[i] *= v
		}
		act.backward(k, dGate, gate)
	}
}
