//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 micro-kernel (see avx2_amd64.go): a 6×16 block of C held in twelve YMM accumulators, Y0-Y11
// (row r in Y(2r) and Y(2r+1)). Each step of k loads one row of the packed panel of B (16 floats, Y12
// and Y13), broadcasts each of the six entries of A's column into Y14 or Y15 (alternating, so that a
// broadcast need not wait for the multiply-adds of the one before) and does twelve fused
// multiply-adds. The six rows of A are six pointers that share one byte offset, R14, which moves by
// csA a step: any row and column strides of A serve, so A read in place or packed, and an edge block
// repeats the pointer of its last row.

// ROW multiplies the panel's row (Y12, Y13) by A's entry at (ar)(R14*1), broadcast into bc, and adds
// the product to the accumulators lo and hi.
#define ROW(ar, bc, lo, hi) \
	VBROADCASTSS (ar)(R14*1), bc; \
	VFMADD231PS  Y12, bc, lo;     \
	VFMADD231PS  Y13, bc, hi

// STEP does one step of k on the panel's row at off(SI).
#define STEP(off) \
	VMOVUPS off(SI), Y12;        \
	VMOVUPS off+32(SI), Y13;     \
	ROW(R8, Y14, Y0, Y1);        \
	ROW(R9, Y15, Y2, Y3);        \
	ROW(R10, Y14, Y4, Y5);       \
	ROW(R11, Y15, Y6, Y7);       \
	ROW(R12, Y14, Y8, Y9);       \
	ROW(R13, Y15, Y10, Y11);     \
	ADDQ    DX, R14

// ADDBETA adds beta (Y15) times the row of C at (DI) to the accumulators lo and hi, and moves DI to the
// next row.
#define ADDBETA(lo, hi) \
	VFMADD231PS (DI), Y15, lo; \
	VFMADD231PS 32(DI), Y15, hi; \
	ADDQ        AX, DI

// STORE writes the accumulators lo and hi to the row of C at (DI) and moves DI to the next row.
#define STORE(lo, hi) \
	VMOVUPS lo, (DI); \
	VMOVUPS hi, 32(DI); \
	ADDQ    AX, DI

// func kernel6x16(k int, a0, a1, a2, a3, a4, a5 *float32, csA uintptr, b, c *float32, ldc uintptr, alpha, beta float32)
TEXT ·kernel6x16(SB), NOSPLIT, $0-96
	MOVQ k+0(FP), CX
	MOVQ a0+8(FP), R8
	MOVQ a1+16(FP), R9
	MOVQ a2+24(FP), R10
	MOVQ a3+32(FP), R11
	MOVQ a4+40(FP), R12
	MOVQ a5+48(FP), R13
	MOVQ csA+56(FP), DX
	MOVQ b+64(FP), SI
	XORQ R14, R14

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

loop4:
	CMPQ CX, $4
	JLT  tail
	STEP(0)
	STEP(64)
	STEP(128)
	STEP(192)
	ADDQ $256, SI
	SUBQ $4, CX
	JMP  loop4

tail:
	TESTQ CX, CX
	JZ    scale
	STEP(0)
	ADDQ  $64, SI
	DECQ  CX
	JMP   tail

scale:
	VBROADCASTSS alpha+88(FP), Y14
	VMULPS       Y14, Y0, Y0
	VMULPS       Y14, Y1, Y1
	VMULPS       Y14, Y2, Y2
	VMULPS       Y14, Y3, Y3
	VMULPS       Y14, Y4, Y4
	VMULPS       Y14, Y5, Y5
	VMULPS       Y14, Y6, Y6
	VMULPS       Y14, Y7, Y7
	VMULPS       Y14, Y8, Y8
	VMULPS       Y14, Y9, Y9
	VMULPS       Y14, Y10, Y10
	VMULPS       Y14, Y11, Y11

	MOVQ c+72(FP), DI
	MOVQ ldc+80(FP), AX

	// beta = 0 (or -0) overwrites C without reading it, so that NaNs there do not survive.
	MOVL beta+92(FP), BX
	ANDL $0x7fffffff, BX
	JZ   store
	VBROADCASTSS beta+92(FP), Y15
	ADDBETA(Y0, Y1)
	ADDBETA(Y2, Y3)
	ADDBETA(Y4, Y5)
	ADDBETA(Y6, Y7)
	ADDBETA(Y8, Y9)
	ADDBETA(Y10, Y11)
	MOVQ c+72(FP), DI

