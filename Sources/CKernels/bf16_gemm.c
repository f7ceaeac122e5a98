// Matrix products with bfloat16 inputs and float32 accumulation: the operands are rounded to
// bfloat16 (8 significant bits) while they are packed, and pairs of them along K are multiplied
// and added into float32 sums as AVX-512 BF16's VDPBF16PS does, twice the multiply-adds per
// instruction of a float32 FMA.
//
// Rounding: to nearest, ties to even; NaN stays NaN; subnormal inputs become zero of the same sign,
// as VDPBF16PS itself treats them. Each sum runs pair by pair along k, in order, so the result
// does not depend on the thread count. VDPBF16PS adds a pair's odd product and then its even one
// to the sum, each product exact, each addition rounded to nearest even with a result below 2⁻¹²⁶
// flushed to zero of its sign (`dot_step`): the portable kernel below does exactly that with fmaf,
// so it gives the same bits (NaN payloads aside) wherever the instruction follows its
// specification, only slower; checked bit for bit against this CPU's (AMD) instruction, not yet
// against an Intel one (LinalgTests).
#pragma STDC FP_CONTRACT OFF
#include "ckernels.h"
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void (*row_pairs_function)(const float *source, long rows, long k, long ld, uint32_t *out);
typedef void (*interleaved_function)(const float *source, long k, long columns, long ld, long width, uint32_t *out);
// C (rows ≤ 3 × up to 16·vectors ≤ 112 columns) = beta·C + Σ_p A-pair(r, p)·B-pair(p, ·), with A's
// pair of row r and pair p at a[r·a_row + p·a_pair] and B `pairs` rows of `width` pairs.
typedef void (*multiply_function)(int rows, int vectors, const uint32_t *a, long a_row, long a_pair, const uint32_t *b,
                                  long width, long pairs, float beta, float *c, long ldc, long columns_left);

// The kernels of one implementation: packers for both layouts and the block multiply.
struct implementation {
    row_pairs_function row_pairs;
    interleaved_function interleaved;
    multiply_function multiply;
};

// Each thread's packing buffers, grown to the largest product it has taken (never per call) and
// freed when the thread ends (worker threads come and go).
enum { SCRATCH_A, SCRATCH_TRANSPOSE, SCRATCH_B, SCRATCH_COUNT };
struct scratch {
    uint32_t *buffer[SCRATCH_COUNT];
    long count[SCRATCH_COUNT];
};
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *value) {
    struct scratch *scratch = value;
    for (int i = 0; i < SCRATCH_COUNT; i++) free(scratch->buffer[i]);
    free(scratch);
}

static void scratch_key_make(void) { pthread_key_create(&scratch_key, scratch_free); }

// This thread's buffer `which` with room for `count` words, or NULL when memory ran out.
static uint32_t *scratch_buffer(int which, long count) {
    pthread_once(&scratch_once, scratch_key_make);
    struct scratch *scratch = pthread_getspecific(scratch_key);
    if (!scratch) {
        scratch = calloc(1, sizeof *scratch);
        if (!scratch || pthread_setspecific(scratch_key, scratch) != 0) {
            free(scratch);
            return NULL;
        }
    }
    if (count < 1) count = 1;
    if (count > scratch->count[which]) {
        free(scratch->buffer[which]);
        size_t bytes = ((size_t)count * 4 + 63) / 64 * 64;
        scratch->buffer[which] = aligned_alloc(64, bytes);
        scratch->count[which] = scratch->buffer[which] ? count : 0;
    }
    return scratch->buffer[which];
}

// ---- Portable: the same packing and the same operations, one float at a time ----

