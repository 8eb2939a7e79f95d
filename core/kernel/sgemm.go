package kernel

import (
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas"
)

// transPanel is how many rows or columns Sgemm transposes at a time for a transposed operand: a
// k×transPanel block (192 KiB for k = 768) stays in cache while gemm streams the other operand.
const transPanel = 64

// Sgemm implements Kernels.
//
// A transposed operand is copied a panel at a time into row-major order and run through the same loop
// as the plain product. The copy costs k·n (or m·k), nothing next to the m·n·k of the product, and keeps
// one fast inner loop: a dot-product loop over rows runs at half its speed in WebAssembly.
func (Go) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	scaleRows(c, ldc, m, n, beta)
	if m == 0 || n == 0 || k == 0 || alpha == 0 {
		return
	}
	transA, transB := tA != blas.NoTrans, tB != blas.NoTrans
	if transB && transA { // rare: make b plain once, then it is the case below
		b, ldb, transB = transposed(b, ldb, n, k), n, false
	}
	if !transA && !transB {
		gemm(c, ldc, a, lda, b, ldb, m, k, n, alpha)
		return
	}
	buf := goPanels.Get().(*[]float32)
	defer goPanels.Put(buf)
	switch {
	case transB: // op(b)[p, j] = b[j, p]
		panel := growPanel(buf, k*min(n, transPanel))
		for j0 := 0; j0 < n; j0 += transPanel {
			w := min(transPanel, n-j0)
			for j := 0; j < w; j++ {
				row := b[(j0+j)*ldb : (j0+j)*ldb+k]
				for p, v := range row {
					panel[p*w+j] = v
				}
			}
			gemm(c[j0:], ldc, a, lda, panel, w, m, k, w, alpha)
		}
	default: // transA: op(a)[i, p] = a[p, i]
		panel := growPanel(buf, min(m, transPanel)*k)
		for i0 := 0; i0 < m; i0 += transPanel {
			w := min(transPanel, m-i0)
			for p := 0; p < k; p++ {
				row := a[p*lda+i0 : p*lda+i0+w]
				for i, v := range row {
					panel[i*k+p] = v
				}
			}
			gemm(c[i0*ldc:], ldc, panel, k, b, ldb, w, k, n, alpha)
		}
	}
}

// goPanels holds the space into which Sgemm transposes a panel of an operand, so that the products
// of a layer (attention's q·kᵀ for every head, say) allocate nothing.
var goPanels = sync.Pool{New: func() any { return new([]float32) }}

// growPanel returns *buf resliced to n elements, first growing it when it is too small.
func growPanel(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	return (*buf)[:n]
}

// transposed returns the row-major transpose [cols, rows] of x [rows, cols] stored with stride ld.
func transposed(x []float32, ld, rows, cols int) []float32 {
	t := make([]float32, rows*cols)
	for i := 0; i < rows; i++ {
		for j, v := range x[i*ld : i*ld+cols] {
			t[j*rows+i] = v
		}
	}
	return t
}

// scaleRows multiplies c [m, n] (stride ldc) by beta; beta = 0 clears it, as BLAS does, so that NaNs
// in c do not survive.
func scaleRows(c []float32, ldc, m, n int, beta float32) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// sgemmDegenerate finishes a product that needs no multiplication and reports whether it did: nothing
// to do when c [m, n] is empty, c scaled by beta when k = 0 or alpha = 0.
func sgemmDegenerate(m, n, k int, alpha, beta float32, c []float32, ldc int) bool {
	if m == 0 || n == 0 {
		return true
	}
	if k == 0 || alpha == 0 {
		scaleRows(c, ldc, m, n, beta)
		return true
	}
	return false
}

// checkSgemmPacked panics, as checkSgemm does, unless bp was packed by the kernels named by and
// op(a) [m, bp.K] and c [m, bp.N] fit their slices.
func checkSgemmPacked(by string, tA blas.Transpose, m int, a []float32, lda int, bp *Packed, c []float32, ldc int) {
	if bp.By != by {
		panic("kernel: SgemmPacked: the operand was packed by " + bp.By + ", not " + by)
	}
	checkOperand("a", tA, m, bp.K, a, lda)
	checkMatrix("c", m, bp.N, c, ldc)
}

// checkSgemm panics, as gonum's Sgemm does, when the dimensions or strides do not fit the slices.
func checkSgemm(tA, tB blas.Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkOperand("a", tA, m, k, a, lda)
	checkOperand("b", tB, k, n, b, ldb)
	checkMatrix("c", m, n, c, ldc)
}

// checkOperand checks that op(x) [rows, cols] fits in x with row stride ld.
func checkOperand(name string, t blas.Transpose, rows, cols int, x []float32, ld int) {
	if t != blas.NoTrans {
		rows, cols = cols, rows
	}
	checkMatrix(name, rows, cols, x, ld)
}

