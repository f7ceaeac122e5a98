#ifndef HFRNN_CKERNELS_H
#define HFRNN_CKERNELS_H
// Element-wise kernels that need instructions Swift cannot select at run time: one portable
// version and ones compiled for AVX2 and AVX-512, chosen by what the CPU supports. Both do exactly the
// same IEEE operations in the same order on every element, so they give the same bits.

/// x[i] <- tanh(x[i]) for i < count (Float, a few ulps; see tanh.c).
void hfrnn_tanh_f32(float *x, long count);

/// The same with a given implementation: 0 portable, 1 AVX2 (only when `hfrnn_avx2_available`),
/// 2 AVX-512 (only when `hfrnn_avx512_available`); an unavailable one falls back to portable.
void hfrnn_tanh_f32_using(int implementation, float *x, long count);

/// 1 when this CPU runs the AVX2 kernels, else 0.
int hfrnn_avx2_available(void);

/// 1 when this CPU runs the AVX-512 (F) kernels, else 0.
int hfrnn_avx512_available(void);

#endif
