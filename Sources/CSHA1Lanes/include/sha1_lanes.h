#ifndef OATHCTL_SHA1_LANES_H
#define OATHCTL_SHA1_LANES_H

#include <stdint.h>

/*
 * HMAC-SHA-1 for sixteen keys at once, one key per SIMD lane, for `find`, which computes a window
 * of codes for every token of the store. libcrypto hashes one message at a time (with SHA-NI about
 * 100 ns per 64-byte block here); sixteen lanes of AVX-512 do a block per lane in a fraction of that.
 * Written by hand because no library on this machine offers multi-buffer SHA-1; it is checked
 * against libcrypto on random keys and counters and against RFC 4226/6238 (OATHCoreTests).
 *
 * Layout: word i of lane l's hash state is state[i * 16 + l]. Everything here runs in constant
 * time (no branch or table lookup on key or message bytes).
 */

#define OATHCTL_SHA1_LANES 16

/* Which implementation runs: 3 = AVX-512, 2 = AVX2, 1 = portable vectors. */
int oathctl_sha1_lanes_level(void);

/* Inner and outer states of each lane's HMAC key (RFC 2104); keys is 16 keys of 64 bytes, each
 * zero-padded (keys longer than 64 bytes must be hashed first: the caller does not pass them). */
void oathctl_hmac_sha1_lanes_init(uint32_t inner[5 * 16], uint32_t outer[5 * 16], const uint8_t keys[16 * 64]);

/* Dynamic truncation (RFC 4226 5.3, before the modulo) of HMAC(key, counter) for each lane. */
void oathctl_hotp_sha1_lanes(const uint32_t inner[5 * 16], const uint32_t outer[5 * 16],
                             const uint64_t counters[16], uint32_t truncated[16]);

/* The same with the portable implementation, whatever the CPU: for tests comparing the two. */
void oathctl_hmac_sha1_lanes_init_portable(uint32_t inner[5 * 16], uint32_t outer[5 * 16], const uint8_t keys[16 * 64]);
void oathctl_hotp_sha1_lanes_portable(const uint32_t inner[5 * 16], const uint32_t outer[5 * 16],
                                      const uint64_t counters[16], uint32_t truncated[16]);

#endif
