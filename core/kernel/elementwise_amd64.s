//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 elementwise kernels (see elementwise_amd64.go): GELU and softmax with their backward
// passes, eight floats to a YMM register. GELU and the exponential do the float32 arithmetic of the
// SIMD128 module's (core/kernel/simdgen: expFunc, gelu), operation for operation and constant for
// constant, with separate multiplies and adds where it has them, so that the two vector paths give the
// same bits. No fused multiply-add for that reason: it rounds once where the module rounds twice.
// Softmax sums eight lanes where the module sums four, so its probabilities can differ from the
// module's by an ulp or two; its backward pass, which the module leaves to Go, is in float64 as Go's.
//
// The clamps keep the bound in a register and pass the value as the first operand of VMINPS and VMAXPS
// (Intel's second source), which is what they return when either is a NaN: a NaN stays NaN, as
// WebAssembly's min and max keep it.

// SPLAT8 defines name as 32 bytes holding the float32 whose bits are bits eight times: a constant that
// an arithmetic instruction reads as its memory operand.
#define SPLAT8(name, bits)          \
	DATA  name+0(SB)/4, $bits;  \
	DATA  name+4(SB)/4, $bits;  \
	DATA  name+8(SB)/4, $bits;  \
	DATA  name+12(SB)/4, $bits; \
	DATA  name+16(SB)/4, $bits; \
	DATA  name+20(SB)/4, $bits; \
	DATA  name+24(SB)/4, $bits; \
	DATA  name+28(SB)/4, $bits; \
	GLOBL name(SB), RODATA|NOPTR, $32

SPLAT8(one<>, 0x3f800000)          // 1
SPLAT8(two<>, 0x40000000)          // 2
SPLAT8(half<>, 0x3f000000)         // 0.5
SPLAT8(signBit<>, 0x80000000)      // -0: the sign bit alone
SPLAT8(absMask<>, 0x7fffffff)      // every bit but the sign

// e^x
SPLAT8(expMax<>, 0x42b00000)       // 88
SPLAT8(expMin<>, 0xc2ae999a)       // -87.3, below which e^x is 0
SPLAT8(expLog2e<>, 0x3fb8aa3b)     // 1.44269504088896341
SPLAT8(expRound<>, 0x4b400000)     // 12582912 = 1.5·2^23
SPLAT8(expLn2Hi<>, 0x3f318000)     // 0.693359375
SPLAT8(expLn2Lo<>, 0xb95e8083)     // -2.12194440e-4
SPLAT8(expP0<>, 0x39506967)        // 1.9875691500e-4
SPLAT8(expP1<>, 0x3ab743ce)        // 1.3981999507e-3
SPLAT8(expP2<>, 0x3c088908)        // 8.3334519073e-3
SPLAT8(expP3<>, 0x3d2aa9c1)        // 4.1665795894e-2
SPLAT8(expP4<>, 0x3e2aaaaa)        // 1.6666665459e-1
SPLAT8(expP5<>, 0x3f000000)        // 5.0000001201e-1
SPLAT8(expBias<>, 0x4b3fff81)      // 0x4B400000 - 127: expRound's bits less the exponent bias

// GELU
SPLAT8(geluSqrt2OverPi<>, 0x3f4c422a) // 0.7978845608 = √(2/π)
SPLAT8(geluCubic<>, 0x3d372713)       // 0.044715
SPLAT8(geluCubic3<>, 0x3e095d4f)      // 0.134145 = 3·0.044715
SPLAT8(geluTanhMax<>, 0x41a00000)     // 20
SPLAT8(geluTanhMin<>, 0xc1a00000)     // -20
SPLAT8(geluInvSqrt2<>, 0x3f3504f3)    // 0.70710678 = 1/√2
SPLAT8(geluInvSqrt2Pi<>, 0x3ecc422a)  // 0.39894228 = 1/√(2π)
SPLAT8(erfP<>, 0x3ea7ba05)            // 0.3275911
SPLAT8(erfA5<>, 0x3f87dc22)           // 1.061405429
SPLAT8(erfA4<>, 0xbfba00e3)           // -1.453152027
SPLAT8(erfA3<>, 0x3fb5f0e3)           // 1.421413741
SPLAT8(erfA2<>, 0xbe91a98e)           // -0.284496736
SPLAT8(erfA1<>, 0x3e827906)           // 0.254829592

