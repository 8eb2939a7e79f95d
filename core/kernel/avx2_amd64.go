//go:build amd64 && !purego

package kernel

import (
	"sync"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas"
)

// AVX2 is the implementation of Kernels for amd64 processors with AVX2 and FMA: the matrix product runs
// in an assembly micro-kernel (avx2_amd64.s) on panels of 16 columns of B, blocked as the SIMD kernels'
// are; GELU and softmax with their backward passes run in assembly too (elementwise_amd64.s), eight
// floats at a time, GELU and the exponential in the SIMD128 module's float32 arithmetic; LayerNorm is
// Go's. It is single-threaded, and safe for concurrent use: its only shared state is the pools of
// packing space.
type AVX2 struct{ Go }

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		Default = AVX2{}
	}
}

// Name implements Kernels.
func (AVX2) Name() string { return "avx2" }

// The micro-kernel computes a block of avx2MR rows and avx2NR columns of C (twelve of the sixteen YMM
// registers, which leaves two for a row of the panel and two for broadcasts of A) from a panel of
// avx2NR columns of op(B), k·avx2NR floats. The product runs on blocks of at most avx2BlockK rows and
// avx2BlockN columns of op(B), and avx2BlockM rows of A at a time: a panel of 256 rows (16 KiB) stays
// in the first-level cache while 96 rows of A meet it, those rows' 96×256 block (96 KiB) stays in the
// second-level cache while every panel meets it, and the space that Sgemm packs a block into (512 KiB)
// stays small even for a vocabulary projection's 50,257 columns.
const (
	avx2MR     = 6
	avx2NR     = 16
	avx2BlockM = 16 * avx2MR
	avx2BlockK = 256
	avx2BlockN = 512
)

// kernel6x16 computes c[0:6, 0:16] = alpha·A·panel + beta·c, for A [6, k] whose row r starts at ar and
// steps csA bytes a column, the panel b [k, 16] and c with a row stride of ldc bytes. With beta = 0, c
// is not read.
//
//go:noescape
func kernel6x16(k int, a0, a1, a2, a3, a4, a5 *float32, csA uintptr, b, c *float32, ldc uintptr, alpha, beta float32)

// avx2Blocks holds the space into which Sgemm packs a block of B.
var avx2Blocks = sync.Pool{New: func() any { return new([avx2BlockK * avx2BlockN]float32) }}

// Sgemm implements Kernels: each block of op(b) is packed once, then every row of A meets it.
func (AVX2) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if sgemmDegenerate(m, n, k, alpha, beta, c, ldc) {
		return
	}
	block := avx2Blocks.Get().(*[avx2BlockK * avx2BlockN]float32)
	eachBlock(k, n, avx2BlockK, avx2BlockN, beta, func(p0, kb, j0, nb int, beta float32) {
		packed := block[:kb*panelsWidth(nb)]
		packBlock(packed, tB, b, ldb, p0, kb, j0, nb)
		avx2Block(tA, m, p0, kb, j0, nb, alpha, a, lda, packed, beta, c, ldc)
	})
	avx2Blocks.Put(block)
}

// Pack implements Packer: one block for each avx2BlockK rows of op(b), holding all its panels side by
// side.
func (a AVX2) Pack(dst *Packed, tB blas.Transpose, k, n int, b []float32, ldb int) *Packed {
	checkOperand("b", tB, k, n, b, ldb)
	p := dst
	if !p.reusable(a.Name(), k, n) {
		p = &Packed{By: a.Name(), K: k, N: n}
	}
	for i, p0 := 0, 0; p0 < k; i, p0 = i+1, p0+avx2BlockK {
		kb := min(avx2BlockK, k-p0)
		if i == len(p.blocks) {
			p.blocks = append(p.blocks, make([]float32, kb*panelsWidth(n)))
		}
		packBlock(p.blocks[i], tB, b, ldb, p0, kb, 0, n)
	}
	return p
}

