package model

// workspace holds the buffers one forward and backward pass writes: the embeddings' output, each block's
// activations and the backward pass's gradients and scratch. A model keeps spare workspaces in a pool
// (Model.spare), so that a data-set pass reuses one per goroutine instead of allocating, and having the
// operating system fault in, tens of megabytes for every batch; each buffer is resized by grow and fully
// overwritten (or cleared) before it is read, as before.
type workspace struct {
	emb     []float32 // [N, D] the embeddings' output, the first block's input
	layers  []*layerActs
	scratch blockScratch
	dx      []float32 // [N, D] the backward pass's gradient of a block's output, and of its input
	dPrev   []float32
}

// layer returns the workspace's activations for block l, made on first use.
func (w *workspace) layer(l int) *layerActs {
	for len(w.layers) <= l {
		w.layers = append(w.layers, &layerActs{})
	}
	return w.layers[l]
}

// workspace takes a spare workspace from the model's pool, or a new one.
func (m *Model) workspace() *workspace {
	if w, ok := m.spare.Get().(*workspace); ok {
		return w
	}
	return &workspace{}
}

// release gives a pass's workspace back to the pool once nothing the caller keeps refers to it: Output
// holds copies of the attentions and hidden states, never the workspace's buffers.
func (m *Model) release(tp *tape) {
	if tp != nil && tp.ws != nil {
		m.spare.Put(tp.ws)
		tp.ws = nil
	}
}