store:
	STORE(Y0, Y1)
	STORE(Y2, Y3)
	STORE(Y4, Y5)
	STORE(Y6, Y7)
	STORE(Y8, Y9)
	STORE(Y10, Y11)
	VZEROUPPER
	RET

// func scatterRow(n16 int, src *float32, dst *float32, stride uintptr)
//
// scatterRow copies n16 runs of 16 floats from src to dst, dst + stride, dst + 2·stride, ...: a row of
// a plain B into the same row of n16 panels.
TEXT ·scatterRow(SB), NOSPLIT, $0-32
	MOVQ n16+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ dst+16(FP), DI
	MOVQ stride+24(FP), BX

scatter:
	TESTQ   CX, CX
	JZ      scattered
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    BX, DI
	DECQ    CX
	JMP     scatter

scattered:
	VZEROUPPER
	RET

// TRANSPOSE8 transposes the 8×8 block of rows Y0-Y7 into columns Y8-Y15 (column c in Y(8+c)),
// clobbering Y0-Y7.
#define TRANSPOSE8 \
	VUNPCKLPS  Y1, Y0, Y8;        \
	VUNPCKHPS  Y1, Y0, Y9;        \
	VUNPCKLPS  Y3, Y2, Y10;       \
	VUNPCKHPS  Y3, Y2, Y11;       \
	VUNPCKLPS  Y5, Y4, Y12;       \
	VUNPCKHPS  Y5, Y4, Y13;       \
	VUNPCKLPS  Y7, Y6, Y14;       \
	VUNPCKHPS  Y7, Y6, Y15;       \
	VSHUFPS    $0x44, Y10, Y8, Y0; \
	VSHUFPS    $0xEE, Y10, Y8, Y1; \
	VSHUFPS    $0x44, Y11, Y9, Y2; \
	VSHUFPS    $0xEE, Y11, Y9, Y3; \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xEE, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15

// LOAD8 loads 8 floats from each of the rows at (lo), lo+ldb, lo+2ldb, lo+3ldb and (hi) .. hi+3ldb,
// ldb in BX and 3ldb in DX, into Y0-Y7.
#define LOAD8(lo, hi) \
	VMOVUPS (lo), Y0;        \
	VMOVUPS (lo)(BX*1), Y1;  \
	VMOVUPS (lo)(BX*2), Y2;  \
	VMOVUPS (lo)(DX*1), Y3;  \
	VMOVUPS (hi), Y4;        \
	VMOVUPS (hi)(BX*1), Y5;  \
	VMOVUPS (hi)(BX*2), Y6;  \
	VMOVUPS (hi)(DX*1), Y7

// STORE8 writes the columns Y8-Y15 to eight rows of the panel at off(DI), 64 bytes apart.
#define STORE8(off) \
	VMOVUPS Y8, off(DI);      \
	VMOVUPS Y9, off+64(DI);   \
	VMOVUPS Y10, off+128(DI); \
	VMOVUPS Y11, off+192(DI); \
	VMOVUPS Y12, off+256(DI); \
	VMOVUPS Y13, off+320(DI); \
	VMOVUPS Y14, off+384(DI); \
	VMOVUPS Y15, off+448(DI)

// func transposePanel(k8 int, src *float32, ldb uintptr, dst *float32)
//
// transposePanel writes the panel dst [8·k8, 16] whose column j is the first 8·k8 floats of row j of
// src, the rows ldb bytes apart: eight rows and eight columns at a time.
TEXT ·transposePanel(SB), NOSPLIT, $0-32
	MOVQ k8+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ldb+16(FP), BX
	MOVQ dst+24(FP), DI
	LEAQ (BX)(BX*2), DX  // 3·ldb
	LEAQ (SI)(BX*4), R8  // row 4
	LEAQ (R8)(BX*4), R9  // row 8
	LEAQ (R9)(BX*4), R10 // row 12

transpose:
	TESTQ CX, CX
	JZ    transposed
	LOAD8(SI, R8)
	TRANSPOSE8
	STORE8(0)
	LOAD8(R9, R10)
	TRANSPOSE8
	STORE8(32)
	ADDQ  $32, SI
	ADDQ  $32, R8
	ADDQ  $32, R9
	ADDQ  $32, R10
	ADDQ  $512, DI
	DECQ  CX
	JMP   transpose

transposed:
	VZEROUPPER
	RET

