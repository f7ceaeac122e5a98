#ifndef HFRNN_CKERNELS_H
#define HFRNN_CKERNELS_H
#include <stdint.h>
// Kernels that need instructions Swift cannot select at run time. tanh: one portable version and
// ones compiled for AVX2 and AVX-512, chosen by what the CPU supports, all doing exactly the same
// IEEE operations in the same order on every element, so they give the same bits. The bfloat16
// matrix products likewise: one portable version and one for AVX-512 BF16 (bf16_gemm.c).

/// x[i] <- tanh(x[i]) for i < count (Float, a few ulps; see tanh.c).
void hfrnn_tanh_f32(float *x, long count);

/// The same with a given implementation: 0 portable, 1 AVX2 (only when `hfrnn_avx2_available`),
/// 2 AVX-512 (only when `hfrnn_avx512_available`); an unavailable one falls back to portable.
void hfrnn_tanh_f32_using(int implementation, float *x, long count);

/// 1 when this CPU runs the AVX2 kernels, else 0.
int hfrnn_avx2_available(void);

/// 1 when this CPU runs the AVX-512 (F) kernels, else 0.
int hfrnn_avx512_available(void);

/// 1 when this CPU has AVX-512 BF16 (VDPBF16PS), which the fast bfloat16 products need, else 0.
int hfrnn_bf16_available(void);

// The bfloat16 products take an `implementation`: 0 portable (any CPU), 1 AVX-512 BF16 (only when
// `hfrnn_bf16_available`; else the portable one). Both give the same bits and the same packing.

/// 32-bit words `hfrnn_bf16_pack_right` writes for a right operand of k rows and n columns.
long hfrnn_bf16_packed_count(long k, long n);

/// The right operand B (k × n; stored n × k when `transposed`, row stride `ldb`) rounded to
/// bfloat16 and laid out for `hfrnn_bf16_gemm_packed` in `packed` (`hfrnn_bf16_packed_count`
/// words). Returns 0, or -2 when memory for the transposition ran out.
int hfrnn_bf16_pack_right(int implementation, int transposed, long k, long n, const float *b, long ldb,
                          uint32_t *packed);

/// C (m × n, row stride ldc) = beta·C + A·B with A (m × k; stored k × m when `transposed_a`, row
/// stride lda) rounded to bfloat16 and B packed by `hfrnn_bf16_pack_right`; products of bfloat16
/// pairs summed in float32 along k in order (bf16_gemm.c). Returns 0, or -2 when memory for
/// packing A ran out (C untouched).
int hfrnn_bf16_gemm_packed(int implementation, int transposed_a, long m, long n, long k, const float *a, long lda,
                           const uint32_t *packed_b, float beta, float *c, long ldc);

/// The same with B as `hfrnn_bf16_pack_right` takes it, packed in the calling thread's own buffer.
int hfrnn_bf16_gemm(int implementation, int transposed_a, int transposed_b, long m, long n, long k, const float *a,
                    long lda, const float *b, long ldb, float beta, float *c, long ldc);

#endif
