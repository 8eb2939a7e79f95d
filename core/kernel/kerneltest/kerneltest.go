// Package kerneltest is the conformance suite of kernel.Kernels: every implementation, natively and as
// js/wasm, must pass it. Each kernel is checked against a float64 reference written as plainly as
// possible, on shapes that reach every edge of a blocked or vectorised loop (sizes around multiples of
// 4, 6, 8 and 64, strides wider than the rows, empty dimensions), and on the masked rows that attention
// produces.
package kerneltest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"

	"bertology/core/kernel"
)

// Tolerance is how far an implementation may be from the float64 reference. SIMD kernels exponentiate
// with a float32 polynomial and accumulate in float32, and relaxed SIMD and AVX2 fuse multiply-adds, so
// their errors are a few float32 ulps where Go's float64 loops are exact to the last bit.
const (
	// sgemmTol is per √(k+1), for entries of unit variance, and sgemmRelTol relative to the entry:
	// float32 sums of a thousand products drift by more than √k ulps.
	sgemmTol    = 2e-6
	sgemmRelTol = 1e-6
	probTol     = 2e-7 // softmax probabilities and their gradients
	normTol     = 2e-6 // layer norm outputs and gradients of unit scale
	geluTol     = 1e-6 // relative to max(1, |x|)
)

// Run checks k against the references; a kernel that is also a kernel.Packer is checked packed too.
func Run(t *testing.T, k kernel.Kernels) {
	t.Run("Sgemm", func(t *testing.T) { testSgemm(t, k) })
	t.Run("SgemmConcurrent", func(t *testing.T) { testSgemmConcurrent(t, k) })
	t.Run("Softmax", func(t *testing.T) { testSoftmax(t, k) })
	t.Run("SoftmaxMaskedRows", func(t *testing.T) { testSoftmaxMaskedRows(t, k) })
	t.Run("SoftmaxBackward", func(t *testing.T) { testSoftmaxBackward(t, k) })
	t.Run("LayerNorm", func(t *testing.T) { testLayerNorm(t, k) })
	t.Run("LayerNormBackward", func(t *testing.T) { testLayerNormBackward(t, k) })
	t.Run("RMSNorm", func(t *testing.T) { testRMSNorm(t, k) })
	t.Run("RMSNormBackward", func(t *testing.T) { testRMSNormBackward(t, k) })
	t.Run("GELU", func(t *testing.T) { testGELU(t, k) })
}

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func assertNear(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	assertClose(t, what, got, want, tol, 0)
}

// assertClose checks |got - want| <= abs + rel·|want| element by element; NaN where NaN is wanted.
func assertClose(t *testing.T, what string, got, want []float32, abs, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.IsNaN(float64(want[i])) && math.IsNaN(float64(got[i])) { // padding that must stay untouched
			continue
		}
		tol := abs + rel*math.Abs(float64(want[i]))
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
			t.Fatalf("%s: [%d] = %v, want %v (difference %.3g > %.3g)", what, i, got[i], want[i], d, tol)
		}
	}
}

// sgemmShapes are m, n, k: around the Go kernel's 4-row and 64-column panels, the SIMD kernel's 6-row,
// 8-column blocks and the AVX2 kernel's 6-row, 16-column ones, plus the products of attention and of a
// BERT linear layer.
var sgemmShapes = [][3]int{
	{1, 1, 1}, {1, 7, 3}, {3, 1, 5}, {4, 2, 8}, {5, 3, 7}, {6, 8, 9}, {7, 9, 13}, {8, 16, 64}, {13, 33, 65},
	{17, 64, 130}, {12, 65, 31}, {23, 40, 19}, {5, 130, 11}, {70, 3, 66}, {6, 0, 4}, {0, 5, 3}, {2, 5, 0},
	{3, 2100, 1100}, // across the SIMD kernel's blocks of 512 rows and 2048 columns of B
	{13, 48, 520},   // whole blocks of C summed over blocks of 256 and 512 rows of B
	{100, 20, 9},    // across the AVX2 kernel's blocks of 96 rows of A
}

