/* The AVX2 UTF-8 block check shared by the whole-buffer validator
 * (utf8.c) and the official-results scanner (report/pyjson.c), which runs it
 * on the blocks it reads anyway. Include only on x86-64 with GCC or clang;
 * call only when mirs__cpu_has(MIRS_CPU_AVX2) (util/cpu.c). */
#ifndef MIRS_UTIL_UTF8_AVX2_H
#define MIRS_UTIL_UTF8_AVX2_H

#include <immintrin.h>

/*
 * AVX2 validation by the lookup method of Keiser and Lemire ("Validating
 * UTF-8 in less than one instruction per byte", 2021): every error of a
 * byte pair shows as a common bit of three 16-entry table lookups (high
 * nibble of the previous byte, its low nibble, high nibble of this byte);
 * 3- and 4-byte sequences are checked by where continuation bytes must be.
 * Blocks of 64 ASCII bytes only check that nothing was left incomplete.
 */
#define U8_TGT __attribute__((target("avx2")))
#define U8_PREV(in, prev, N) _mm256_alignr_epi8(in, _mm256_permute2x128_si256(prev, in, 0x21), 16 - (N))
#define U8_TOO_SHORT 0x01  /* lead followed by a non-continuation */
#define U8_TOO_LONG 0x02   /* continuation after ASCII */
#define U8_OVERLONG_3 0x04 /* E0 80..9F */
#define U8_TOO_LARGE 0x08  /* F4 90.., F5.. */
#define U8_SURROGATE 0x10  /* ED A0..BF */
#define U8_OVERLONG_2 0x20 /* C0, C1 */
#define U8_TOO_LARGE_1000 0x40
#define U8_OVERLONG_4 0x40 /* F0 80..8F */
#define U8_TWO_CONTS 0x80
#define U8_CARRY (U8_TOO_SHORT | U8_TOO_LONG | U8_TWO_CONTS)
#define U8_C(x) ((char)(unsigned char)(x))
#define U8_TABLE(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15)                                 \
    _mm256_setr_epi8(U8_C(a0), U8_C(a1), U8_C(a2), U8_C(a3), U8_C(a4), U8_C(a5), U8_C(a6), U8_C(a7), U8_C(a8),         \
                     U8_C(a9), U8_C(a10), U8_C(a11), U8_C(a12), U8_C(a13), U8_C(a14), U8_C(a15), U8_C(a0), U8_C(a1),   \
                     U8_C(a2), U8_C(a3), U8_C(a4), U8_C(a5), U8_C(a6), U8_C(a7), U8_C(a8), U8_C(a9), U8_C(a10),        \
                     U8_C(a11), U8_C(a12), U8_C(a13), U8_C(a14), U8_C(a15))

/* Non-zero where a byte of in (prev: the 32 bytes before it) breaks a
 * sequence; sequences running past the end of in are checked with the next
 * block, or by u8_incomplete() when none follows. */
U8_TGT static inline __m256i u8_block_errors(__m256i in, __m256i prev)
{
    const __m256i nib = _mm256_set1_epi8(0x0f);
    const __m256i t1h = U8_TABLE(
        U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
        U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS, U8_TWO_CONTS, U8_TOO_SHORT | U8_OVERLONG_2, U8_TOO_SHORT,
        U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE, (U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4));
    const __m256i t1l = U8_TABLE(
        (U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4), (U8_CARRY | U8_OVERLONG_2), U8_CARRY, U8_CARRY,
        (U8_CARRY | U8_TOO_LARGE), (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
        (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_SURROGATE),
        (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), (U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000));
    const __m256i t2h = U8_TABLE(
        U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
        (U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE_1000 | U8_OVERLONG_4),
        (U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE),
        (U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
        (U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE), U8_TOO_SHORT, U8_TOO_SHORT,
        U8_TOO_SHORT, U8_TOO_SHORT);
    __m256i p1 = U8_PREV(in, prev, 1);
    __m256i sc =
        _mm256_and_si256(_mm256_and_si256(_mm256_shuffle_epi8(t1h, _mm256_and_si256(_mm256_srli_epi16(p1, 4), nib)),
                                          _mm256_shuffle_epi8(t1l, _mm256_and_si256(p1, nib))),
                         _mm256_shuffle_epi8(t2h, _mm256_and_si256(_mm256_srli_epi16(in, 4), nib)));
    /* Bytes 3 and 4 of a sequence: their U8_TWO_CONTS pair is expected. */
    __m256i third = _mm256_subs_epu8(U8_PREV(in, prev, 2), _mm256_set1_epi8((char)(0xe0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(U8_PREV(in, prev, 3), _mm256_set1_epi8((char)(0xf0 - 0x80)));
    __m256i must = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must, sc);
}

/* Non-zero where the block's last bytes start a sequence it does not end. */
U8_TGT static inline __m256i u8_incomplete(__m256i in)
{
    const __m256i max =
        _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                         -1, -1, -1, -1, -1, (char)(0xf0 - 1), (char)(0xe0 - 1), (char)(0xc0 - 1));
    return _mm256_subs_epu8(in, max);
}

#endif
