// tanh through expm1, for Float. With u = -2|x| (clamped at |x| = 9, where tanh rounds to 1) and
// m = expm1(u) in (-1, 0], tanh(|x|) = -m / (m + 2), and the sign of x is copied back. expm1 uses
// the range reduction u = k ln2 + r, |r| <= ln2/2, a degree-7 Taylor polynomial for expm1(r)
// (truncation error below 2e-9 relative) and expm1(u) = 2^k expm1(r) + (2^k - 1), exact in the
// k = 0 case that matters for small |x|.
//
// Every multiply and add is a separate IEEE operation (no fused multiply-add), so the portable
// loop and the AVX2 loop agree bit for bit.
#pragma STDC FP_CONTRACT OFF
#include "ckernels.h"
#include <stdint.h>
#include <string.h>

#define LOG2E 1.44269504f
#define LN2_HIGH 0.693145751953125f        // ln 2 split so that k * LN2_HIGH is exact
#define LN2_LOW 1.428606765330187e-6f
#define ROUNDING_SHIFT 12582912.0f          // 1.5 * 2^23: adding it rounds to an integer
#define SHIFT_BITS 0x4B400000u              // the bits of ROUNDING_SHIFT

static inline float tanh_one(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    uint32_t sign = bits & 0x80000000u;
    uint32_t magnitude_bits = bits & 0x7FFFFFFFu;
    float magnitude;
    memcpy(&magnitude, &magnitude_bits, 4);
    float clamped = magnitude > 9.0f ? 9.0f : magnitude;
    float u = -2.0f * clamped;
    float shifted = u * LOG2E + ROUNDING_SHIFT;
    float k = shifted - ROUNDING_SHIFT;
    float r = (u - k * LN2_HIGH) - k * LN2_LOW;
    float poly = 1.0f / 5040.0f;
    poly = poly * r + 1.0f / 720.0f;
    poly = poly * r + 1.0f / 120.0f;
    poly = poly * r + 1.0f / 24.0f;
    poly = poly * r + 1.0f / 6.0f;
    poly = poly * r + 0.5f;
    poly = poly * r + 1.0f;
    float expm1r = poly * r;
    uint32_t shifted_bits;
    memcpy(&shifted_bits, &shifted, 4);
    uint32_t exponent_bits = ((shifted_bits - SHIFT_BITS) + 127u) << 23;
    float two_to_k;
    memcpy(&two_to_k, &exponent_bits, 4);
    float m = two_to_k * expm1r + (two_to_k - 1.0f);
    float t = (0.0f - m) / (m + 2.0f);  // 0 − m, not −m: tanh(+0) = +0 (as Swift's SIMD negation)
    uint32_t t_bits;
    memcpy(&t_bits, &t, 4);
    t_bits |= sign;
    memcpy(&t, &t_bits, 4);
    return t;
}

static void tanh_portable(float *x, long count) {
    for (long i = 0; i < count; i++) x[i] = tanh_one(x[i]);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

__attribute__((target("avx2")))
static __m256 tanh_eight(__m256 x) {
    const __m256i sign_mask = _mm256_set1_epi32((int)0x80000000u);
    __m256i bits = _mm256_castps_si256(x);
    __m256i sign = _mm256_and_si256(bits, sign_mask);
    __m256 magnitude = _mm256_castsi256_ps(_mm256_andnot_si256(sign_mask, bits));
    __m256 nine = _mm256_set1_ps(9.0f);
    // magnitude > 9 ? 9 : magnitude, keeping NaN (an ordered comparison is false for NaN).
    __m256 above = _mm256_cmp_ps(magnitude, nine, _CMP_GT_OQ);
    __m256 clamped = _mm256_blendv_ps(magnitude, nine, above);
    __m256 u = _mm256_mul_ps(_mm256_set1_ps(-2.0f), clamped);
    __m256 shift = _mm256_set1_ps(ROUNDING_SHIFT);
    __m256 shifted = _mm256_add_ps(_mm256_mul_ps(u, _mm256_set1_ps(LOG2E)), shift);
    __m256 k = _mm256_sub_ps(shifted, shift);
    __m256 r = _mm256_sub_ps(_mm256_sub_ps(u, _mm256_mul_ps(k, _mm256_set1_ps(LN2_HIGH))),
                             _mm256_mul_ps(k, _mm256_set1_ps(LN2_LOW)));
    __m256 poly = _mm256_set1_ps(1.0f / 5040.0f);
    poly = _mm256_add_ps(_mm256_mul_ps(poly, r), _mm256_set1_ps(1.0f / 720.0f));
    poly = _mm256_add_ps(_mm256_mul_ps(poly, r), _mm256_set1_ps(1.0f / 120.0f));
    poly = _mm256_add_ps(_mm256_mul_ps(poly, r), _mm256_set1_ps(1.0f / 24.0f));
    poly = _mm256_add_ps(_mm256_mul_ps(poly, r), _mm256_set1_ps(1.0f / 6.0f));
    poly = _mm256_add_ps(_mm256_mul_ps(poly, r), _mm256_set1_ps(0.5f));
    poly = _mm256_add_ps(_mm256_mul_ps(poly, r), _mm256_set1_ps(1.0f));
    __m256 expm1r = _mm256_mul_ps(poly, r);
    __m256i exponent = _mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(shifted),
                                                         _mm256_set1_epi32((int)SHIFT_BITS)),
                                        _mm256_set1_epi32(127));
    __m256 two_to_k = _mm256_castsi256_ps(_mm256_slli_epi32(exponent, 23));
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 m = _mm256_add_ps(_mm256_mul_ps(two_to_k, expm1r), _mm256_sub_ps(two_to_k, one));
    __m256 t = _mm256_div_ps(_mm256_sub_ps(_mm256_setzero_ps(), m), _mm256_add_ps(m, _mm256_set1_ps(2.0f)));
    return _mm256_castsi256_ps(_mm256_or_si256(_mm256_castps_si256(t), sign));
}

