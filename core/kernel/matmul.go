package kernel

// MatMul adds a·b to dst: dst[m,n] += a[m,k] · b[k,n].
func (Go) MatMul(dst, a, b []float32, m, k, n int) {
	checkSizes("MatMul", dst, a, b, m, k, n)
	gemm(dst, n, a, k, b, n, m, k, n)
}

// transBPanel is how many rows of b MatMulTransB transposes at a time: a k×transBPanel block of bᵀ
// (192 KiB for k = 768) stays in cache while gemm streams it against every row of a.
const transBPanel = 64

// MatMulTransB adds a·bᵀ to dst: dst[m,n] += a[m,k] · b[n,k]ᵀ.
//
// It transposes b a panel of rows at a time and runs the same loop as MatMul on the panel. The
// transposition costs k·n, nothing next to the m·k·n of the product, and keeps one fast inner loop: a
// dot-product loop over rows of b runs at half its speed in WebAssembly.
func (Go) MatMulTransB(dst, a, b []float32, m, k, n int) {
	checkSizes("MatMulTransB", dst, a, b, m, k, n)
	panel := make([]float32, k*min(n, transBPanel))
	for j0 := 0; j0 < n; j0 += transBPanel {
		w := min(transBPanel, n-j0)
		for j := 0; j < w; j++ {
			row := b[(j0+j)*k : (j0+j+1)*k]
			for p, v := range row {
				panel[p*w+j] = v
			}
		}
		gemm(dst[j0:], n, a, k, panel, w, m, k, w)
	}
}

// transAPanel is how many columns of a MatMulTransA transposes at a time: a transAPanel×k block of aᵀ
// (256 KiB for k = 1024 tokens) stays in cache while gemm streams b against it.
const transAPanel = 64

// MatMulTransA adds aᵀ·b to dst: dst[m,n] += a[k,m]ᵀ · b[k,n].
//
// Like MatMulTransB it transposes a panel at a time, here transAPanel columns of a into rows, and runs
// gemm on the panel, so that every product shares one fast inner loop.
func (Go) MatMulTransA(dst, a, b []float32, m, k, n int) {
	checkSizes("MatMulTransA", dst, a, b, m, k, n)
	panel := make([]float32, min(m, transAPanel)*k)
	for i0 := 0; i0 < m; i0 += transAPanel {
		w := min(transAPanel, m-i0)
		for p := 0; p < k; p++ {
			row := a[p*m+i0 : p*m+i0+w]
			for i, v := range row {
				panel[i*k+p] = v
			}
		}
		gemm(dst[i0*n:], n, panel, k, b, n, w, k, n)
	}
}

func checkSizes(op string, dst, a, b []float32, m, k, n int) {
	if m < 0 || k < 0 || n < 0 || len(dst) < m*n || len(a) < m*k || len(b) < k*n {
		panic("kernel: " + op + ": slices too short for the dimensions")
	}
}

// gemm adds a·b to dst for strided matrices: dst[i*ldd+j] += Σ_p a[i*lda+p] · b[p*ldb+j], i < m, j < n,
// p < k.
//
// It walks four rows of a and two rows of b at a time: each pass over a row of dst then does 16 flops
// for 2 loads of b and 4 loads and stores of dst, which is what pays in WebAssembly, where every loop
// iteration has a high fixed cost and there are no vector registers.
func gemm(dst []float32, ldd int, a []float32, lda int, b []float32, ldb int, m, k, n int) {
	if n == 0 {
		return
	}
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
			s00, s01 := a0[p], a0[p+1]
			s10, s11 := a1[p], a1[p+1]
			s20, s21 := a2[p], a2[p+1]
			s30, s31 := a3[p], a3[p+1]
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
			s0, s1, s2, s3 := a0[p], a1[p], a2[p], a3[p]
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
			s0, s1 := ar[p], ar[p+1]
			b0 := b[p*ldb : p*ldb+n]
			b1 := b[(p+1)*ldb : (p+1)*ldb+n]
			b1, d := b1[:len(b0)], d[:len(b0)]
			for j, x0 := range b0 {
				d[j] += s0*x0 + s1*b1[j]
			}
		}
		if p < k {
			s := ar[p]
			b0 := b[p*ldb : p*ldb+n]
			d := d[:len(b0)]
			for j, x := range b0 {
				d[j] += s * x
			}
		}
	}
}
