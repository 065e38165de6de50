/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), plus a constant-time
 * comparison for checking tags. Pure logic: compiled into the core and
 * unit-tested on the host. Integer-only (shifts, adds, no division).
 *
 * The final calls wipe their context (see sha256_final); a context must be
 * initialised again before it is reused. */
#ifndef BH_SHA256_H
#define BH_SHA256_H

#include "hv/lib/lib.h"

#define SHA256_LEN   32 /* digest bytes */
#define SHA256_BLOCK 64 /* bytes per compression */

struct sha256 {
	uint32_t h[8];		   /* chaining value */
	uint64_t len;		   /* bytes hashed so far */
	uint8_t buf[SHA256_BLOCK]; /* partial block */
	unsigned fill;		   /* bytes used in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes the digest to out and zeroes *s. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One-shot digest of data[0, n). */
void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN]);

/* HMAC-SHA256: the inner and outer hashes with the padded key already
 * absorbed, so after init the context holds key-equivalent state. */
struct hmac_sha256 {
	struct sha256 inner, outer;
};

/* Keys longer than SHA256_BLOCK bytes are replaced by their SHA-256
 * digest, shorter ones are padded with zeros (RFC 2104, section 2). */
void hmac_sha256_init(struct hmac_sha256 *h, const uint8_t *key, size_t keylen);
void hmac_sha256_update(struct hmac_sha256 *h, const void *msg, size_t n);
/* Writes the tag to out and zeroes *h. */
void hmac_sha256_final(struct hmac_sha256 *h, uint8_t out[SHA256_LEN]);
/* One-shot tag of msg[0, n) under key[0, keylen). */
void hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t n,
		 uint8_t out[SHA256_LEN]);

/* True if a[0, n) and b[0, n) are equal. Always reads all n bytes of both,
 * with no data-dependent branch, so the time taken does not tell how long
 * a matching prefix is (use it to check MACs). n == 0 compares equal. */
bool bh_ct_equal(const void *a, const void *b, size_t n);

#endif