// One float to bfloat16 (the low 16 bits), as bf16_sixteen below does it.
static inline uint32_t bf16_one(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    if ((bits & 0x7F800000u) == 0) return (bits & 0x80000000u) >> 16;
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (bits | 0x00400000u) >> 16;
    return (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
}

static inline float bf16_value(uint32_t half) {
    uint32_t bits = half << 16;
    float x;
    memcpy(&x, &bits, 4);
    return x;
}

// sum + x·y as one VDPBF16PS step: the exact value rounded once to nearest even, and flushed to
// zero of its sign when that rounding, to 24 bits with an unbounded exponent, lies below 2⁻¹²⁶.
// fmaf rounds onto the subnormal grid instead; the two differ only where fmaf gives ±2⁻¹²⁶, so
// there the sum is taken again 2²⁴ times larger, where it is a normal float. (Such a sum has
// terms below about 2⁻¹⁰⁰, so scaling the smaller factor and the sum cannot overflow.)
static inline float dot_step(float sum, float x, float y) {
    float r = fmaf(x, y, sum);
    if (fabsf(r) > FLT_MIN) return r;
    if (fabsf(r) < FLT_MIN) return copysignf(0.0f, r);
    float scaled = fabsf(x) < fabsf(y) ? fmaf(x * 0x1p24f, y, sum * 0x1p24f) : fmaf(x, y * 0x1p24f, sum * 0x1p24f);
    return fabsf(scaled) < 0x1p-102f ? copysignf(0.0f, scaled) : r;
}

static void pack_row_pairs_portable(const float *source, long rows, long k, long ld, uint32_t *out) {
    long pairs = (k + 1) / 2;
    for (long r = 0; r < rows; r++) {
        const float *row = source + r * ld;
        for (long p = 0; p < pairs; p++) {
            uint32_t high = 2 * p + 1 < k ? bf16_one(row[2 * p + 1]) : 0;
            out[r * pairs + p] = bf16_one(row[2 * p]) | high << 16;
        }
    }
}

static void pack_interleaved_portable(const float *source, long k, long columns, long ld, long width, uint32_t *out) {
    long pairs = (k + 1) / 2;
    for (long p = 0; p < pairs; p++) {
        const float *first = source + 2 * p * ld;
        const float *second = 2 * p + 1 < k ? first + ld : NULL;
        for (long c = 0; c < width; c++) {
            uint32_t low = c < columns ? bf16_one(first[c]) : 0;
            uint32_t high = second && c < columns ? bf16_one(second[c]) : 0;
            out[p * width + c] = low | high << 16;
        }
    }
}

// Each sum: the pair's odd product, then its even one, each a `dot_step`: VDPBF16PS's operation
// on one lane.
#define HFRNN_BF16_PORTABLE_MULTIPLY(NAME, ATTRIBUTES)                                                     \
    ATTRIBUTES static void NAME(int rows, int vectors, const uint32_t *a, long a_row, long a_pair,          \
                                const uint32_t *b, long width, long pairs, float beta, float *c, long ldc,  \
                                long columns_left) {                                                        \
        for (int i = 0; i < rows; i++) {                                                                    \
            for (int v = 0; v < vectors; v++) {                                                             \
                float sum[16] = {0};                                                                        \
                for (long p = 0; p < pairs; p++) {                                                          \
                    uint32_t word = a[i * a_row + p * a_pair];                                              \
                    float odd = bf16_value(word >> 16), even = bf16_value(word & 0xFFFFu);                  \
                    const uint32_t *pair = b + p * width + 16 * v;                                          \
                    for (int j = 0; j < 16; j++) {                                                          \
                        float partial = dot_step(sum[j], odd, bf16_value(pair[j] >> 16));                   \
                        sum[j] = dot_step(partial, even, bf16_value(pair[j] & 0xFFFFu));                    \
                    }                                                                                       \
                }                                                                                           \
                long left = columns_left - 16 * v;                                                          \
                float *target = c + i * ldc + 16 * v;                                                       \
                for (long j = 0; j < (left < 16 ? left : 16); j++) {                                        \
                    float scaled = beta * target[j];                                                        \
                    target[j] = beta != 0 ? sum[j] + scaled : sum[j];                                       \
                }                                                                                           \
            }                                                                                               \
        }                                                                                                   \
    }

HFRNN_BF16_PORTABLE_MULTIPLY(multiply_portable, )

// Its multiply becomes the FMA build's where the CPU has FMA (`detect`).
static struct implementation portable = {pack_row_pairs_portable, pack_interleaved_portable, multiply_portable};
static int avx512_bf16;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
// The portable multiply with fmaf as an instruction rather than a library call.
HFRNN_BF16_PORTABLE_MULTIPLY(multiply_portable_fma, __attribute__((target("avx2,fma"))))

// ---- AVX-512 BF16 ----
#include <immintrin.h>
#define HFRNN_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// Sixteen floats to sixteen bfloat16 in the low halves of 32-bit lanes: zero and subnormal x to
// zero of x's sign, NaN to a quiet NaN, else the top 16 bits rounded to nearest, ties to even.
HFRNN_BF16_TARGET static inline __m512i bf16_sixteen(__m512 x) {
    __m512i bits = _mm512_castps_si512(x);
    __m512i exponent = _mm512_and_si512(bits, _mm512_set1_epi32(0x7F800000));
    __mmask16 tiny = _mm512_cmpeq_epi32_mask(exponent, _mm512_setzero_si512());
    __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(bits, _mm512_set1_epi32(0x7FFFFFFF)),
                                            _mm512_set1_epi32(0x7F800000));
    __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    __m512i rounded = _mm512_add_epi32(bits, _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), odd));
    rounded = _mm512_mask_mov_epi32(rounded, tiny, _mm512_and_si512(bits, _mm512_set1_epi32((int)0x80000000u)));
    rounded = _mm512_mask_mov_epi32(rounded, nan, _mm512_or_si512(bits, _mm512_set1_epi32(0x00400000)));
    return _mm512_srli_epi32(rounded, 16);
}