// checkMatrix checks that x [rows, cols] fits with row stride ld. Unlike gonum it accepts any stride for
// an empty matrix: a layer whose heads are all pruned has a [D, 0] weight.
func checkMatrix(name string, rows, cols int, x []float32, ld int) {
	if rows < 0 || cols < 0 || (rows > 0 && cols > 0 && (ld < cols || len(x) < (rows-1)*ld+cols)) {
		panic(fmt.Sprintf("kernel: Sgemm: %s [%d, %d] with stride %d does not fit in %d elements", name, rows, cols, ld, len(x)))
	}
}

// gemm adds alpha·a·b to dst for strided matrices: dst[i*ldd+j] += alpha·Σ_p a[i*lda+p] · b[p*ldb+j],
// i < m, j < n, p < k.
//
// It walks four rows of a and two rows of b at a time: each pass over a row of dst then does 16 flops
// for 2 loads of b and 4 loads and stores of dst, which is what pays in WebAssembly, where every loop
// iteration has a high fixed cost and there are no vector registers.
func gemm(dst []float32, ldd int, a []float32, lda int, b []float32, ldb int, m, k, n int, alpha float32) {
	i := 0
	for ; i+4 <= m; i += 4 {
		d0 := dst[i*ldd : i*ldd+n]
		d1 := dst[(i+1)*ldd : (i+1)*ldd+n]
		d2 := dst[(i+2)*ldd : (i+2)*ldd+n]
		d3 := dst[(i+3)*ldd : (i+3)*ldd+n]
		a0 := a[i*lda : i*lda+k]
		a1 := a[(i+1)*lda : (i+1)*lda+k]
		a2 := a[(i+2)*lda : (i+2)*lda+k]
		a3 := a[(i+3)*lda : (i+3)*lda+k]
		p := 0
		for ; p+2 <= k; p += 2 {
			s00, s01 := alpha*a0[p], alpha*a0[p+1]
			s10, s11 := alpha*a1[p], alpha*a1[p+1]
			s20, s21 := alpha*a2[p], alpha*a2[p+1]
			s30, s31 := alpha*a3[p], alpha*a3[p+1]
			b0 := b[p*ldb : p*ldb+n]
			b1 := b[(p+1)*ldb : (p+1)*ldb+n]
			b1 = b1[:len(b0)]
			d0, d1, d2, d3 := d0[:len(b0)], d1[:len(b0)], d2[:len(b0)], d3[:len(b0)]
			for j, x0 := range b0 {
				x1 := b1[j]
				d0[j] += s00*x0 + s01*x1
				d1[j] += s10*x0 + s11*x1
				d2[j] += s20*x0 + s21*x1
				d3[j] += s30*x0 + s31*x1
			}
		}
		if p < k {
			s0, s1, s2, s3 := alpha*a0[p], alpha*a1[p], alpha*a2[p], alpha*a3[p]
			b0 := b[p*ldb : p*ldb+n]
			d0, d1, d2, d3 := d0[:len(b0)], d1[:len(b0)], d2[:len(b0)], d3[:len(b0)]
			for j, x := range b0 {
				d0[j] += s0 * x
				d1[j] += s1 * x
				d2[j] += s2 * x
				d3[j] += s3 * x
			}
		}
	}
	for ; i < m; i++ {
		d := dst[i*ldd : i*ldd+n]
		ar := a[i*lda : i*lda+k]
		p := 0
		for ; p+2 <= k; p += 2 {
			s0, s1 := alpha*ar[p], alpha*ar[p+1]
			b0 := b[p*ldb : p*ldb+n]
			b1 := b[(p+1)*ldb : (p+1)*ldb+n]
			b1, d := b1[:len(b0)], d[:len(b0)]
			for j, x0 := range b0 {
				d[j] += s0*x0 + s1*b1[j]
			}
		}
		if p < k {
			s := alpha * ar[p]
			b0 := b[p*ldb : p*ldb+n]
			d := d[:len(b0)]
			for j, x := range b0 {
				d[j] += s * x
			}
		}
	}
}

// eachBlock walks op(B) [k, n] in blocks of at most blockK rows and blockN columns, as the packing
// kernels multiply it: for each column block, the row blocks in order, each with the beta its product
// takes (the caller's for the first row block, which scales c, and 1 for the rest, which add to it).
func eachBlock(k, n, blockK, blockN int, beta float32, f func(p0, kb, j0, nb int, beta float32)) {
	for j0 := 0; j0 < n; j0 += blockN {
		nb := min(blockN, n-j0)
		bt := beta
		for p0 := 0; p0 < k; p0 += blockK {
			f(p0, min(blockK, k-p0), j0, nb, bt)
			bt = 1
		}
	}
}
