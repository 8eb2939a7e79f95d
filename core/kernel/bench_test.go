package kernel_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"

	"bertology/core/kernel"
)

// BenchmarkSgemm measures the matrix products of a BERT-base layer on each implementation (named last,
// so that build.sh bench sets them side by side): the linear layers y = x·W at 23 and 128 tokens (W is
// [in, out], the model's layout), and one head's attention products at 128 tokens, q·kᵀ (k read
// transposed) and attn·v.
func BenchmarkSgemm(b *testing.B) {
	type shape struct {
		name    string
		tB      blas.Transpose
		m, n, k int
	}
	var shapes []shape
	for _, rows := range []int{23, 128} {
		for _, w := range [][2]int{{768, 768}, {768, 3072}, {3072, 768}} {
			shapes = append(shapes, shape{fmt.Sprintf("linear_%dx%dx%d", rows, w[0], w[1]), blas.NoTrans, rows, w[1], w[0]})
		}
	}
	shapes = append(shapes, shape{"QKt_128x128x64", blas.Trans, 128, 128, 64}, shape{"PV_128x64x128", blas.NoTrans, 128, 64, 128})
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range shapes {
		a, bm, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range bm {
			bm[i] = float32(r.NormFloat64())
		}
		ldb := s.n
		if s.tB != blas.NoTrans {
			ldb = s.k
		}
		for _, k := range kernel.Implementations() {
			b.Run(s.name+"/"+k.Name(), func(b *testing.B) {
				for b.Loop() {
					k.Sgemm(blas.NoTrans, s.tB, s.m, s.n, s.k, 1, a, s.k, bm, ldb, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkSoftmax, BenchmarkSoftmaxBackward and BenchmarkLayerNorm measure the elementwise kernels at
// BERT-base's sizes: 12 heads' scores over 128 tokens, and 128 rows of 768.
func BenchmarkSoftmax(b *testing.B) {
	x := make([]float32, 12*128*128)
	for _, k := range kernel.Implementations() {
		b.Run(k.Name(), func(b *testing.B) {
			for i := range x {
				x[i] = float32(i%128) * 0.01
			}
			for b.Loop() {
				k.Softmax(x, 12*128, 128) // in place: a softmax of probabilities is as much work
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(len(x)), "ns/element")
		})
	}
}

func BenchmarkSoftmaxBackward(b *testing.B) {
	p, dp, grad := make([]float32, 12*128*128), make([]float32, 12*128*128), make([]float32, 12*128*128)
	for i := range p {
		p[i] = float32(i%128) * 0.01
		grad[i] = float32(i%7) - 3
	}
	kernel.Go{}.Softmax(p, 12*128, 128)
	for _, k := range kernel.Implementations() {
		b.Run(k.Name(), func(b *testing.B) {
			for b.Loop() {
				// dp is turned in place: refilled, untimed, it does not shrink to subnormals.
				b.StopTimer()
				copy(dp, grad)
				b.StartTimer()
				k.SoftmaxBackward(dp, p, 12*128, 128)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(len(p)), "ns/element")
		})
	}
}

func BenchmarkLayerNorm(b *testing.B) {
	const rows, cols = 128, 768
	x, dst := make([]float32, rows*cols), make([]float32, rows*cols)
	gamma, beta := make([]float32, cols), make([]float32, cols)
	for i := range x {
		x[i] = float32(i%17) * 0.1
	}
	for _, k := range kernel.Implementations() {
		b.Run(k.Name(), func(b *testing.B) {
			for b.Loop() {
				k.LayerNorm(dst, nil, nil, x, gamma, beta, rows, cols, 1e-12)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(len(x)), "ns/element")
		})
	}
}

// BenchmarkGELU and BenchmarkGELUBackward measure the exact GELU (BERT's) over a BERT-base
// intermediate layer at 128 tokens.
func BenchmarkGELU(b *testing.B) {
	x, dst := geluInput(), make([]float32, 128*3072)
	for _, k := range kernel.Implementations() {
		b.Run(k.Name(), func(b *testing.B) {
			for b.Loop() {
				k.GELU(dst, x, false)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(len(x)), "ns/element")
		})
	}
}

func BenchmarkGELUBackward(b *testing.B) {
	x, dy, ones := geluInput(), make([]float32, 128*3072), make([]float32, 128*3072)
	for i := range ones {
		ones[i] = 1
	}
	for _, k := range kernel.Implementations() {
		b.Run(k.Name(), func(b *testing.B) {
			for b.Loop() {
				// dy is multiplied in place: refilled, untimed, it neither overflows nor turns subnormal.
				b.StopTimer()
				copy(dy, ones)
				b.StartTimer()
				k.GELUBackward(dy, x, false)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(len(x)), "ns/element")
		})
	}
}

func geluInput() []float32 {
	x := make([]float32, 128*3072)
	for i := range x {
		x[i] = float32(i%61)*0.1 - 3
	}
	return x
}
