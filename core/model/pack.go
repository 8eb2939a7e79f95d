package model

import (
	"gonum.org/v1/gonum/blas"

	"bertology/core/kernel"
)

// packWeights lays out every weight the forward pass multiplies by for the model's kernels when they
// are a kernel.Packer (the SIMD and AVX2 kernels, whose products run on panels of B that would otherwise be
// packed again on every call), and drops the packings when they are not. New, the random models and
// the updates call it after they write the weights, so that no packing outlives the weights it was made
// of; a repacking reuses the memory of the packing it replaces, so that a training step allocates none.
// It costs a second copy of those weights, and a third once a gradient pass packs their transposes.
func (m *Model) packWeights() {
	p, ok := m.k.(kernel.Packer)
	pack := func(l *linear) {
		switch {
		case !ok:
			l.packed, l.packedT = nil, nil
		default:
			l.packed = p.Pack(l.packed, blas.NoTrans, l.in, l.out, l.w, l.out)
			if l.packedT == nil {
				l.packedT = &lazyPacking{}
			}
			l.packedT.reset()
		}
	}
	for _, l := range m.packable() {
		pack(l)
	}
	switch {
	case !ok || m.decoder == nil:
		m.decoderPacked = nil
	default:
		d := m.cfg.HiddenSize
		m.decoderPacked = p.Pack(m.decoderPacked, blas.Trans, d, m.cfg.VocabSize, m.decoder, d)
	}
}

// packable lists the dense layers packWeights packs: every one the model has.
func (m *Model) packable() []*linear {
	var ls []*linear
	for _, blk := range m.layers {
		ls = append(ls, &blk.qkv, &blk.attnOut, &blk.ffnIn, &blk.ffnOut)
	}
	for _, l := range []*linear{m.pooler, m.preClassifier, m.classifier, m.mlmTransform} {
		if l != nil {
			ls = append(ls, l)
		}
	}
	return ls
}

// decode computes logits [n, VocabSize] = x [n, D]·decoderᵀ + beta·logits: the vocabulary projection.
func (m *Model) decode(logits, x []float32, n int, beta float32) {
	d, v := m.cfg.HiddenSize, m.cfg.VocabSize
	if m.decoderPacked != nil {
		m.k.(kernel.Packer).SgemmPacked(blas.NoTrans, n, 1, x, d, m.decoderPacked, beta, logits, v)
		return
	}
	m.k.Sgemm(blas.NoTrans, blas.Trans, n, v, d, 1, x, d, m.decoder, d, beta, logits, v)
}
