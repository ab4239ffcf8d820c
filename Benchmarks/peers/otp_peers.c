/*
 * Peers for `make bench`: 2,000 random 20-byte keys (SplitMix64, seed 20261122) x 100 consecutive
 * steps from a random time, the workload oathbench measures; one core, best of 5.
 * Prints "name<TAB>codes per second" lines.
 *   - OpenSSL's one-shot HMAC()
 *   - liboath's oath_totp_generate (oathtool's library), when built with -DHAVE_LIBOATH
 *   - the two-compression floor: SHA1_Transform twice per code from cached key states, in C
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_LIBOATH
#include <liboath/oath.h>
#endif

#define KEYS 2000
#define PER_KEY 100

static uint64_t state = 20261122ULL;
static uint64_t next(void) {
    state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static unsigned char keys[KEYS][20];
static uint64_t counters[KEYS];
static volatile uint32_t sink;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static uint32_t truncate6(const unsigned char *mac, int len) {
    int o = mac[len - 1] & 0x0F;
    uint32_t b = ((uint32_t)(mac[o] & 0x7F) << 24) | ((uint32_t)mac[o + 1] << 16) | ((uint32_t)mac[o + 2] << 8) | mac[o + 3];
    return b % 1000000;
}

static void run_oneshot(void) {
    unsigned char msg[8], out[20];
    unsigned int len;
    for (int k = 0; k < KEYS; k++)
        for (int i = 0; i < PER_KEY; i++) {
            uint64_t c = counters[k] + i;
            for (int j = 0; j < 8; j++) msg[j] = (unsigned char)(c >> (56 - 8 * j));
            HMAC(EVP_sha1(), keys[k], 20, msg, 8, out, &len);
            sink += truncate6(out, 20);
        }
}

static void be32(unsigned char *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

static void run_floor(void) {
    SHA_CTX inner, outer, c;
    unsigned char pad[64], block[64], out[20];
    for (int k = 0; k < KEYS; k++) {
        for (int r = 0; r < 2; r++) {
            memset(pad, r ? 0x5c : 0x36, 64);
            for (int j = 0; j < 20; j++) pad[j] ^= keys[k][j];
            SHA1_Init(r ? &outer : &inner);
            SHA1_Update(r ? &outer : &inner, pad, 64);
        }
        for (int i = 0; i < PER_KEY; i++) {
            uint64_t v = counters[k] + i;
            memset(block, 0, 64);
            for (int j = 0; j < 8; j++) block[j] = (unsigned char)(v >> (56 - 8 * j));
            block[8] = 0x80;
            block[62] = (72 * 8) >> 8; block[63] = (72 * 8) & 0xFF;
            c = inner;
            SHA1_Transform(&c, block);
            be32(block, c.h0); be32(block + 4, c.h1); be32(block + 8, c.h2); be32(block + 12, c.h3); be32(block + 16, c.h4);
            block[20] = 0x80;
            memset(block + 21, 0, 41);
            block[62] = (84 * 8) >> 8; block[63] = (84 * 8) & 0xFF;
            c = outer;
            SHA1_Transform(&c, block);
            be32(out, c.h0); be32(out + 4, c.h1); be32(out + 8, c.h2); be32(out + 12, c.h3); be32(out + 16, c.h4);
            sink += truncate6(out, 20);
        }
    }
}

#ifdef HAVE_LIBOATH
static void run_liboath(void) {
    char otp[10];
    for (int k = 0; k < KEYS; k++)
        for (int i = 0; i < PER_KEY; i++) {
            time_t t = (time_t)((counters[k] + i) * 30);
            oath_totp_generate((const char *)keys[k], 20, t, 30, 0, 6, otp);
            sink += otp[0];
        }
}
#endif

static void measure(const char *name, void (*body)(void)) {
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        body();
        double t = now() - t0;
        if (t < best) best = t;
    }
    printf("%s\t%.0f\n", name, (double)KEYS * PER_KEY / best);
}

int main(void) {
    for (int k = 0; k < KEYS; k++)
        for (int j = 0; j < 20; j++) keys[k][j] = (unsigned char)(next() & 0xFF);
    for (int k = 0; k < KEYS; k++) counters[k] = next() % (4102444800ULL / 30);
    measure("openssl_hmac_oneshot", run_oneshot);
    measure("two_compression_floor", run_floor);
#ifdef HAVE_LIBOATH
    oath_init();
    measure("liboath", run_liboath);
    oath_done();
#endif
    return 0;
}
