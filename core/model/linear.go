package model

import (
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"

	"bertology/core/kernel"
)

// linear is a dense layer y = x·w + b with w stored [in, out], the layout a plain Sgemm streams fastest.
type linear struct {
	w       []float32 // [in, out]
	b       []float32 // [out]; nil for a layer without bias
	in, out int
	// packed is w laid out for the model's kernels when they are a kernel.Packer (see packWeights);
	// nil otherwise. packedT is wᵀ for the backward pass's dy·wᵀ, packed the first time it is needed,
	// since only gradient passes (importance, training) need it.
	packed  *kernel.Packed
	packedT *lazyPacking
}

// lazyPacking is a packing made on first use, safely when goroutines share the model. After reset,
// when the weights have changed, the next use packs them again, into the memory of the last packing.
type lazyPacking struct {
	once   sync.Once
	packed *kernel.Packed
	made   atomic.Bool // whether it is made: the memory estimate counts it until then
}

// get returns the packing, made by pack(dst) on first use after a reset, dst being the last packing
// (nil at first) for pack to reuse.
func (p *lazyPacking) get(pack func(dst *kernel.Packed) *kernel.Packed) *kernel.Packed {
	p.once.Do(func() {
		p.packed = pack(p.packed)
		p.made.Store(true)
	})
	return p.packed
}

// reset makes the next get pack again. No pass may use the packing meanwhile.
func (p *lazyPacking) reset() {
	p.once = sync.Once{}
	p.made.Store(false)
}

// newLinear allocates a dense layer of the model, its weight and bias blocks of m's parameters.
func (m *Model) newLinear(in, out int, bias bool) *linear {
	l := &linear{w: m.newParam(in*out, WeightParam), in: in, out: out}
	if bias {
		l.b = m.newParam(out, BiasParam)
	}
	return l
}

// forward computes y[rows, out] = x[rows, in]·w + b.
func (l *linear) forward(k kernel.Kernels, y, x []float32, rows int) {
	y = y[:rows*l.out]
	var beta float32
	if l.b != nil {
		for r := 0; r < rows; r++ {
			copy(y[r*l.out:(r+1)*l.out], l.b)
		}
		beta = 1
	}
	if l.packed != nil {
		k.(kernel.Packer).SgemmPacked(blas.NoTrans, rows, 1, x, l.in, l.packed, beta, y, l.out)
		return
	}
	k.Sgemm(blas.NoTrans, blas.NoTrans, rows, l.out, l.in, 1, x, l.in, l.w, l.out, beta, y, l.out)
}

// backward is the backward pass of forward, y = x·w + b, for x [rows, in] and the output gradient dy
// [rows, out]. It adds the input gradient dy·wᵀ to dx unless dx is nil, and the parameter gradients
// xᵀ·dy and Σ_rows dy to g unless g is nil.
func (l *linear) backward(k kernel.Kernels, dx []float32, g *linear, dy, x []float32, rows int) {
	if rows == 0 {
		return
	}
	switch {
	case dx == nil:
	case l.packedT != nil:
		p := k.(kernel.Packer)
		wt := l.packedT.get(func(dst *kernel.Packed) *kernel.Packed { return p.Pack(dst, blas.Trans, l.out, l.in, l.w, l.out) })
		p.SgemmPacked(blas.NoTrans, rows, 1, dy, l.out, wt, 1, dx, l.in)
	default:
		k.Sgemm(blas.NoTrans, blas.Trans, rows, l.in, l.out, 1, dy, l.out, l.w, l.out, 1, dx, l.in)
	}
	if g == nil {
		return
	}
	k.Sgemm(blas.Trans, blas.NoTrans, l.in, l.out, rows, 1, x, l.in, dy, l.out, 1, g.w, l.out)
	if g.b != nil {
		for r := 0; r < rows; r++ {
			addInPlace(g.b, dy[r*l.out:(r+1)*l.out])
		}
	}
}
