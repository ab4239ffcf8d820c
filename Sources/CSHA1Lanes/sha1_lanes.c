#include "sha1_lanes.h"
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the key words are byte-swapped to big-endian assuming a little-endian CPU");

/* Every function taking or returning a vector is inlined, so no call passes one between code built
 * for different targets, which is what this warning is about. */
#pragma clang diagnostic ignored "-Wpsabi"

/* Sixteen 32-bit lanes. Clang lowers these operations to AVX-512, AVX2 or SSE2/NEON instructions
 * depending on the target each function is compiled for. */
typedef uint32_t lanes __attribute__((vector_size(64)));

#define ALWAYS_INLINE static inline __attribute__((always_inline))

ALWAYS_INLINE lanes rotl(lanes x, int n) { return (x << n) | (x >> (32 - n)); }

ALWAYS_INLINE lanes load(const uint32_t *p) { lanes v; memcpy(&v, p, sizeof v); return v; }
ALWAYS_INLINE void store(uint32_t *p, lanes v) { memcpy(p, &v, sizeof v); }

/* Wipes memory that held key material; the empty assembly that may read it keeps the compiler
 * from dropping the memset as a dead store (the technique of glibc's explicit_bzero). */
ALWAYS_INLINE void wipe(void *p, size_t n) {
    memset(p, 0, n);
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* One SHA-1 compression (FIPS 180-4, 6.1.2) of block w[0..15] into state h[0..4], in every lane. */
ALWAYS_INLINE void compress(lanes h[5], lanes w[16]) {
    lanes a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    /* Fully unrolled, so every index below is a constant and the 16 words stay in registers. */
#pragma clang loop unroll(full)
    for (int t = 0; t < 80; t++) {
        lanes word;
        if (t < 16) {
            word = w[t];
        } else {
            word = rotl(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
            w[t & 15] = word;
        }
        lanes f;
        uint32_t k;
        if (t < 20) { f = (b & c) | (~b & d); k = 0x5A827999u; }
        else if (t < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1u; }
        else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDCu; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6u; }
        lanes temp = rotl(a, 5) + f + e + k + word;
        e = d; d = c; c = rotl(b, 30); b = a; a = temp;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

ALWAYS_INLINE void initial_state(lanes h[5]) {
    static const uint32_t iv[5] = { 0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u };
    for (int i = 0; i < 5; i++) h[i] = (lanes){} + iv[i];
}

ALWAYS_INLINE void hmac_init(uint32_t inner[80], uint32_t outer[80], const uint8_t keys[16 * 64]) {
    /* Transposed through memory: word t of every lane's key block, big-endian. */
    uint32_t words[16][16];
    for (int l = 0; l < 16; l++) {
        for (int t = 0; t < 16; t++) {
            uint32_t word;
            memcpy(&word, keys + l * 64 + t * 4, 4);
            words[t][l] = __builtin_bswap32(word);
        }
    }
    lanes key[16], w[16], h[5];
    for (int t = 0; t < 16; t++) key[t] = load(words[t]);
    for (int t = 0; t < 16; t++) w[t] = key[t] ^ 0x36363636u;
    initial_state(h);
    compress(h, w);
    for (int i = 0; i < 5; i++) store(inner + i * 16, h[i]);
    for (int t = 0; t < 16; t++) w[t] = key[t] ^ 0x5C5C5C5Cu;
    initial_state(h);
    compress(h, w);
    for (int i = 0; i < 5; i++) store(outer + i * 16, h[i]);
    wipe(words, sizeof words);
    wipe(key, sizeof key);
    wipe(w, sizeof w);
    wipe(h, sizeof h);
}

ALWAYS_INLINE void hotp(const uint32_t inner[80], const uint32_t outer[80], const uint64_t counters[16], uint32_t truncated[16]) {
    lanes w[16] = {}, h[5];
    /* Inner message: the 8-byte counter, then padding for 64 + 8 bytes. */
    uint32_t high[16], low[16];
    for (int l = 0; l < 16; l++) {
        high[l] = (uint32_t)(counters[l] >> 32);
        low[l] = (uint32_t)counters[l];
    }
    w[0] = load(high);
    w[1] = load(low);
    w[2] = (lanes){} + 0x80000000u;
    w[15] = (lanes){} + (64 + 8) * 8;
    for (int i = 0; i < 5; i++) h[i] = load(inner + i * 16);
    compress(h, w);
    /* Outer message: the inner digest, then padding for 64 + 20 bytes. */
    for (int i = 0; i < 5; i++) w[i] = h[i];
    w[5] = (lanes){} + 0x80000000u;
    for (int t = 6; t < 15; t++) w[t] = (lanes){};
    w[15] = (lanes){} + (64 + 20) * 8;
    for (int i = 0; i < 5; i++) h[i] = load(outer + i * 16);
    compress(h, w);
    /* Dynamic truncation: the low nibble of the last byte picks four bytes of the digest. */
    uint32_t digest[5][16];
    for (int i = 0; i < 5; i++) store(digest[i], h[i]);
    for (int l = 0; l < 16; l++) {
        uint8_t bytes[20];
        for (int i = 0; i < 5; i++) {
            uint32_t v = digest[i][l];
            bytes[i * 4] = v >> 24; bytes[i * 4 + 1] = v >> 16; bytes[i * 4 + 2] = v >> 8; bytes[i * 4 + 3] = v;
        }
        int offset = bytes[19] & 0x0F;
        truncated[l] = ((uint32_t)(bytes[offset] & 0x7F) << 24) | (uint32_t)bytes[offset + 1] << 16
            | (uint32_t)bytes[offset + 2] << 8 | bytes[offset + 3];
    }
}

void oathctl_hmac_sha1_lanes_init_portable(uint32_t inner[80], uint32_t outer[80], const uint8_t keys[16 * 64]) {
    hmac_init(inner, outer, keys);
}

void oathctl_hotp_sha1_lanes_portable(const uint32_t inner[80], const uint32_t outer[80], const uint64_t counters[16], uint32_t truncated[16]) {
    hotp(inner, outer, counters, truncated);
}

#if defined(__x86_64__)
#include <cpuid.h>

__attribute__((target("avx512f")))
static void hmac_init_avx512(uint32_t inner[80], uint32_t outer[80], const uint8_t keys[16 * 64]) { hmac_init(inner, outer, keys); }
__attribute__((target("avx512f")))
static void hotp_avx512(const uint32_t inner[80], const uint32_t outer[80], const uint64_t counters[16], uint32_t truncated[16]) {
    hotp(inner, outer, counters, truncated);
}
__attribute__((target("avx2")))
static void hmac_init_avx2(uint32_t inner[80], uint32_t outer[80], const uint8_t keys[16 * 64]) { hmac_init(inner, outer, keys); }
__attribute__((target("avx2")))
static void hotp_avx2(const uint32_t inner[80], const uint32_t outer[80], const uint64_t counters[16], uint32_t truncated[16]) {
    hotp(inner, outer, counters, truncated);
}

/* The CPU has the instructions and the OS saves the registers they use (XCR0). */
static int detect_level(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 1; /* OSXSAVE */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 1;
    int avx2 = (b & (1u << 5)) && (lo & 0x06) == 0x06;
    int avx512 = (b & (1u << 16)) && (lo & 0xE6) == 0xE6;
    return avx512 ? 3 : (avx2 ? 2 : 1);
}
#else
static int detect_level(void) { return 1; }
#endif

int oathctl_sha1_lanes_level(void) {
    static int level = 0; /* every thread computes the same value; relaxed atomics keep the race defined */
    int seen = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (seen == 0) {
        seen = detect_level();
        __atomic_store_n(&level, seen, __ATOMIC_RELAXED);
    }
    return seen;
}

void oathctl_hmac_sha1_lanes_init(uint32_t inner[80], uint32_t outer[80], const uint8_t keys[16 * 64]) {
#if defined(__x86_64__)
    switch (oathctl_sha1_lanes_level()) {
    case 3: hmac_init_avx512(inner, outer, keys); return;
    case 2: hmac_init_avx2(inner, outer, keys); return;
    }
#endif
    hmac_init(inner, outer, keys);
}

void oathctl_hotp_sha1_lanes(const uint32_t inner[80], const uint32_t outer[80], const uint64_t counters[16], uint32_t truncated[16]) {
#if defined(__x86_64__)
    switch (oathctl_sha1_lanes_level()) {
    case 3: hotp_avx512(inner, outer, counters, truncated); return;
    case 2: hotp_avx2(inner, outer, counters, truncated); return;
    }
#endif
    hotp(inner, outer, counters, truncated);
}