func testSgemm(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(1, 2))
	type variant struct {
		tA, tB      blas.Transpose
		alpha, beta float32
		pad         int // extra columns in every leading dimension
	}
	var variants []variant
	for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
		for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			variants = append(variants, variant{tA, tB, 1, 1, 0}, variant{tA, tB, 0.5, 0, 3}, variant{tA, tB, -1.25, 0.75, 1})
		}
	}
	var prev *kernel.Packed // the last packing made
	for _, s := range sgemmShapes {
		m, n, kk := s[0], s[1], s[2]
		for _, v := range variants {
			name := fmt.Sprintf("%dx%dx%d/%c%c/alpha=%g,beta=%g,pad=%d", m, n, kk, v.tA, v.tB, v.alpha, v.beta, v.pad)
			ra, ca := m, kk
			if v.tA != blas.NoTrans {
				ra, ca = kk, m
			}
			rb, cb := kk, n
			if v.tB != blas.NoTrans {
				rb, cb = n, kk
			}
			lda, ldb, ldc := max(1, ca)+v.pad, max(1, cb)+v.pad, max(1, n)+v.pad
			a, b, c := randomSlice(r, ra*lda), randomSlice(r, rb*ldb), randomSlice(r, m*ldc)
			if v.beta == 0 { // c must not be read
				for i := range c {
					c[i] = float32(math.NaN())
				}
			}
			want := append([]float32(nil), c...)
			opA := func(i, p int) float64 {
				if v.tA != blas.NoTrans {
					return float64(a[p*lda+i])
				}
				return float64(a[i*lda+p])
			}
			opB := func(p, j int) float64 {
				if v.tB != blas.NoTrans {
					return float64(b[j*ldb+p])
				}
				return float64(b[p*ldb+j])
			}
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					var sum float64
					for p := 0; p < kk; p++ {
						sum += opA(i, p) * opB(p, j)
					}
					w := float64(v.alpha) * sum
					if v.beta != 0 {
						w += float64(v.beta) * float64(c[i*ldc+j])
					}
					want[i*ldc+j] = float32(w)
				}
			}
			tol := sgemmTol * math.Sqrt(float64(kk+1)) * 2
			got := append([]float32(nil), c...)
			k.Sgemm(v.tA, v.tB, m, n, kk, v.alpha, a, lda, b, ldb, v.beta, got, ldc)
			assertClose(t, name, got, want, tol, sgemmRelTol)
			if p, ok := k.(kernel.Packer); ok {
				// Packed into the previous case's packing: its memory when it holds a [k, n] matrix
				// too (the previous variant of the same shape), a new packing otherwise.
				bp := p.Pack(prev, v.tB, kk, n, b, ldb)
				if prev != nil && prev.K == kk && prev.N == n && bp != prev {
					t.Errorf("%s: Pack made a new packing instead of reusing its [%d, %d] dst", name, kk, n)
				}
				if bp.K != kk || bp.N != n {
					t.Fatalf("%s: Pack made a [%d, %d] packing, want [%d, %d]", name, bp.K, bp.N, kk, n)
				}
				prev = bp
				got := append([]float32(nil), c...)
				p.SgemmPacked(v.tA, m, v.alpha, a, lda, bp, v.beta, got, ldc)
				assertClose(t, name+" packed", got, want, tol, sgemmRelTol)
			}
		}
	}
}

// sgemmProduct is c = op(a)·op(b) for op(a) [m, k] and op(b) [k, n], packed tightly.
type sgemmProduct struct {
	tA, tB  blas.Transpose
	m, n, k int
	a, b    []float32
}

func (p sgemmProduct) run(k kernel.Kernels) []float32 {
	lda, ldb := p.k, p.n
	if p.tA != blas.NoTrans {
		lda = p.m
	}
	if p.tB != blas.NoTrans {
		ldb = p.k
	}
	c := make([]float32, p.m*p.n)
	k.Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, lda, p.b, ldb, 0, c, p.n)
	return c
}

// testSgemmConcurrent checks that products running at the same time on several goroutines, as the
// model runs the sequences of a batch, give what each gives alone: an implementation's scratch space
// must not be shared between calls.
func testSgemmConcurrent(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(3, 4))
	var products []sgemmProduct
	var want [][]float32
	for i, s := range [][3]int{{23, 300, 70}, {100, 40, 300}, {7, 600, 33}, {64, 64, 64}} {
		p := sgemmProduct{tA: blas.NoTrans, tB: blas.NoTrans, m: s[0], n: s[1], k: s[2], a: randomSlice(r, s[0]*s[2]), b: randomSlice(r, s[2]*s[1])}
		if i%2 == 1 {
			p.tA = blas.Trans
		}
		if i >= 2 {
			p.tB = blas.Trans
		}
		products, want = append(products, p), append(want, p.run(k))
	}
	const goroutines = 4
	var wg sync.WaitGroup
	errs := make(chan string, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := 0; rep < 3*len(products); rep++ {
				i := (g + rep) % len(products)
				if got := products[i].run(k); !slices.Equal(got, want[i]) {
					p := products[i]
					errs <- fmt.Sprintf("goroutine %d: %dx%dx%d/%c%c differs from the same product run alone", g, p.m, p.n, p.k, p.tA, p.tB)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func softmaxRef(x []float32, rows, cols int) []float32 {
	want := make([]float32, len(x))
	for i := 0; i < rows; i++ {
		row := x[i*cols : (i+1)*cols]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, float64(v))
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - mx)
		}
		for j, v := range row {
			want[i*cols+j] = float32(math.Exp(float64(v)-mx) / sum)
		}
	}
	return want
}