__attribute__((target("avx2")))
static void tanh_avx2(float *x, long count) {
    long i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, tanh_eight(_mm256_loadu_ps(x + i)));
    for (; i < count; i++) x[i] = tanh_one(x[i]);
}

// The same operations sixteen lanes wide.
__attribute__((target("avx512f")))
static __m512 tanh_sixteen(__m512 x) {
    const __m512i sign_mask = _mm512_set1_epi32((int)0x80000000u);
    __m512i bits = _mm512_castps_si512(x);
    __m512i sign = _mm512_and_si512(bits, sign_mask);
    __m512 magnitude = _mm512_castsi512_ps(_mm512_andnot_si512(sign_mask, bits));
    __m512 nine = _mm512_set1_ps(9.0f);
    // magnitude > 9 ? 9 : magnitude, keeping NaN (an ordered comparison is false for NaN).
    __mmask16 above = _mm512_cmp_ps_mask(magnitude, nine, _CMP_GT_OQ);
    __m512 clamped = _mm512_mask_blend_ps(above, magnitude, nine);
    __m512 u = _mm512_mul_ps(_mm512_set1_ps(-2.0f), clamped);
    __m512 shift = _mm512_set1_ps(ROUNDING_SHIFT);
    __m512 shifted = _mm512_add_ps(_mm512_mul_ps(u, _mm512_set1_ps(LOG2E)), shift);
    __m512 k = _mm512_sub_ps(shifted, shift);
    __m512 r = _mm512_sub_ps(_mm512_sub_ps(u, _mm512_mul_ps(k, _mm512_set1_ps(LN2_HIGH))),
                             _mm512_mul_ps(k, _mm512_set1_ps(LN2_LOW)));
    __m512 poly = _mm512_set1_ps(1.0f / 5040.0f);
    poly = _mm512_add_ps(_mm512_mul_ps(poly, r), _mm512_set1_ps(1.0f / 720.0f));
    poly = _mm512_add_ps(_mm512_mul_ps(poly, r), _mm512_set1_ps(1.0f / 120.0f));
    poly = _mm512_add_ps(_mm512_mul_ps(poly, r), _mm512_set1_ps(1.0f / 24.0f));
    poly = _mm512_add_ps(_mm512_mul_ps(poly, r), _mm512_set1_ps(1.0f / 6.0f));
    poly = _mm512_add_ps(_mm512_mul_ps(poly, r), _mm512_set1_ps(0.5f));
    poly = _mm512_add_ps(_mm512_mul_ps(poly, r), _mm512_set1_ps(1.0f));
    __m512 expm1r = _mm512_mul_ps(poly, r);
    __m512i exponent = _mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(shifted),
                                                         _mm512_set1_epi32((int)SHIFT_BITS)),
                                        _mm512_set1_epi32(127));
    __m512 two_to_k = _mm512_castsi512_ps(_mm512_slli_epi32(exponent, 23));
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 m = _mm512_add_ps(_mm512_mul_ps(two_to_k, expm1r), _mm512_sub_ps(two_to_k, one));
    __m512 t = _mm512_div_ps(_mm512_sub_ps(_mm512_setzero_ps(), m), _mm512_add_ps(m, _mm512_set1_ps(2.0f)));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t), sign));
}

__attribute__((target("avx512f")))
static void tanh_avx512(float *x, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(x + i, tanh_sixteen(_mm512_loadu_ps(x + i)));
    for (; i < count; i++) x[i] = tanh_one(x[i]);
}

int hfrnn_avx2_available(void) {
    static int available = -1;  // a benign race: every thread computes the same answer
    if (available < 0) available = __builtin_cpu_supports("avx2") ? 1 : 0;
    return available;
}

int hfrnn_avx512_available(void) {
    static int available = -1;
    if (available < 0) available = __builtin_cpu_supports("avx512f") ? 1 : 0;
    return available;
}
#else
static void tanh_avx2(float *x, long count) { tanh_portable(x, count); }
static void tanh_avx512(float *x, long count) { tanh_portable(x, count); }
int hfrnn_avx2_available(void) { return 0; }
int hfrnn_avx512_available(void) { return 0; }
#endif

void hfrnn_tanh_f32_using(int implementation, float *x, long count) {
    if (implementation == 2 && hfrnn_avx512_available()) tanh_avx512(x, count);
    else if (implementation == 1 && hfrnn_avx2_available()) tanh_avx2(x, count);
    else tanh_portable(x, count);
}

void hfrnn_tanh_f32(float *x, long count) {
    hfrnn_tanh_f32_using(hfrnn_avx512_available() ? 2 : hfrnn_avx2_available(), x, count);
}