// EXP sets Y0 to e^Y0, lane by lane: Cephes' expf as the module's $exp. x = n·ln2 + r, n rounded to
// the nearest integer by adding 1.5·2^23 (which leaves n in the low mantissa bits of t); ln2 in two
// parts so that r is exact; a degree-5 polynomial in r; then 2^n built in the exponent bits of t.
// Below -87.3 the result is exactly 0, as torch's exp underflows for a masked score.
//
// It needs 1 in Y15, 88 in Y14 and -87.3 in Y13, and clobbers Y1-Y6: Y1 the lanes below -87.3 (a NaN
// is not), Y2 t and then 2^n, Y3 n, Y4 r, Y5 the polynomial, Y6 r².
#define EXP                             \
	VCMPPS  $1, Y13, Y0, Y1;        \
	VMINPS  Y0, Y14, Y0;            \
	VMAXPS  Y0, Y13, Y0;            \
	VMULPS  expLog2e<>(SB), Y0, Y2; \
	VADDPS  expRound<>(SB), Y2, Y2; \
	VSUBPS  expRound<>(SB), Y2, Y3; \
	VMULPS  expLn2Hi<>(SB), Y3, Y4; \
	VSUBPS  Y4, Y0, Y4;             \
	VMULPS  expLn2Lo<>(SB), Y3, Y5; \
	VSUBPS  Y5, Y4, Y4;             \
	VMULPS  expP0<>(SB), Y4, Y5;    \
	VADDPS  expP1<>(SB), Y5, Y5;    \
	VMULPS  Y4, Y5, Y5;             \
	VADDPS  expP2<>(SB), Y5, Y5;    \
	VMULPS  Y4, Y5, Y5;             \
	VADDPS  expP3<>(SB), Y5, Y5;    \
	VMULPS  Y4, Y5, Y5;             \
	VADDPS  expP4<>(SB), Y5, Y5;    \
	VMULPS  Y4, Y5, Y5;             \
	VADDPS  expP5<>(SB), Y5, Y5;    \
	VMULPS  Y4, Y4, Y6;             \
	VMULPS  Y6, Y5, Y5;             \
	VADDPS  Y4, Y5, Y5;             \
	VADDPS  Y15, Y5, Y5;            \
	VPSUBD  expBias<>(SB), Y2, Y2;  \
	VPSLLD  $23, Y2, Y2;            \
	VMULPS  Y2, Y5, Y5;             \
	VANDNPS Y5, Y1, Y0

// EXPCONSTS loads the constants that EXP keeps in registers.
#define EXPCONSTS                  \
	VMOVUPS one<>(SB), Y15;    \
	VMOVUPS expMax<>(SB), Y14; \
	VMOVUPS expMin<>(SB), Y13

// TANHU sets Y0 to 1 + tanh(u), u = √(2/π)·(x + 0.044715·x³) of x in Y7 clamped to ±20 (where
// float32's tanh is ±1 exactly, so that 1 - tanh² is 0 there), and Y9 to tanh(u), through
// tanh(u) = 1 - 2/(e^2u + 1). It needs EXP's registers, 20 in Y12, -20 in Y11 and 2 in Y10, and
// clobbers Y1-Y6 and Y8.
#define TANHU                                 \
	VMULPS Y7, Y7, Y8;                    \
	VMULPS Y7, Y8, Y8;                    \
	VMULPS geluCubic<>(SB), Y8, Y8;       \
	VADDPS Y7, Y8, Y8;                    \
	VMULPS geluSqrt2OverPi<>(SB), Y8, Y8; \
	VMINPS Y8, Y12, Y8;                   \
	VMAXPS Y8, Y11, Y8;                   \
	VADDPS Y8, Y8, Y0;                    \
	EXP;                                  \
	VADDPS Y15, Y0, Y0;                   \
	VDIVPS Y0, Y10, Y0;                   \
	VSUBPS Y0, Y15, Y9;                   \
	VADDPS Y15, Y9, Y0

