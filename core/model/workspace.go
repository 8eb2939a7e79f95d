package model

// workspace holds the buffers one forward and backward pass writes: the embeddings' output, each block's
// activations, the head's, and the backward pass's gradients and scratch, so that no layer allocates. A
// model keeps spare workspaces in a pool (Model.spare), so that a data-set pass reuses one per goroutine
// instead of allocating, and having the operating system fault in, tens of megabytes for every batch;
// each buffer is resized by grow and fully overwritten (or cleared) before it is read.
type workspace struct {
	tape    tape      // the pass's tape; its embeddings' and head's buffers are kept for the next pass
	emb     []float32 // [N, D] the embeddings' output, the first block's input
	layers  []*layerActs
	final   []float32 // [N, D] GPT-2's ln_f output, the head's input
	logits  []float32 // a language model's logits when the pass does not return them (Options.LossOnly)
	rows    []int     // the rows the last block computes after its attention, when not all
	labels  []int     // a masked LM's labels of those rows
	mask    []float32 // [heads] one layer's entries of the head mask
	scratch blockScratch
	head    headScratch
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
// holds copies of the attentions and hidden states, and logits of its own, never the workspace's
// buffers.
func (m *Model) release(tp *tape) {
	if tp != nil && tp.ws != nil {
		m.spare.Put(tp.ws)
		tp.ws = nil
	}
}