func testSoftmax(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, cols := range []int{1, 2, 3, 4, 5, 7, 8, 13, 64, 129} {
		rows := 3
		x := randomSlice(r, rows*cols)
		for i := range x {
			x[i] *= 10
		}
		want := softmaxRef(x, rows, cols)
		k.Softmax(x, rows, cols)
		assertNear(t, fmt.Sprintf("cols %d", cols), x, want, probTol)
	}
}

// testSoftmaxMaskedRows checks the rows a padding mask produces, against what PyTorch computes: scores
// pushed to float32's lowest value still give a uniform distribution when every key is masked, a masked
// key gets exactly 0, while -Inf everywhere (float32 lowest added twice, as GPT-2's causal plus padding
// masks can do) gives NaN.
func testSoftmaxMaskedRows(t *testing.T, k kernel.Kernels) {
	lowest := float32(-math.MaxFloat32)
	inf := float32(math.Inf(-1))
	x := []float32{
		lowest, lowest, lowest, lowest, lowest,
		2, lowest, lowest + lowest, 1, -1e4,
		inf, inf, inf, inf, inf,
	}
	k.Softmax(x, 3, 5)
	e := 1 / (1 + math.Exp(-1))
	want := []float32{0.2, 0.2, 0.2, 0.2, 0.2, float32(e), 0, 0, float32(1 - e), 0}
	for i, w := range want {
		if math.Abs(float64(x[i]-w)) > probTol || (w == 0 && x[i] != 0) {
			t.Errorf("masked rows: [%d] = %v, want %v", i, x[i], w)
		}
	}
	for j, v := range x[10:] {
		if !math.IsNaN(float64(v)) {
			t.Errorf("row of -Inf, column %d: got %v, want NaN as PyTorch", j, v)
		}
	}
}

func testSoftmaxBackward(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, cols := range []int{1, 3, 8, 13, 64} {
		rows := 4
		p := softmaxRef(randomSlice(r, rows*cols), rows, cols)
		p[cols-1] = 0 // a masked key
		dp := randomSlice(r, rows*cols)
		want := make([]float32, len(dp))
		for i := 0; i < rows; i++ {
			var s float64
			for j := 0; j < cols; j++ {
				s += float64(p[i*cols+j]) * float64(dp[i*cols+j])
			}
			for j := 0; j < cols; j++ {
				want[i*cols+j] = float32(float64(p[i*cols+j]) * (float64(dp[i*cols+j]) - s))
			}
		}
		k.SoftmaxBackward(dp, p, rows, cols)
		assertNear(t, fmt.Sprintf("cols %d", cols), dp, want, probTol*4)
		if dp[cols-1] != 0 {
			t.Errorf("cols %d: the masked key's gradient is %v, want 0", cols, dp[cols-1])
		}
	}
}

var layerNormCases = []struct {
	rows, cols int
	offset     float32
	eps        float64
}{{1, 1, 0, 1e-5}, {3, 7, 0, 1e-12}, {4, 32, 100, 1e-12}, {2, 768, -3, 1e-5}, {5, 37, 0.5, 1e-6}}

// layerNormStats is the float64 reference of one row's mean and 1/sqrt(var+eps).
func layerNormStats(row []float32, eps float64) (mu, rs float64) {
	for _, a := range row {
		mu += float64(a)
	}
	mu /= float64(len(row))
	var v float64
	for _, a := range row {
		v += (float64(a) - mu) * (float64(a) - mu)
	}
	return mu, 1 / math.Sqrt(v/float64(len(row))+eps)
}

