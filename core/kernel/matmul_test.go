package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// naiveMatMul is the reference: dst[i,j] += Σ_p a[i,p]·b(p,j) in float64, with b(p,j) read through at.
func naiveMatMul(dst, a []float32, at func(p, j int) float32, m, k, n int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(a[i*k+p]) * float64(at(p, j))
			}
			dst[i*n+j] += float32(s)
		}
	}
}

var matMulSizes = [][3]int{
	{1, 1, 1}, {1, 7, 3}, {3, 1, 5}, {4, 2, 8}, {5, 3, 7}, {7, 9, 13}, {8, 16, 64}, {13, 33, 65},
	{17, 64, 130}, {6, 0, 4}, {0, 5, 3}, {2, 5, 0},
}

func TestMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range matMulSizes {
		m, k, n := s[0], s[1], s[2]
		t.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(t *testing.T) {
			a, b := randomSlice(r, m*k), randomSlice(r, k*n)
			got := randomSlice(r, m*n) // MatMul accumulates into what is there
			want := append([]float32(nil), got...)
			Go{}.MatMul(got, a, b, m, k, n)
			naiveMatMul(want, a, func(p, j int) float32 { return b[p*n+j] }, m, k, n)
			assertNear(t, got, want, 1e-5*math.Sqrt(float64(k+1)))
		})
	}
}

func TestMatMulTransB(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sizes := append(matMulSizes, [3]int{5, 11, transBPanel + 3}, [3]int{9, 4, 3*transBPanel - 1})
	for _, s := range sizes {
		m, k, n := s[0], s[1], s[2]
		t.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(t *testing.T) {
			a, b := randomSlice(r, m*k), randomSlice(r, n*k)
			got := randomSlice(r, m*n)
			want := append([]float32(nil), got...)
			Go{}.MatMulTransB(got, a, b, m, k, n)
			naiveMatMul(want, a, func(p, j int) float32 { return b[j*k+p] }, m, k, n)
			assertNear(t, got, want, 1e-5*math.Sqrt(float64(k+1)))
		})
	}
}

func TestMatMulTransA(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	sizes := append(matMulSizes, [3]int{transAPanel + 3, 11, 5}, [3]int{3*transAPanel - 1, 4, 9})
	for _, s := range sizes {
		m, k, n := s[0], s[1], s[2]
		t.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(t *testing.T) {
			a, b := randomSlice(r, k*m), randomSlice(r, k*n)
			got := randomSlice(r, m*n)
			want := append([]float32(nil), got...)
			Go{}.MatMulTransA(got, a, b, m, k, n)
			at := make([]float32, m*k) // a transposed, [m, k]
			for p := 0; p < k; p++ {
				for i := 0; i < m; i++ {
					at[i*k+p] = a[p*m+i]
				}
			}
			naiveMatMul(want, at, func(p, j int) float32 { return b[p*n+j] }, m, k, n)
			assertNear(t, got, want, 1e-5*math.Sqrt(float64(k+1)))
		})
	}
}

func TestMatMulPanicsOnShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("MatMul with a too-short b did not panic")
		}
	}()
	Go{}.MatMul(make([]float32, 6), make([]float32, 6), make([]float32, 8), 2, 3, 3)
}

func assertNear(t *testing.T, got, want []float32, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
			t.Fatalf("index %d: got %v, want %v (|diff| %.3g > %.3g)", i, got[i], want[i], d, tol)
		}
	}
}

func benchmarkMatMul(b *testing.B, transB bool, m, k, n int) {
	r := rand.New(rand.NewPCG(5, 6))
	x, w, dst := randomSlice(r, m*k), randomSlice(r, k*n), make([]float32, m*n)
	for b.Loop() {
		if transB {
			Default.MatMulTransB(dst, x, w, m, k, n)
		} else {
			Default.MatMul(dst, x, w, m, k, n)
		}
	}
	b.ReportMetric(2*float64(m)*float64(k)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// The two shapes of a BERT-base layer at sequence length 128: the attention projections and the
// feed-forward layers.
func BenchmarkMatMul128x768x768(b *testing.B)        { benchmarkMatMul(b, false, 128, 768, 768) }
func BenchmarkMatMul128x768x3072(b *testing.B)       { benchmarkMatMul(b, false, 128, 768, 3072) }
func BenchmarkMatMulTransB128x768x768(b *testing.B)  { benchmarkMatMul(b, true, 128, 768, 768) }
func BenchmarkMatMulTransB128x768x3072(b *testing.B) { benchmarkMatMul(b, true, 128, 768, 3072) }