// Rows of a row-major matrix (`rows` × `k`, row stride `ld`) as pairs along k: out[r·pairs + p]
// holds elements 2p (low half) and 2p + 1 (high half) of row r, the missing last one of an odd
// k as zero.
HFRNN_BF16_TARGET static void pack_row_pairs(const float *source, long rows, long k, long ld, uint32_t *out) {
    long pairs = (k + 1) / 2;
    for (long r = 0; r < rows; r++) {
        const float *row = source + r * ld;
        uint32_t *target = out + r * pairs;
        for (long p = 0; p < pairs; p += 16) {
            // 32 consecutive floats make 16 pairs; past k, masked loads read zeros.
            long left = k - 2 * p;
            __mmask16 low_mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __mmask16 high_mask = left >= 32 ? (__mmask16)0xFFFF : left <= 16 ? 0 : (__mmask16)((1u << (left - 16)) - 1);
            long pairs_left = pairs - p;
            __mmask16 store_mask = pairs_left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << pairs_left) - 1);
            __m512i low = bf16_sixteen(_mm512_maskz_loadu_ps(low_mask, row + 2 * p));
            __m512i high = bf16_sixteen(_mm512_maskz_loadu_ps(high_mask, row + 2 * p + 16));
            // The 32 bfloat16 in order, two to a 32-bit lane.
            __m512i words = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi32_epi16(low)),
                                               _mm512_cvtepi32_epi16(high), 1);
            _mm512_mask_storeu_epi32(target + p, store_mask, words);
        }
    }
}

// A row-major matrix (`k` rows of `columns`, row stride `ld`) as pairs of consecutive rows:
// out[p·width + c] holds rows 2p (low) and 2p + 1 (high) of column c; columns from `columns` to
// `width` and the missing row of an odd k are zero.
HFRNN_BF16_TARGET static void pack_interleaved(const float *source, long k, long columns, long ld, long width,
                                               uint32_t *out) {
    long pairs = (k + 1) / 2;
    for (long p = 0; p < pairs; p++) {
        const float *first = source + 2 * p * ld;
        const float *second = 2 * p + 1 < k ? first + ld : NULL;
        uint32_t *target = out + p * width;
        for (long c = 0; c < width; c += 16) {
            // Past the last column, masked loads read zeros and the padding stays zero.
            long left = columns - c;
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
            __m512i low = bf16_sixteen(_mm512_maskz_loadu_ps(mask, first + c));
            __m512i high = second ? bf16_sixteen(_mm512_maskz_loadu_ps(mask, second + c)) : _mm512_setzero_si512();
            _mm512_storeu_si512(target + c, _mm512_or_si512(low, _mm512_slli_epi32(high, 16)));
        }
    }
}

