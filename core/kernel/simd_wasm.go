//go:build js && wasm && !purego

package kernel

import (
	"sync"
	"unsafe"

	"gonum.org/v1/gonum/blas"
)

// The SIMD128 kernel module's functions (see ./simdgen), which the host forwards from the import module
// "bertology_kernels" to the kernel instance that shares Go's memory. A host that has no kernel module
// still provides these imports, with version returning 0 (public/kernels.js does both), and Default
// stays Go. Pointers pass as i32 addresses into Go's linear memory; strides are in bytes.

//go:wasmimport bertology_kernels version
func simdVersion() int32

//go:wasmimport bertology_kernels pack
func simdPack(dst, b unsafe.Pointer, rsB, csB, k, n int32)

//go:wasmimport bertology_kernels gemmPacked
func simdGemmPacked(m, n, k int32, alpha float32, a unsafe.Pointer, rsA, csA int32, ap, bp unsafe.Pointer, beta float32, c unsafe.Pointer, ldc int32)

//go:wasmimport bertology_kernels softmax
func simdSoftmax(x unsafe.Pointer, rows, cols int32)

//go:wasmimport bertology_kernels layernorm
func simdLayerNorm(dst, mean, rstd, x, gamma, beta unsafe.Pointer, rows, cols int32, eps float64)

//go:wasmimport bertology_kernels gelu
func simdGELU(dst, x unsafe.Pointer, n, tanh int32)

//go:wasmimport bertology_kernels geluBackward
func simdGELUBackward(dy, x unsafe.Pointer, n, tanh int32)

// SIMD is the implementation of Kernels that runs in the SIMD128 kernel module: the matrix product,
// softmax, LayerNorm and GELU with its backward pass. The backward passes of softmax and LayerNorm, a
// few percent of a gradient pass, are Go's.
type SIMD struct {
	Go
	relaxed bool // the module was built with relaxed SIMD's fused multiply-add
}

func init() {
	switch simdVersion() { // simdgen's abi·10 + build; a module of another abi is not used
	case 21:
		Default = SIMD{}
	case 22:
		Default = SIMD{relaxed: true}
	}
}

// Name implements Kernels.
func (s SIMD) Name() string {
	if s.relaxed {
		return "relaxed-simd"
	}
	return "simd128"
}

// The product runs on blocks of op(B) of at most blockK rows and blockN columns, each packed into panels
// of 8 columns (k·8 floats each) that the module's gemmPacked streams: a panel of 512 rows (16 KiB)
// stays in the first-level cache while every row of A meets it, and the packing space stays small even
// for a vocabulary projection's 50,257 columns.
const (
	blockK = 512
	blockN = 2048
)

// packedSize is the floats that a block of k rows and n columns takes packed.
func packedSize(k, n int) int { return k * 8 * ((n + 7) / 8) }

// simdMR is the rows of A that the module's micro-kernel takes at a time (simdgen's mr).
const simdMR = 4

// packedASize is the floats that gemmPacked packs m rows of A over k columns into: blocks of simdMR rows.
func packedASize(m, k int) int { return (m + simdMR - 1) / simdMR * simdMR * k }

// packedB and packedA hold the space into which Sgemm packs a block of B, and gemmPacked the rows of A.
var packedB, packedA sync.Pool

// space returns a slice of at least n floats from pool, to give back with pool.Put.
func space(pool *sync.Pool, n int) *[]float32 {
	buf, _ := pool.Get().(*[]float32)
	if buf == nil || cap(*buf) < n {
		b := make([]float32, n)
		buf = &b
	}
	return buf
}

// operands are the byte strides of a and b that the module takes: A[i,p] at a + i·rsA + p·csA, B[p,j]
// at b + p·rsB + j·csB.
func operands(tA, tB blas.Transpose, lda, ldb int) (rsA, csA, rsB, csB int) {
	rsA, csA = 4*lda, 4
	if tA != blas.NoTrans {
		rsA, csA = 4, 4*lda
	}
	rsB, csB = 4*ldb, 4
	if tB != blas.NoTrans {
		rsB, csB = 4, 4*ldb
	}
	return
}

// Sgemm implements Kernels.
func (s SIMD) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if sgemmDegenerate(m, n, k, alpha, beta, c, ldc) {
		return
	}
	rsA, csA, rsB, csB := operands(tA, tB, lda, ldb)
	bBuf, aBuf := space(&packedB, packedSize(min(k, blockK), min(n, blockN))), space(&packedA, packedASize(m, min(k, blockK)))
	pb, pa := unsafe.Pointer(&(*bBuf)[:1][0]), unsafe.Pointer(&(*aBuf)[:1][0])
	eachBlock(k, n, blockK, blockN, beta, func(p0, kb, j0, nb int, beta float32) {
		simdPack(pb, unsafe.Pointer(&b[p0*rsB/4+j0*csB/4]), int32(rsB), int32(csB), int32(kb), int32(nb))
		simdGemmPacked(int32(m), int32(nb), int32(kb), alpha, unsafe.Pointer(&a[p0*csA/4]), int32(rsA), int32(csA),
			pa, pb, beta, unsafe.Pointer(&c[j0]), int32(4*ldc))
	})
	packedB.Put(bBuf)
	packedA.Put(aBuf)
}