// ERF sets Y1 to 1 + erf(x/√2) and Y0 to e^(-x²/2), for x in Y7: Abramowitz and Stegun's 7.1.26,
// erf(a) = 1 - (a1·t + … + a5·t⁵)·e^(-a²), t = 1/(1 + p·a), on a = |x|/√2, then the sign of x (a
// compare, as the module's: -0 counts as positive). It needs EXP's registers, and clobbers Y2-Y6 and
// Y8-Y10.
#define ERF                                \
	VANDPS absMask<>(SB), Y7, Y8;      \
	VMULPS geluInvSqrt2<>(SB), Y8, Y8; \
	VMULPS erfP<>(SB), Y8, Y9;         \
	VADDPS Y15, Y9, Y9;                \
	VDIVPS Y9, Y15, Y9;                \
	VMULPS erfA5<>(SB), Y9, Y10;       \
	VADDPS erfA4<>(SB), Y10, Y10;      \
	VMULPS Y9, Y10, Y10;               \
	VADDPS erfA3<>(SB), Y10, Y10;      \
	VMULPS Y9, Y10, Y10;               \
	VADDPS erfA2<>(SB), Y10, Y10;      \
	VMULPS Y9, Y10, Y10;               \
	VADDPS erfA1<>(SB), Y10, Y10;      \
	VMULPS Y8, Y8, Y0;                 \
	VXORPS signBit<>(SB), Y0, Y0;      \
	EXP;                               \
	VMULPS Y9, Y10, Y1;                \
	VMULPS Y0, Y1, Y1;                 \
	VSUBPS Y1, Y15, Y1;                \
	VXORPS Y2, Y2, Y2;                 \
	VCMPPS $1, Y2, Y7, Y2;             \
	VANDPS signBit<>(SB), Y2, Y2;      \
	VXORPS Y2, Y1, Y1;                 \
	VADDPS Y15, Y1, Y1

// func geluAVX2(dst, x *float32, n8 int, tanh bool)
//
// geluAVX2 writes gelu(x) to dst for 8·n8 floats: 0.5·x·(1 + erf(x/√2)), or with tanh set
// 0.5·x·(1 + tanh(u)). dst may be x.
//
// Registers: DI dst, SI x, CX the vectors left; Y7 x; Y0 the result; Y10-Y15 constants (EXP, TANHU).
TEXT ·geluAVX2(SB), NOSPLIT, $0-25
	MOVQ    dst+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n8+16(FP), CX
	EXPCONSTS
	MOVBLZX tanh+24(FP), AX
	TESTQ   AX, AX
	JZ      erf
	VMOVUPS geluTanhMax<>(SB), Y12
	VMOVUPS geluTanhMin<>(SB), Y11
	VMOVUPS two<>(SB), Y10

tanh:
	TESTQ   CX, CX
	JZ      done
	VMOVUPS (SI), Y7
	TANHU
	VMULPS  half<>(SB), Y7, Y1
	VMULPS  Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     tanh

erf:
	TESTQ   CX, CX
	JZ      done
	VMOVUPS (SI), Y7
	ERF
	VMULPS  half<>(SB), Y7, Y0
	VMULPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     erf

done:
	VZEROUPPER
	RET

// func geluBackwardAVX2(dy, x *float32, n8 int, tanh bool)
//
// geluBackwardAVX2 multiplies dy by GELU's derivative at x for 8·n8 floats, in place: Φ(x) + x·φ(x) =
// 0.5·(1 + erf(x/√2)) + x·e^(-x²/2)/√(2π), reusing ERF's exponential, or with tanh set
// 0.5·(1 + tanh(u)) + 0.5·x·(1 - tanh²(u))·√(2/π)·(1 + 3·0.044715·x²).
//
// Registers: DI dy, SI x, CX the vectors left; Y7 x; Y0 the derivative; Y10-Y15 constants (EXP, TANHU).
TEXT ·geluBackwardAVX2(SB), NOSPLIT, $0-25
	MOVQ    dy+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n8+16(FP), CX
	EXPCONSTS
	MOVBLZX tanh+24(FP), AX
	TESTQ   AX, AX
	JZ      erf
	VMOVUPS geluTanhMax<>(SB), Y12
	VMOVUPS geluTanhMin<>(SB), Y11
	VMOVUPS two<>(SB), Y10