// C (rows × up to 16·VECTORS columns from `column`) = beta·C + Σ_p A-pair(r, p)·B-pair(p, ·).
// A's pair of row r and pair p is a[r·a_row + p·a_pair]; B is `pairs` rows of `width` pairs.
#define HFRNN_BF16_BLOCK(ROWS, VECTORS)                                                                \
    HFRNN_BF16_TARGET static void block_##ROWS##_##VECTORS(                                           \
        const uint32_t *a, long a_row, long a_pair, const uint32_t *b, long width, long pairs,         \
        float beta, float *c, long ldc, long columns_left) {                                         \
        __m512 sum[ROWS][VECTORS];                                                                    \
        for (int i = 0; i < ROWS; i++)                                                                \
            for (int v = 0; v < VECTORS; v++) sum[i][v] = _mm512_setzero_ps();                        \
        for (long p = 0; p < pairs; p++) {                                                            \
            const uint32_t *row = b + p * width;                                                      \
            __m512bh broadcast[ROWS];                                                                 \
            for (int i = 0; i < ROWS; i++)                                                            \
                broadcast[i] = (__m512bh)_mm512_set1_epi32((int)a[i * a_row + p * a_pair]);           \
            for (int v = 0; v < VECTORS; v++) {                                                       \
                __m512bh pair = (__m512bh)_mm512_loadu_si512(row + 16 * v);                           \
                for (int i = 0; i < ROWS; i++) sum[i][v] = _mm512_dpbf16_ps(sum[i][v], broadcast[i], pair); \
            }                                                                                         \
        }                                                                                             \
        for (int v = 0; v < VECTORS; v++) {                                                           \
            long left = columns_left - 16 * v;                                                        \
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);           \
            for (int i = 0; i < ROWS; i++) {                                                          \
                float *target = c + i * ldc + 16 * v;                                                 \
                __m512 value = sum[i][v];                                                             \
                if (beta != 0)                                                                        \
                    value = _mm512_add_ps(value, _mm512_mul_ps(_mm512_set1_ps(beta),                  \
                                                               _mm512_maskz_loadu_ps(mask, target))); \
                _mm512_mask_storeu_ps(target, mask, value);                                           \
            }                                                                                         \
        }                                                                                             \
    }

#define HFRNN_BF16_BLOCKS(ROWS) \
    HFRNN_BF16_BLOCK(ROWS, 1) HFRNN_BF16_BLOCK(ROWS, 2) HFRNN_BF16_BLOCK(ROWS, 3) HFRNN_BF16_BLOCK(ROWS, 4) \
    HFRNN_BF16_BLOCK(ROWS, 5) HFRNN_BF16_BLOCK(ROWS, 6) HFRNN_BF16_BLOCK(ROWS, 7)
HFRNN_BF16_BLOCKS(1)
HFRNN_BF16_BLOCKS(2)
HFRNN_BF16_BLOCKS(3)

typedef void (*block_function)(const uint32_t *, long, long, const uint32_t *, long, long, float, float *, long, long);
// At most 3 rows: 3 × 7 sums, 3 broadcasts and a vector of B fit AVX-512's 32 registers (4 rows spill).
static const block_function blocks[3][7] = {
    {block_1_1, block_1_2, block_1_3, block_1_4, block_1_5, block_1_6, block_1_7},
    {block_2_1, block_2_2, block_2_3, block_2_4, block_2_5, block_2_6, block_2_7},
    {block_3_1, block_3_2, block_3_3, block_3_4, block_3_5, block_3_6, block_3_7},
};


static void multiply_avx512(int rows, int vectors, const uint32_t *a, long a_row, long a_pair, const uint32_t *b,
                            long width, long pairs, float beta, float *c, long ldc, long columns_left) {
    blocks[rows - 1][vectors - 1](a, a_row, a_pair, b, width, pairs, beta, c, ldc, columns_left);
}

