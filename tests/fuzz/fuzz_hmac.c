/* libFuzzer harness: SHA-256 and HMAC-SHA256 (hv/lib/sha256.c).
 *
 * Input: keylen(2, mod 512) key(keylen) nchunks(1) chunk sizes(nchunks),
 * then the message (the rest). A chunk size byte b is b itself if b < 0x80,
 * else (b & 0x7f) * 64 + 1; the message is fed in those chunk sizes in turn
 * (0 included: empty updates, but after a full round of zeros the rest
 * goes in one piece), the last chunk taking what remains; with no
 * chunk sizes it is fed in one piece. Properties checked besides "no
 * crash" (ASan catches reads past the key or message):
 * - incremental SHA-256 and HMAC equal the one-shot ones;
 * - a SHA-256 context copied midway finishes to the same digest;
 * - the final calls leave their context all zeros;
 * - HMAC with a key over 64 bytes equals HMAC with the key's digest, and
 *   a key up to 64 bytes equals the key zero-padded to 64 bytes;
 * - bh_ct_equal agrees with memcmp. */
#include "hv/lib/sha256.h"
#include "tests/fuzz/fuzz_util.h"

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

struct chunker {
	const uint8_t *sizes;
	size_t nsizes, next, zeros;
};

/* The next chunk length, at most left; after a whole round of empty
 * chunks, all that is left (so the feeding loops always end). */
static size_t next_chunk(struct chunker *c, size_t left)
{
	size_t n;
	uint8_t b;

	if (!c->nsizes)
		return left;
	b = c->sizes[c->next++ % c->nsizes];
	n = b < 0x80 ? b : (size_t)(b & 0x7f) * 64 + 1;
	if (n)
		c->zeros = 0;
	else if (++c->zeros > c->nsizes)
		return left;
	return n < left ? n : left;
}

/* SHA-256 of msg in the chunker's pieces; a copy of the context taken
 * after the first half of the pieces finishes the same way. */
static void sha256_chunked(struct chunker c, const uint8_t *msg, size_t n,
			   uint8_t out[SHA256_LEN])
{
	struct sha256 s, copy;
	uint8_t other[SHA256_LEN];
	size_t off = 0, pieces = 0;
	bool copied = false;

	sha256_init(&s);
	do {
		size_t k = next_chunk(&c, n - off);

		sha256_update(&s, msg + off, k);
		if (copied)
			sha256_update(&copy, msg + off, k);
		off += k;
		if (!copied && ++pieces >= c.nsizes / 2) {
			copy = s;
			copied = true;
		}
	} while (off < n);
	if (!copied)
		copy = s;
	sha256_final(&s, out);
	CHECK(all_zero(&s, sizeof(s)));
	sha256_final(&copy, other);
	CHECK(memcmp(out, other, SHA256_LEN) == 0);
}

static void hmac_chunked(struct chunker c, const uint8_t *key, size_t keylen,
			 const uint8_t *msg, size_t n, uint8_t out[SHA256_LEN])
{
	struct hmac_sha256 h;
	size_t off = 0;

	hmac_sha256_init(&h, key, keylen);
	do {
		size_t k = next_chunk(&c, n - off);

		hmac_sha256_update(&h, msg + off, k);
		off += k;
	} while (off < n);
	hmac_sha256_final(&h, out);
	CHECK(all_zero(&h, sizeof(h)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {data, size};
	struct chunker c = {0};
	uint8_t one[SHA256_LEN], inc[SHA256_LEN], alt[SHA256_LEN];
	uint8_t kd[SHA256_LEN], padded[SHA256_BLOCK];
	const uint8_t *key, *msg;
	size_t keylen, n;

	keylen = (size_t)take(&r, 2) % 512;
	if (keylen > r.n)
		keylen = r.n;
	key = r.p;
	r.p += keylen;
	r.n -= keylen;
	c.nsizes = (size_t)take(&r, 1);
	if (c.nsizes > r.n)
		c.nsizes = r.n;
	c.sizes = r.p;
	r.p += c.nsizes;
	r.n -= c.nsizes;
	msg = r.p;
	n = r.n;

	sha256(msg, n, one);
	sha256_chunked(c, msg, n, inc);
	CHECK(memcmp(one, inc, SHA256_LEN) == 0);
	CHECK(bh_ct_equal(one, inc, SHA256_LEN));

	hmac_sha256(key, keylen, msg, n, one);
	hmac_chunked(c, key, keylen, msg, n, inc);
	CHECK(memcmp(one, inc, SHA256_LEN) == 0);

	if (keylen > SHA256_BLOCK) {
		sha256(key, keylen, kd);
		hmac_sha256(kd, sizeof(kd), msg, n, alt);
		CHECK(memcmp(one, alt, SHA256_LEN) == 0);
	} else {
		memset(padded, 0, sizeof(padded));
		if (keylen)
			memcpy(padded, key, keylen);
		hmac_sha256(padded, sizeof(padded), msg, n, alt);
		CHECK(memcmp(one, alt, SHA256_LEN) == 0);
	}

	/* bh_ct_equal against memcmp on two halves of the message. */
	CHECK(bh_ct_equal(msg, msg + n / 2, n / 2) ==
	      (memcmp(msg, msg + n / 2, n / 2) == 0));
	return 0;
}
