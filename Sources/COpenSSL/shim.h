#ifndef OATHCTL_COPENSSL_SHIM_H
#define OATHCTL_COPENSSL_SHIM_H

/*
 * The low-level SHA contexts (SHA_CTX, SHA256_CTX, SHA512_CTX) are deprecated in OpenSSL 3
 * but remain the only public way to snapshot a hash state after the HMAC key block.
 * oathctl caches those two states per token (see OATHCore/HMACKey.swift), which turns each
 * further code into two compressions instead of OpenSSL's 1-3 µs of per-call HMAC setup.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/err.h>
#include <string.h>

/* Inner and outer hash states of one HMAC key, for SHA-1, SHA-256 or SHA-512. */
typedef struct {
    int alg; /* 1 = SHA-1, 256 = SHA-256, 512 = SHA-512 */
    union { SHA_CTX sha1; SHA256_CTX sha256; SHA512_CTX sha512; } inner, outer;
} oath_hmac_state;

static inline size_t oath_hmac_block_size(int alg) { return alg == 512 ? 128 : 64; }
static inline size_t oath_hmac_digest_size(int alg) { return alg == 1 ? 20 : (alg == 256 ? 32 : 64); }

/* Absorbs key XOR ipad and key XOR opad (RFC 2104) into the two cached states. Returns 0 on a bad alg. */
static inline int oath_hmac_state_init(oath_hmac_state *s, int alg, const unsigned char *key, size_t key_len) {
    unsigned char block[128];
    unsigned char pad[128];
    size_t bs = oath_hmac_block_size(alg);
    memset(block, 0, sizeof block);
    s->alg = alg;
    if (key_len > bs) {
        switch (alg) {
        case 1: SHA1(key, key_len, block); break;
        case 256: SHA256(key, key_len, block); break;
        case 512: SHA512(key, key_len, block); break;
        default: return 0;
        }
    } else if (key_len > 0) {
        memcpy(block, key, key_len);
    }
    for (int round = 0; round < 2; round++) {
        unsigned char x = round == 0 ? 0x36 : 0x5c;
        for (size_t i = 0; i < bs; i++) pad[i] = block[i] ^ x;
        switch (alg) {
        case 1:
            if (round == 0) { SHA1_Init(&s->inner.sha1); SHA1_Update(&s->inner.sha1, pad, bs); }
            else { SHA1_Init(&s->outer.sha1); SHA1_Update(&s->outer.sha1, pad, bs); }
            break;
        case 256:
            if (round == 0) { SHA256_Init(&s->inner.sha256); SHA256_Update(&s->inner.sha256, pad, bs); }
            else { SHA256_Init(&s->outer.sha256); SHA256_Update(&s->outer.sha256, pad, bs); }
            break;
        case 512:
            if (round == 0) { SHA512_Init(&s->inner.sha512); SHA512_Update(&s->inner.sha512, pad, bs); }
            else { SHA512_Init(&s->outer.sha512); SHA512_Update(&s->outer.sha512, pad, bs); }
            break;
        default: return 0;
        }
    }
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
    return 1;
}

/* HMAC of msg from the cached states; writes oath_hmac_digest_size(alg) bytes to out. */
static inline void oath_hmac_state_mac(const oath_hmac_state *s, const unsigned char *msg, size_t msg_len, unsigned char *out) {
    unsigned char inner_digest[64];
    switch (s->alg) {
    case 1: {
        SHA_CTX c = s->inner.sha1;
        SHA1_Update(&c, msg, msg_len); SHA1_Final(inner_digest, &c);
        c = s->outer.sha1;
        SHA1_Update(&c, inner_digest, 20); SHA1_Final(out, &c);
        break;
    }
    case 256: {
        SHA256_CTX c = s->inner.sha256;
        SHA256_Update(&c, msg, msg_len); SHA256_Final(inner_digest, &c);
        c = s->outer.sha256;
        SHA256_Update(&c, inner_digest, 32); SHA256_Final(out, &c);
        break;
    }
    default: {
        SHA512_CTX c = s->inner.sha512;
        SHA512_Update(&c, msg, msg_len); SHA512_Final(inner_digest, &c);
        c = s->outer.sha512;
        SHA512_Update(&c, inner_digest, 64); SHA512_Final(out, &c);
        break;
    }
    }
}

static inline void oath_store_be32(unsigned char *p, unsigned int v) {
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16); p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

static inline void oath_store_be64(unsigned char *p, unsigned long long v) {
    oath_store_be32(p, (unsigned int)(v >> 32)); oath_store_be32(p + 4, (unsigned int)v);
}

/*
 * HMAC of an 8-byte message (an OTP counter) from the cached states: exactly one hash-block
 * transform for the inner hash and one for the outer, with the padding written here instead of
 * through SHA*_Update/Final. This is the two-compression floor of HMAC for a key under a block.
 */
static inline void oath_hmac_state_mac8(const oath_hmac_state *s, const unsigned char msg[8], unsigned char *out) {
    unsigned char block[128];
    switch (s->alg) {
    case 1: {
        SHA_CTX c = s->inner.sha1;
        memset(block, 0, 64);
        memcpy(block, msg, 8);
        block[8] = 0x80;
        oath_store_be64(block + 56, (64 + 8) * 8);
        SHA1_Transform(&c, block);
        oath_store_be32(block, c.h0); oath_store_be32(block + 4, c.h1); oath_store_be32(block + 8, c.h2);
        oath_store_be32(block + 12, c.h3); oath_store_be32(block + 16, c.h4);
        c = s->outer.sha1;
        block[20] = 0x80;
        memset(block + 21, 0, 35);
        oath_store_be64(block + 56, (64 + 20) * 8);
        SHA1_Transform(&c, block);
        oath_store_be32(out, c.h0); oath_store_be32(out + 4, c.h1); oath_store_be32(out + 8, c.h2);
        oath_store_be32(out + 12, c.h3); oath_store_be32(out + 16, c.h4);
        break;
    }
    case 256: {
        SHA256_CTX c = s->inner.sha256;
        memset(block, 0, 64);
        memcpy(block, msg, 8);
        block[8] = 0x80;
        oath_store_be64(block + 56, (64 + 8) * 8);
        SHA256_Transform(&c, block);
        for (int i = 0; i < 8; i++) oath_store_be32(block + 4 * i, c.h[i]);
        c = s->outer.sha256;
        block[32] = 0x80;
        memset(block + 33, 0, 23);
        oath_store_be64(block + 56, (64 + 32) * 8);
        SHA256_Transform(&c, block);
        for (int i = 0; i < 8; i++) oath_store_be32(out + 4 * i, c.h[i]);
        break;
    }
    default: {
        SHA512_CTX c = s->inner.sha512;
        memset(block, 0, 128);
        memcpy(block, msg, 8);
        block[8] = 0x80;
        oath_store_be64(block + 120, (128 + 8) * 8);
        SHA512_Transform(&c, block);
        for (int i = 0; i < 8; i++) oath_store_be64(block + 8 * i, c.h[i]);
        c = s->outer.sha512;
        block[64] = 0x80;
        memset(block + 65, 0, 55);
        oath_store_be64(block + 120, (128 + 64) * 8);
        SHA512_Transform(&c, block);
        for (int i = 0; i < 8; i++) oath_store_be64(out + 8 * i, c.h[i]);
        break;
    }
    }
}

static inline void oath_hmac_state_cleanse(oath_hmac_state *s) { OPENSSL_cleanse(s, sizeof *s); }

#endif