tanh:
	TESTQ   CX, CX
	JZ      done
	VMOVUPS (SI), Y7
	TANHU
	VMULPS  half<>(SB), Y0, Y0            // 0.5·(1 + tanh)
	VMULPS  Y9, Y9, Y1
	VSUBPS  Y1, Y15, Y1                   // 1 - tanh²
	VMULPS  half<>(SB), Y7, Y2
	VMULPS  Y2, Y1, Y1                    // 0.5·x·(1 - tanh²)
	VMULPS  Y7, Y7, Y2
	VMULPS  geluCubic3<>(SB), Y2, Y2
	VADDPS  Y15, Y2, Y2
	VMULPS  geluSqrt2OverPi<>(SB), Y2, Y2 // √(2/π)·(1 + 3·0.044715·x²)
	VMULPS  Y2, Y1, Y1
	VADDPS  Y1, Y0, Y0
	VMULPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     tanh

erf:
	TESTQ   CX, CX
	JZ      done
	VMOVUPS (SI), Y7
	ERF
	VMULPS  half<>(SB), Y1, Y1           // Φ(x)
	VMULPS  Y7, Y0, Y0
	VMULPS  geluInvSqrt2Pi<>(SB), Y0, Y0 // x·φ(x)
	VADDPS  Y0, Y1, Y0
	VMULPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JMP     erf

done:
	VZEROUPPER
	RET

// tailMask<> is eight lanes of ones then eight of zeros: the 32 bytes at tailMask<>+32-4·r select the
// first r lanes, for VMASKMOVPS on the last r < 8 floats of a row.
DATA tailMask<>+0(SB)/8, $0xffffffffffffffff
DATA tailMask<>+8(SB)/8, $0xffffffffffffffff
DATA tailMask<>+16(SB)/8, $0xffffffffffffffff
DATA tailMask<>+24(SB)/8, $0xffffffffffffffff
DATA tailMask<>+32(SB)/8, $0
DATA tailMask<>+40(SB)/8, $0
DATA tailMask<>+48(SB)/8, $0
DATA tailMask<>+56(SB)/8, $0
GLOBL tailMask<>(SB), RODATA|NOPTR, $64

// HREDUCE leaves op (VMAXPS or VADDPS) over the eight lanes of the YMM register y, whose lower half is
// x, in every lane of y, through the scratch register X10.
#define HREDUCE(op, x, y)           \
	VEXTRACTF128 $1, y, X10;    \
	op           X10, x, x;     \
	VPERMILPS    $0x4e, x, X10; \
	op           X10, x, x;     \
	VPERMILPS    $0xb1, x, X10; \
	op           X10, x, x;     \
	VBROADCASTSS x, y