func testLayerNorm(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, tc := range layerNormCases {
		name := fmt.Sprintf("%dx%d+%g", tc.rows, tc.cols, tc.offset)
		x := randomSlice(r, tc.rows*tc.cols)
		for i := range x {
			x[i] += tc.offset
		}
		gamma, beta := randomSlice(r, tc.cols), randomSlice(r, tc.cols)
		want := make([]float32, len(x))
		wantMean, wantRstd := make([]float32, tc.rows), make([]float32, tc.rows)
		for i := 0; i < tc.rows; i++ {
			row := x[i*tc.cols : (i+1)*tc.cols]
			mu, rs := layerNormStats(row, tc.eps)
			for j, a := range row {
				want[i*tc.cols+j] = float32((float64(a)-mu)*rs*float64(gamma[j]) + float64(beta[j]))
			}
			wantMean[i], wantRstd[i] = float32(mu), float32(rs)
		}
		got, mean, rstd := make([]float32, len(x)), make([]float32, tc.rows), make([]float32, tc.rows)
		k.LayerNorm(got, mean, rstd, x, gamma, beta, tc.rows, tc.cols, tc.eps)
		assertNear(t, name, got, want, normTol)
		assertNear(t, name+" mean", mean, wantMean, normTol*max(1, math.Abs(float64(tc.offset))))
		assertNear(t, name+" rstd", rstd, wantRstd, normTol*float64(wantRstd[0]))

		k.LayerNorm(x, nil, nil, x, gamma, beta, tc.rows, tc.cols, tc.eps) // in place
		assertNear(t, name+" in place", x, want, normTol)
	}
}

func testLayerNormBackward(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, tc := range layerNormCases {
		name := fmt.Sprintf("%dx%d+%g", tc.rows, tc.cols, tc.offset)
		rows, cols := tc.rows, tc.cols
		x := randomSlice(r, rows*cols)
		for i := range x {
			x[i] += tc.offset
		}
		gamma, dy := randomSlice(r, cols), randomSlice(r, rows*cols)
		mean, rstd := make([]float32, rows), make([]float32, rows)
		for i := 0; i < rows; i++ {
			mu, rs := layerNormStats(x[i*cols:(i+1)*cols], tc.eps)
			mean[i], rstd[i] = float32(mu), float32(rs)
		}
		// The gradients add to what is there.
		dx, dgamma, dbeta := randomSlice(r, rows*cols), randomSlice(r, cols), randomSlice(r, cols)
		wantDx, wantDgamma, wantDbeta := append([]float32(nil), dx...), append([]float32(nil), dgamma...), append([]float32(nil), dbeta...)
		for i := 0; i < rows; i++ {
			mu, rs := float64(mean[i]), float64(rstd[i])
			xhat := func(j int) float64 { return (float64(x[i*cols+j]) - mu) * rs }
			var sumD, sumDX float64
			for j := 0; j < cols; j++ {
				d := float64(dy[i*cols+j])
				wantDgamma[j] += float32(d * xhat(j))
				wantDbeta[j] += float32(d)
				sumD += d * float64(gamma[j])
				sumDX += d * float64(gamma[j]) * xhat(j)
			}
			for j := 0; j < cols; j++ {
				dn := float64(dy[i*cols+j]) * float64(gamma[j])
				wantDx[i*cols+j] += float32(rs * (dn - sumD/float64(cols) - xhat(j)*sumDX/float64(cols)))
			}
		}
		k.LayerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, rows, cols)
		scale := max(1, float64(rstd[0]))
		assertNear(t, name+" dx", dx, wantDx, normTol*scale*4)
		assertNear(t, name+" dgamma", dgamma, wantDgamma, normTol*float64(rows))
		assertNear(t, name+" dbeta", dbeta, wantDbeta, normTol*float64(rows))
		k.LayerNormBackward(nil, nil, nil, dy, x, mean, rstd, gamma, rows, cols) // nothing wanted: no panic
	}
}

func testGELU(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(13, 14))
	x := randomSlice(r, 203)
	for i := range x {
		x[i] *= 4
	}
	x = append(x, 0, -0, 10, -10, 30, -30, 1e-20, -9.5, 9.5)
	ref := func(f float64, tanh bool) (y, dy float64) {
		if tanh {
			const c = 0.7978845608028654
			th := math.Tanh(c * (f + 0.044715*f*f*f))
			return 0.5 * f * (1 + th), 0.5*(1+th) + 0.5*f*(1-th*th)*c*(1+3*0.044715*f*f)
		}
		cdf := 0.5 * math.Erfc(-f/math.Sqrt2)
		return f * cdf, cdf + f*math.Exp(-0.5*f*f)/math.Sqrt(2*math.Pi)
	}
	for _, tanh := range []bool{false, true} {
		got := make([]float32, len(x))
		k.GELU(got, x, tanh)
		grad := randomSlice(r, len(x))
		dy := append([]float32(nil), grad...)
		k.GELUBackward(dy, x, tanh)
		for i, v := range x {
			y, d := ref(float64(v), tanh)
			tol := geluTol * max(1, math.Abs(float64(v)))
			if diff := math.Abs(float64(got[i]) - y); !(diff <= tol) {
				t.Fatalf("tanh=%v: gelu(%v) = %v, want %v", tanh, v, got[i], y)
			}
			if diff := math.Abs(float64(dy[i]) - d*float64(grad[i])); !(diff <= geluTol*4*max(1, math.Abs(float64(grad[i])))) {
				t.Fatalf("tanh=%v: gelu'(%v)·%v = %v, want %v", tanh, v, grad[i], dy[i], d*float64(grad[i]))
			}
		}
		k.GELU(x[:8], x[:8], tanh) // in place
		for i, v := range x[:8] {
			if v != got[i] {
				t.Fatalf("tanh=%v: in place [%d] = %v, want %v", tanh, i, v, got[i])
			}
		}
		x = append(x[:0:0], x...)
	}
}

