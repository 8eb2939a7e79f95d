package model

import "bertology/core/kernel"

// linear is a dense layer y = x·w + b with w stored [in, out], the layout kernel.MatMul streams fastest.
type linear struct {
	w       []float32 // [in, out]
	b       []float32 // [out]; nil for a layer without bias
	in, out int
}

func newLinear(in, out int, bias bool) *linear {
	l := &linear{w: make([]float32, in*out), in: in, out: out}
	if bias {
		l.b = make([]float32, out)
	}
	return l
}

// forward computes y[rows, out] = x[rows, in]·w + b.
func (l *linear) forward(k kernel.Kernels, y, x []float32, rows int) {
	y = y[:rows*l.out]
	if l.b == nil {
		clear(y)
	} else {
		for r := 0; r < rows; r++ {
			copy(y[r*l.out:(r+1)*l.out], l.b)
		}
	}
	k.MatMul(y, x, l.w, rows, l.in, l.out)
}

// layerNorm holds a LayerNorm's gain and shift.
type layerNorm struct {
	gamma, beta []float32 // [D]
}

func newLayerNorm(d int) *layerNorm {
	return &layerNorm{gamma: make([]float32, d), beta: make([]float32, d)}
}