// SgemmPacked implements Packer, on the blocks of avx2BlockN columns that Sgemm packs.
func (a AVX2) SgemmPacked(tA blas.Transpose, m int, alpha float32, x []float32, lda int, bp *Packed, beta float32, c []float32, ldc int) {
	checkSgemmPacked(a.Name(), tA, m, x, lda, bp, c, ldc)
	n, k := bp.N, bp.K
	if sgemmDegenerate(m, n, k, alpha, beta, c, ldc) {
		return
	}
	eachBlock(k, n, avx2BlockK, avx2BlockN, beta, func(p0, kb, j0, nb int, beta float32) {
		packed := bp.blocks[p0/avx2BlockK][j0*kb : j0*kb+kb*panelsWidth(nb)]
		avx2Block(tA, m, p0, kb, j0, nb, alpha, x, lda, packed, beta, c, ldc)
	})
}

// panelsWidth is n rounded up to whole panels.
func panelsWidth(n int) int { return (n + avx2NR - 1) / avx2NR * avx2NR }

// packBlock lays out rows p0..p0+kb-1 and columns j0..j0+nb-1 of op(b) in dst as panels of avx2NR
// columns, each [kb, avx2NR] and padded with zeros beyond the block's last column. In assembly, a plain
// b is copied a row at a time into all the whole panels, which reads it in order, and a transposed b is
// transposed a panel at a time, eight by eight; a float at a time Go does the rest.
func packBlock(dst []float32, tB blas.Transpose, b []float32, ldb, p0, kb, j0, nb int) {
	rs, cs := ldb, 1 // op(b)[p, j] is b[p·rs + j·cs]
	if tB != blas.NoTrans {
		rs, cs = 1, ldb
	}
	whole := nb / avx2NR * avx2NR
	if tB == blas.NoTrans && whole > 0 {
		_ = dst[(whole-avx2NR)*kb+kb*avx2NR-1]
		for p := 0; p < kb; p++ {
			row := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+whole]
			scatterRow(whole/avx2NR, &row[0], &dst[p*avx2NR], uintptr(4*avx2NR*kb))
		}
	}
	for q := 0; q < nb; q += avx2NR {
		d, w, first := dst[q*kb:(q+avx2NR)*kb], min(avx2NR, nb-q), p0*rs+(j0+q)*cs
		switch {
		case w < avx2NR:
			packPanelScalar(d, b[first:], rs, cs, 0, w)
		case tB != blas.NoTrans:
			k8 := kb / 8
			_ = b[first+(avx2NR-1)*ldb+kb-1]
			if k8 > 0 {
				transposePanel(k8, &b[first], uintptr(4*ldb), &d[0])
			}
			packPanelScalar(d, b[first:], rs, cs, 8*k8, w)
		}
	}
}

// packPanelScalar writes rows from.. of the panel d [k, avx2NR] a float at a time: row p holds
// op(b)[p, 0:w], op(b)[p, j] = b[p·rs + j·cs], then zeros.
func packPanelScalar(d, b []float32, rs, cs, from, w int) {
	for p := from; p < len(d)/avx2NR; p++ {
		row := d[p*avx2NR : (p+1)*avx2NR]
		for j := range w {
			row[j] = b[p*rs+j*cs]
		}
		clear(row[w:])
	}
}

// scatterRow copies n16 runs of avx2NR floats from src to dst, dst + stride bytes, dst + 2·stride, ...:
// a row of a plain B into the same row of n16 panels.
//
//go:noescape
func scatterRow(n16 int, src, dst *float32, stride uintptr)

// transposePanel writes the panel dst [8·k8, avx2NR] whose column j is the first 8·k8 floats of row j of
// src, the rows ldb bytes apart.
//
//go:noescape
func transposePanel(k8 int, src *float32, ldb uintptr, dst *float32)