// rmsNormStat is the float64 reference of one row's 1/sqrt(mean(x²)+eps).
func rmsNormStat(row []float32, eps float64) float64 {
	var ss float64
	for _, a := range row {
		ss += float64(a) * float64(a)
	}
	return 1 / math.Sqrt(ss/float64(len(row))+eps)
}

func testRMSNorm(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, tc := range layerNormCases {
		name := fmt.Sprintf("%dx%d+%g", tc.rows, tc.cols, tc.offset)
		x := randomSlice(r, tc.rows*tc.cols)
		for i := range x {
			x[i] += tc.offset
		}
		gamma := randomSlice(r, tc.cols)
		want, wantRstd := make([]float32, len(x)), make([]float32, tc.rows)
		for i := 0; i < tc.rows; i++ {
			row := x[i*tc.cols : (i+1)*tc.cols]
			rs := rmsNormStat(row, tc.eps)
			for j, a := range row {
				want[i*tc.cols+j] = float32(float64(a) * rs * float64(gamma[j]))
			}
			wantRstd[i] = float32(rs)
		}
		got, rstd := make([]float32, len(x)), make([]float32, tc.rows)
		k.RMSNorm(got, rstd, x, gamma, tc.rows, tc.cols, tc.eps)
		assertNear(t, name, got, want, normTol)
		assertNear(t, name+" rstd", rstd, wantRstd, normTol*float64(wantRstd[0]))

		k.RMSNorm(x, nil, x, gamma, tc.rows, tc.cols, tc.eps) // in place
		assertNear(t, name+" in place", x, want, normTol)
	}
}

func testRMSNormBackward(t *testing.T, k kernel.Kernels) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, tc := range layerNormCases {
		name := fmt.Sprintf("%dx%d+%g", tc.rows, tc.cols, tc.offset)
		rows, cols := tc.rows, tc.cols
		x := randomSlice(r, rows*cols)
		for i := range x {
			x[i] += tc.offset
		}
		gamma, dy := randomSlice(r, cols), randomSlice(r, rows*cols)
		rstd := make([]float32, rows)
		for i := 0; i < rows; i++ {
			rstd[i] = float32(rmsNormStat(x[i*cols:(i+1)*cols], tc.eps))
		}
		// The gradients add to what is there.
		dx, dgamma := randomSlice(r, rows*cols), randomSlice(r, cols)
		wantDx, wantDgamma := append([]float32(nil), dx...), append([]float32(nil), dgamma...)
		for i := 0; i < rows; i++ {
			rs := float64(rstd[i])
			xhat := func(j int) float64 { return float64(x[i*cols+j]) * rs }
			var sumDX float64
			for j := 0; j < cols; j++ {
				d := float64(dy[i*cols+j])
				wantDgamma[j] += float32(d * xhat(j))
				sumDX += d * float64(gamma[j]) * xhat(j)
			}
			for j := 0; j < cols; j++ {
				dn := float64(dy[i*cols+j]) * float64(gamma[j])
				wantDx[i*cols+j] += float32(rs * (dn - xhat(j)*sumDX/float64(cols)))
			}
		}
		k.RMSNormBackward(dx, dgamma, dy, x, rstd, gamma, rows, cols)
		scale := max(1, float64(rstd[0]))
		assertNear(t, name+" dx", dx, wantDx, normTol*scale*4)
		assertNear(t, name+" dgamma", dgamma, wantDgamma, normTol*float64(rows))
		k.RMSNormBackward(nil, nil, dy, x, rstd, gamma, rows, cols) // nothing wanted: no panic
	}
}
