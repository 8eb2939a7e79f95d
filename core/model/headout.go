package model

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
)

// HeadDirectLogits returns the logits [rows, VocabSize] that one head's output adds to a causal language
// model's prediction directly, as if nothing after the head changed it (its direct logit attribution):
// the head's contexts ctx [rows, head_dim] (Output.Contexts, one position a row) through its rows of the
// layer's output projection, without the bias, which is the head's write into the residual stream; then
// through the final norm's linear part; then through the unembedding.
//
// The final norm's linear part is what the norm does to a vector added to the stream, leaving out the
// per-position factor 1/σ (the same for every vocabulary entry of a position, so it changes no ranking)
// and the shift (which does not come from the head): GPT-2's final LayerNorm centres the vector and
// multiplies it by its gain, an RMSNorm (Llama's) only multiplies it by its gain; OpenAI GPT has no
// final norm. head is the head's index among the heads layer
// l keeps (see Heads).
func (m *Model) HeadDirectLogits(l, head int, ctx []float32, rows int) ([]float32, error) {
	if m.head != CausalLM {
		return nil, fmt.Errorf("model: direct logits need a causal language model, the model has %s", m.head)
	}
	if l < 0 || l >= len(m.layers) {
		return nil, fmt.Errorf("model: layer %d outside 0..%d", l, len(m.layers)-1)
	}
	blk := m.layers[l]
	if head < 0 || head >= len(blk.heads) {
		return nil, fmt.Errorf("model: head index %d of layer %d outside 0..%d", head, l, len(blk.heads)-1)
	}
	d, hd := m.cfg.HiddenSize, m.cfg.HeadDim()
	if rows < 1 || len(ctx) != rows*hd {
		return nil, fmt.Errorf("model: direct logits of %d context values for %d rows, want rows ≥ 1 of width %d", len(ctx), rows, hd)
	}
	// The head's rows of the output projection w [heads·head_dim, D].
	write := make([]float32, rows*d)
	m.k.Sgemm(blas.NoTrans, blas.NoTrans, rows, d, hd, 1, ctx, hd, blk.attnOut.w[head*hd*d:], d, 0, write, d)
	m.finalNormLinear(write, rows)
	logits := make([]float32, rows*m.cfg.VocabSize)
	m.decode(logits, write, rows, 0)
	return logits, nil
}

// finalNormLinear applies in place to x [rows, D] the linear part of the model's final norm (see
// HeadDirectLogits): for a LayerNorm, each row less its mean, times the gain; for a norm without shift
// (an RMSNorm, which does not centre), each row times the gain.
func (m *Model) finalNormLinear(x []float32, rows int) {
	if m.finalLN == nil {
		return
	}
	d := m.cfg.HiddenSize
	centre := m.finalLN.beta != nil
	for r := range rows {
		row := x[r*d : (r+1)*d]
		var mean float64
		if centre {
			for _, v := range row {
				mean += float64(v)
			}
			mean /= float64(d)
		}
		for i, v := range row {
			row[i] = (v - float32(mean)) * m.finalLN.gamma[i]
		}
	}
}