// func softmaxAVX2(x *float32, rows, cols int)
//
// softmaxAVX2 replaces each row of x [rows, cols], cols > 0, by its softmax, in three passes over the
// row: its maximum m, eight lanes that start as x[0] (which the lanes past a short row keep); e^(x - m)
// in place, with EXP, and their sum in float32 eight lanes at a time; then the product by 1/sum. The
// last cols mod 8 floats of a row are read and written under a mask: the lanes past the row are
// neither read nor written, and not summed.
//
// A NaN anywhere in the row makes its e^(x - m) NaN, so the sum and the whole row NaN (whatever the
// maximum made of it); a row of -Inf has m = -Inf and x - m NaN, so NaN as torch gives; a row of
// float32's lowest, x - m = 0, comes out uniform.
//
// Registers: SI the row, DI a place in it, BX a row's bytes, R8 the rows left, R9 a row's whole vectors,
// CX the vectors left, DX cols mod 8; Y7 the maximum, Y8 the sum and then its inverse, Y9 the mask of
// the tail, Y10 scratch; Y0-Y6 and Y13-Y15 EXP's.
TEXT ·softmaxAVX2(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    rows+8(FP), R8
	MOVQ    cols+16(FP), R9
	LEAQ    (R9*4), BX
	MOVQ    R9, DX
	ANDQ    $7, DX
	SHRQ    $3, R9
	EXPCONSTS
	LEAQ    tailMask<>+32(SB), AX
	MOVQ    DX, CX
	SHLQ    $2, CX
	SUBQ    CX, AX
	VMOVUPS (AX), Y9

row:
	TESTQ R8, R8
	JZ    done

	// The maximum, from x[0] in every lane.
	VBROADCASTSS (SI), Y7
	MOVQ         SI, DI
	MOVQ         R9, CX

max:
	TESTQ  CX, CX
	JZ     maxTail
	VMAXPS (DI), Y7, Y7
	ADDQ   $32, DI
	DECQ   CX
	JMP    max

maxTail:
	TESTQ      DX, DX
	JZ         maxAll
	VMASKMOVPS (DI), Y9, Y10
	VBLENDVPS  Y9, Y10, Y7, Y10 // x[0] in the lanes past the row
	VMAXPS     Y10, Y7, Y7

maxAll:
	HREDUCE(VMAXPS, X7, Y7)

	// e^(x - m) and their sum.
	VXORPS Y8, Y8, Y8
	MOVQ   SI, DI
	MOVQ   R9, CX

exp:
	TESTQ   CX, CX
	JZ      expTail
	VMOVUPS (DI), Y0
	VSUBPS  Y7, Y0, Y0
	EXP
	VMOVUPS Y0, (DI)
	VADDPS  Y0, Y8, Y8
	ADDQ    $32, DI
	DECQ    CX
	JMP     exp

expTail:
	TESTQ      DX, DX
	JZ         expAll
	VMASKMOVPS (DI), Y9, Y0
	VSUBPS     Y7, Y0, Y0
	EXP
	VMASKMOVPS Y0, Y9, (DI)
	VANDPS     Y9, Y0, Y0 // the lanes past the row hold e^-m
	VADDPS     Y0, Y8, Y8

expAll:
	HREDUCE(VADDPS, X8, Y8)
	VDIVPS          Y8, Y15, Y8

	// The product by 1/sum.
	MOVQ SI, DI
	MOVQ R9, CX

scale:
	TESTQ   CX, CX
	JZ      scaleTail
	VMULPS  (DI), Y8, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JMP     scale

scaleTail:
	TESTQ      DX, DX
	JZ         next
	VMASKMOVPS (DI), Y9, Y0
	VMULPS     Y8, Y0, Y0
	VMASKMOVPS Y0, Y9, (DI)

next:
	ADDQ BX, SI
	DECQ R8
	JMP  row

done:
	VZEROUPPER
	RET

// HREDUCEPD leaves the sum of the four float64 lanes of the YMM register y, whose lower half is x, in
// every lane of y, through the scratch register X10.
#define HREDUCEPD(x, y)          \
	VEXTRACTF128 $1, y, X10; \
	VADDPD       X10, x, x;  \
	VPERMILPD    $1, x, X10; \
	VADDPD       X10, x, x;  \
	VBROADCASTSD x, y

// func softmaxBackwardAVX2(dp, p *float32, rows, cols int)
//
// softmaxBackwardAVX2 turns each row of dp [rows, cols], cols > 0, into p ⊙ (dp - s), s = Σ p ⊙ dp, in
// place, in float64 as Go's kernel (the module has none to agree with), four lanes of a YMM register
// for each four floats: s in two passes over the row, s and then the product, rounded to float32
// once. The last cols mod 8 floats are read and written under a mask, their lanes past the row zero
// in the sum. A key that a mask gave p = 0 gets 0.
//
// Registers: DI the row of dp, SI that of p, AX a byte offset in them, BX the row's bytes, R8 the rows
// left, R9 a row's whole vectors of 8, CX the vectors left, DX cols mod 8; Y8 and Y11 the sums of the
// lower and upper four floats of each 8 and then s, Y9 the mask of the tail; Y0-Y5 the floats at AX
// (dp in Y0, Y1, p in Y2, Y3, in float64), Y10 HREDUCEPD's.
TEXT ·softmaxBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ    dp+0(FP), DI
	MOVQ    p+8(FP), SI
	MOVQ    rows+16(FP), R8
	MOVQ    cols+24(FP), R9
	LEAQ    (R9*4), BX
	MOVQ    R9, DX
	ANDQ    $7, DX
	SHRQ    $3, R9
	LEAQ    tailMask<>+32(SB), AX
	MOVQ    DX, CX
	SHLQ    $2, CX
	SUBQ    CX, AX
	VMOVUPS (AX), Y9

row:
	TESTQ R8, R8
	JZ    done

	// s = Σ p ⊙ dp.
	VXORPD Y8, Y8, Y8
	VXORPD Y11, Y11, Y11
	XORQ   AX, AX
	MOVQ   R9, CX

dot:
	TESTQ       CX, CX
	JZ          dotTail
	VCVTPS2PD   (DI)(AX*1), Y0
	VCVTPS2PD   16(DI)(AX*1), Y1
	VCVTPS2PD   (SI)(AX*1), Y2
	VCVTPS2PD   16(SI)(AX*1), Y3
	VFMADD231PD Y2, Y0, Y8
	VFMADD231PD Y3, Y1, Y11
	ADDQ        $32, AX
	DECQ        CX
	JMP         dot

dotTail:
	TESTQ        DX, DX
	JZ           dotAll
	VMASKMOVPS   (DI)(AX*1), Y9, Y4
	VMASKMOVPS   (SI)(AX*1), Y9, Y5
	VCVTPS2PD    X4, Y0
	VEXTRACTF128 $1, Y4, X1
	VCVTPS2PD    X1, Y1
	VCVTPS2PD    X5, Y2
	VEXTRACTF128 $1, Y5, X3
	VCVTPS2PD    X3, Y3
	VFMADD231PD  Y2, Y0, Y8
	VFMADD231PD  Y3, Y1, Y11

dotAll:
	VADDPD        Y11, Y8, Y8
	HREDUCEPD(X8, Y8)

	// dp = p ⊙ (dp - s).
	XORQ AX, AX
	MOVQ R9, CX

grad:
	TESTQ      CX, CX
	JZ         gradTail
	VCVTPS2PD  (DI)(AX*1), Y0
	VCVTPS2PD  16(DI)(AX*1), Y1
	VCVTPS2PD  (SI)(AX*1), Y2
	VCVTPS2PD  16(SI)(AX*1), Y3
	VSUBPD     Y8, Y0, Y0
	VSUBPD     Y8, Y1, Y1
	VMULPD     Y2, Y0, Y0
	VMULPD     Y3, Y1, Y1
	VCVTPD2PSY Y0, X0
	VCVTPD2PSY Y1, X1
	VMOVUPS    X0, (DI)(AX*1)
	VMOVUPS    X1, 16(DI)(AX*1)
	ADDQ       $32, AX
	DECQ       CX
	JMP        grad

gradTail:
	TESTQ        DX, DX
	JZ           next
	VMASKMOVPS   (DI)(AX*1), Y9, Y4
	VMASKMOVPS   (SI)(AX*1), Y9, Y5
	VCVTPS2PD    X4, Y0
	VEXTRACTF128 $1, Y4, X1
	VCVTPS2PD    X1, Y1
	VCVTPS2PD    X5, Y2
	VEXTRACTF128 $1, Y5, X3
	VCVTPS2PD    X3, Y3
	VSUBPD       Y8, Y0, Y0
	VSUBPD       Y8, Y1, Y1
	VMULPD       Y2, Y0, Y0
	VMULPD       Y3, Y1, Y1
	VCVTPD2PSY   Y0, X0
	VCVTPD2PSY   Y1, X1
	VINSERTF128  $1, X1, Y0, Y0
	VMASKMOVPS   Y0, Y9, (DI)(AX*1)

next:
	ADDQ BX, DI
	ADDQ BX, SI
	DECQ R8
	JMP  row

done:
	VZEROUPPER
	RET