// Pack implements Packer: the blocks of op(b), in the order SgemmPacked multiplies them.
func (s SIMD) Pack(dst *Packed, tB blas.Transpose, k, n int, b []float32, ldb int) *Packed {
	checkOperand("b", tB, k, n, b, ldb)
	p := dst
	if !p.reusable(s.Name(), k, n) {
		p = &Packed{By: s.Name(), K: k, N: n}
	}
	_, _, rsB, csB := operands(blas.NoTrans, tB, 1, ldb)
	i := 0
	eachBlock(k, n, blockK, blockN, 1, func(p0, kb, j0, nb int, _ float32) {
		if i == len(p.blocks) {
			p.blocks = append(p.blocks, make([]float32, packedSize(kb, nb)))
		}
		simdPack(unsafe.Pointer(&p.blocks[i][0]), unsafe.Pointer(&b[p0*rsB/4+j0*csB/4]), int32(rsB), int32(csB), int32(kb), int32(nb))
		i++
	})
	return p
}

// SgemmPacked implements Packer.
func (s SIMD) SgemmPacked(tA blas.Transpose, m int, alpha float32, a []float32, lda int, bp *Packed, beta float32, c []float32, ldc int) {
	checkSgemmPacked(s.Name(), tA, m, a, lda, bp, c, ldc)
	n, k := bp.N, bp.K
	if sgemmDegenerate(m, n, k, alpha, beta, c, ldc) {
		return
	}
	rsA, csA, _, _ := operands(tA, blas.NoTrans, lda, 1)
	aBuf := space(&packedA, packedASize(m, min(k, blockK)))
	pa := unsafe.Pointer(&(*aBuf)[:1][0])
	i := 0 // Pack laid the blocks out in the order eachBlock walks them
	eachBlock(k, n, blockK, blockN, beta, func(p0, kb, j0, nb int, beta float32) {
		simdGemmPacked(int32(m), int32(nb), int32(kb), alpha, unsafe.Pointer(&a[p0*csA/4]), int32(rsA), int32(csA),
			pa, unsafe.Pointer(&bp.blocks[i][0]), beta, unsafe.Pointer(&c[j0]), int32(4*ldc))
		i++
	})
	packedA.Put(aBuf)
}

// Softmax implements Kernels. Exponentials and sums are in float32 (Go's kernel takes them in float64):
// the probabilities differ by a few float32 ulps.
func (SIMD) Softmax(x []float32, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_ = x[rows*cols-1]
	simdSoftmax(unsafe.Pointer(&x[0]), int32(rows), int32(cols))
}

// LayerNorm implements Kernels, in float64 as Go's.
func (SIMD) LayerNorm(dst, mean, rstd, x, gamma, beta []float32, rows, cols int, eps float64) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_, _, _, _ = x[rows*cols-1], dst[rows*cols-1], gamma[cols-1], beta[cols-1]
	var pm, pr unsafe.Pointer
	if mean != nil {
		_ = mean[rows-1]
		pm = unsafe.Pointer(&mean[0])
	}
	if rstd != nil {
		_ = rstd[rows-1]
		pr = unsafe.Pointer(&rstd[0])
	}
	simdLayerNorm(unsafe.Pointer(&dst[0]), pm, pr, unsafe.Pointer(&x[0]), unsafe.Pointer(&gamma[0]), unsafe.Pointer(&beta[0]), int32(rows), int32(cols), eps)
}

// GELU implements Kernels, in float32 with a polynomial erf (absolute error 1.5e-7).
func (SIMD) GELU(dst, x []float32, tanh bool) {
	if len(x) == 0 {
		return
	}
	_ = dst[len(x)-1]
	simdGELU(unsafe.Pointer(&dst[0]), unsafe.Pointer(&x[0]), int32(len(x)), boolInt(tanh))
}

// GELUBackward implements Kernels, with GELU's polynomials.
func (SIMD) GELUBackward(dy, x []float32, tanh bool) {
	if len(x) == 0 {
		return
	}
	_ = dy[len(x)-1]
	simdGELUBackward(unsafe.Pointer(&dy[0]), unsafe.Pointer(&x[0]), int32(len(x)), boolInt(tanh))
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