// avx2Block computes c[:, j0:j0+nb] = alpha·op(a)[:, p0:p0+kb]·B + beta·c[:, j0:j0+nb] for every row of
// c [m, ·], the block B of op(B) packed in panels, avx2BlockM rows at a time. A plain a is read in
// place; a transposed one, whose columns would be rows far apart in memory, is packed first.
func avx2Block(tA blas.Transpose, m, p0, kb, j0, nb int, alpha float32, a []float32, lda int, packed []float32, beta float32, c []float32, ldc int) {
	var ap *[avx2BlockM * avx2BlockK]float32
	if tA != blas.NoTrans {
		ap = avx2APanels.Get().(*[avx2BlockM * avx2BlockK]float32)
		defer avx2APanels.Put(ap)
	}
	for i0 := 0; i0 < m; i0 += avx2BlockM {
		rows := min(avx2BlockM, m-i0)
		var ab rowBlocks
		if ap != nil {
			packA(ap[:], a, lda, i0, rows, p0, kb)
			ab = rowBlocks{ap[:], avx2MR * kb, 1, avx2MR}
		} else {
			ab = rowBlocks{a[i0*lda+p0:], avx2MR * lda, lda, 1}
		}
		for q := 0; q < nb; q += avx2NR {
			avx2Panel(rows, min(avx2NR, nb-q), kb, j0+q, alpha, ab, packed[q*kb:(q+avx2NR)*kb], beta, c[i0*ldc:], ldc)
		}
	}
}

// avx2APanels holds the space into which avx2Block packs a transposed A.
var avx2APanels = sync.Pool{New: func() any { return new([avx2BlockM * avx2BlockK]float32) }}

// rowBlocks says where the rows of A lie, avx2MR at a time: A[ib·avx2MR + i, p] is a[ib·bs + i·rs + p·cs].
type rowBlocks struct {
	a          []float32
	bs, rs, cs int
}

// packA lays out op(a)[i0:i0+rows, p0:p0+kb], a transposed, as rowBlocks{dst, avx2MR·kb, 1, avx2MR}:
// each avx2MR rows side by side, a column at a time.
func packA(dst []float32, a []float32, lda, i0, rows, p0, kb int) {
	for p := 0; p < kb; p++ {
		col := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+rows] // op(a)[i0:i0+rows, p0+p]
		for ib := 0; ib*avx2MR < rows; ib++ {
			copy(dst[ib*avx2MR*kb+p*avx2MR:ib*avx2MR*kb+(p+1)*avx2MR], col[ib*avx2MR:])
		}
	}
}

// avx2Panel computes c[:, j0:j0+w] = alpha·A·panel + beta·c[:, j0:j0+w] for every row of c [m, ·] and
// A [m, kb], avx2MR rows at a time, the panel holding w <= avx2NR columns of op(B). A block that runs
// past the last row or column of c goes to a tile on the stack, its last row of A repeated, and only
// its part inside c is written back.
func avx2Panel(m, w, kb, j0 int, alpha float32, a rowBlocks, panel []float32, beta float32, c []float32, ldc int) {
	csA := uintptr(4 * a.cs)
	for i0 := 0; i0 < m; i0 += avx2MR {
		r, first := min(avx2MR, m-i0), i0/avx2MR*a.bs
		var ar [avx2MR]*float32
		for i := range ar {
			ar[i] = &a.a[first+min(i, r-1)*a.rs]
		}
		if r == avx2MR && w == avx2NR {
			kernel6x16(kb, ar[0], ar[1], ar[2], ar[3], ar[4], ar[5], csA, &panel[0], &c[i0*ldc+j0], uintptr(4*ldc), alpha, beta)
			continue
		}
		var tile [avx2MR * avx2NR]float32
		kernel6x16(kb, ar[0], ar[1], ar[2], ar[3], ar[4], ar[5], csA, &panel[0], &tile[0], 4*avx2NR, alpha, 0)
		for i := 0; i < r; i++ {
			dst, src := c[(i0+i)*ldc+j0:(i0+i)*ldc+j0+w], tile[i*avx2NR:i*avx2NR+w]
			if beta == 0 {
				copy(dst, src)
				continue
			}
			for j, v := range src {
				dst[j] = v + beta*dst[j]
			}
		}
	}
}