static const struct implementation avx512 = {pack_row_pairs, pack_interleaved, multiply_avx512};

static void detect(void) {
    avx512_bf16 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                  && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) portable.multiply = multiply_portable_fma;
}

static const struct implementation *implementation_of(int which) {
    pthread_once(&detect_once, detect);
    return which == 1 && avx512_bf16 ? &avx512 : &portable;
}
#else
static void detect(void) { avx512_bf16 = 0; }

static const struct implementation *implementation_of(int which) {
    (void)which;
    pthread_once(&detect_once, detect);
    return &portable;
}
#endif

int hfrnn_bf16_available(void) {
    pthread_once(&detect_once, detect);
    return avx512_bf16;
}

long hfrnn_bf16_packed_count(long k, long n) { return (k + 1) / 2 * ((n + 15) / 16 * 16); }

int hfrnn_bf16_pack_right(int implementation, int transposed, long k, long n, const float *b, long ldb,
                          uint32_t *packed) {
    const struct implementation *kernels = implementation_of(implementation);
    long width = (n + 15) / 16 * 16, pairs = (k + 1) / 2;
    if (!transposed) {
        kernels->interleaved(b, k, n, ldb, width, packed);
        return 0;
    }
    // B stored n × k: pair along each stored row, then lay the pairs out by k.
    uint32_t *rows = scratch_buffer(SCRATCH_TRANSPOSE, n * pairs);
    if (!rows) return -2;
    kernels->row_pairs(b, n, k, ldb, rows);
    for (long p = 0; p < pairs; p++) {
        for (long c = 0; c < n; c++) packed[p * width + c] = rows[c * pairs + p];
        for (long c = n; c < width; c++) packed[p * width + c] = 0;
    }
    return 0;
}

int hfrnn_bf16_gemm_packed(int implementation, int transposed_a, long m, long n, long k, const float *a, long lda,
                           const uint32_t *packed_b, float beta, float *c, long ldc) {
    const struct implementation *kernels = implementation_of(implementation);
    if (m <= 0 || n <= 0) return 0;
    long pairs = (k + 1) / 2, width = (n + 15) / 16 * 16;
    long a_row, a_pair;
    uint32_t *packed_a;
    if (!transposed_a) {
        packed_a = scratch_buffer(SCRATCH_A, m * pairs);
        if (!packed_a) return -2;
        kernels->row_pairs(a, m, k, lda, packed_a);
        a_row = pairs, a_pair = 1;
    } else {
        // A stored k × m: consecutive stored rows pair up, as B's do.
        long a_width = (m + 15) / 16 * 16;
        packed_a = scratch_buffer(SCRATCH_A, pairs * a_width);
        if (!packed_a) return -2;
        kernels->interleaved(a, k, m, lda, a_width, packed_a);
        a_row = 1, a_pair = a_width;
    }
    for (long column = 0; column < n; column += 112) {
        long columns_left = n - column;
        int vectors = (int)((columns_left < 112 ? columns_left : 112) + 15) / 16;
        for (long r = 0; r < m; r += 3) {
            int rows = (int)(m - r < 3 ? m - r : 3);
            kernels->multiply(rows, vectors, packed_a + r * a_row, a_row, a_pair, packed_b + column, width, pairs,
                              beta, c + r * ldc + column, ldc, columns_left);
        }
    }
    return 0;
}

int hfrnn_bf16_gemm(int implementation, int transposed_a, int transposed_b, long m, long n, long k, const float *a,
                    long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    uint32_t *packed = scratch_buffer(SCRATCH_B, hfrnn_bf16_packed_count(k, n));
    if (!packed) return -2;
    int status = hfrnn_bf16_pack_right(implementation, transposed_b, k, n, b, ldb, packed);
    return status != 0 ? status : hfrnn_bf16_gemm_packed(implementation, transposed_a, m, n, k, a, lda, packed, beta,
                                                         c, ldc);
}
