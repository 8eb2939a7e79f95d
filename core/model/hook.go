package model

// Hook sees, and may change in place, the activations of a forward pass: what activation patching and
// head ablation are made of. A pass with a hook computes every row of every block (no row is skipped
// for the head), so that each position's residual stream exists. Changes are constants to the backward
// pass, so ForwardBackward refuses a hook.
type Hook struct {
	// Residual, when set, is called with the residual stream [N, D] before block l reads it (l <
	// NumLayers; l = 0 is the embedding layer's output) and, with l = NumLayers, with the last block's
	// output, before any final norm.
	Residual func(l int, x []float32)
	// Heads, when set, is called with layer l's heads' outputs [N, heads·head_dim], attention times
	// values side by side in the layer's head order (Model.Heads), before the output projection mixes them.
	Heads func(l int, merged []float32)
}

func (h *Hook) residual(l int, x []float32) {
	if h != nil && h.Residual != nil {
		h.Residual(l, x)
	}
}

func (h *Hook) heads(l int, merged []float32) {
	if h != nil && h.Heads != nil {
		h.Heads(l, merged)
	}
}
