/* SHA-256 (FIPS 180-4, sections 4.1.2, 4.2.2, 5.1.1, 5.3.3 and 6.2) and
 * HMAC-SHA256 (RFC 2104). Written for -mgeneral-regs-only: 32-bit rotates,
 * shifts and adds only. */
#include "hv/lib/sha256.h"

/* K: the first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes (FIPS 180-4, 4.2.2). */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* H(0): the first 32 bits of the fractional parts of the square roots of
 * the first 8 primes (FIPS 180-4, 5.3.3). */
static const uint32_t H0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Zeroes p[0, n). The empty asm, which may read *p, keeps the compiler
 * from dropping the stores as dead (the object is often about to go out
 * of scope). */
static void wipe(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

static inline uint32_t rotr(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* FIPS 180-4, 4.1.2 */
#define CH(x, y, z)  (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x)     (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define BSIG1(x)     (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define SSIG0(x)     (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define SSIG1(x)     (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))

/* One block into the chaining value (FIPS 180-4, 6.2.2). The message
 * schedule is kept as a ring of its last 16 words: W[t] replaces W[t-16]
 * in slot t mod 16. The schedule and working variables are left on the
 * stack (wiping them per block would cost more than the hash). */
static void compress(uint32_t h[8], const uint8_t *block)
{
	uint32_t w[16];
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];

	for (unsigned t = 0; t < 64; t++) {
		uint32_t wt, t1, t2;

		if (t < 16) {
			wt = load_be32(block + 4 * t);
		} else {
			wt = SSIG1(w[(t - 2) & 15]) + w[(t - 7) & 15] +
			     SSIG0(w[(t - 15) & 15]) + w[t & 15];
		}
		w[t & 15] = wt;
		t1 = hh + BSIG1(e) + CH(e, f, g) + K[t] + wt;
		t2 = BSIG0(a) + MAJ(a, b, c);
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

void sha256_init(struct sha256 *s)
{
	memcpy(s->h, H0, sizeof(s->h));
	s->len = 0;
	s->fill = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (!n)
		return; /* data may be NULL */
	s->len += n;
	if (s->fill) {
		size_t take = SHA256_BLOCK - s->fill;

		if (take > n)
			take = n;
		memcpy(s->buf + s->fill, p, take);
		s->fill += (unsigned)take;
		p += take;
		n -= take;
		if (s->fill < SHA256_BLOCK)
			return;
		compress(s->h, s->buf);
		s->fill = 0;
	}
	for (; n >= SHA256_BLOCK; p += SHA256_BLOCK, n -= SHA256_BLOCK)
		compress(s->h, p);
	if (n) {
		memcpy(s->buf, p, n);
		s->fill = (unsigned)n;
	}
}

/* Padding (FIPS 180-4, 5.1.1): a 1 bit, zeros up to 56 mod 64 bytes, then
 * the message length in bits as a 64-bit big-endian number. The context is
 * wiped afterwards: in HMAC it holds the key-derived midstate, and for a
 * plain hash the buffered tail of a possibly secret message. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN])
{
	uint64_t bits = s->len << 3;

	s->buf[s->fill++] = 0x80;
	if (s->fill > SHA256_BLOCK - 8) {
		memset(s->buf + s->fill, 0, SHA256_BLOCK - s->fill);
		compress(s->h, s->buf);
		s->fill = 0;
	}
	memset(s->buf + s->fill, 0, SHA256_BLOCK - 8 - s->fill);
	store_be32(s->buf + 56, (uint32_t)(bits >> 32));
	store_be32(s->buf + 60, (uint32_t)bits);
	compress(s->h, s->buf);
	for (unsigned i = 0; i < 8; i++)
		store_be32(out + 4 * i, s->h[i]);
	wipe(s, sizeof(*s));
}

void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, n);
	sha256_final(&s, out);
}

/* RFC 2104, section 2: H(K ^ opad, H(K ^ ipad, text)), K zero-padded to
 * the block size. Both key blocks are absorbed here, so update and final
 * never see the key again. */
void hmac_sha256_init(struct hmac_sha256 *h, const uint8_t *key, size_t keylen)
{
	uint8_t k[SHA256_BLOCK];

	memset(k, 0, sizeof(k));
	if (keylen > SHA256_BLOCK)
		sha256(key, keylen, k);
	else if (keylen)
		memcpy(k, key, keylen);

	for (unsigned i = 0; i < SHA256_BLOCK; i++)
		k[i] ^= 0x36; /* ipad */
	sha256_init(&h->inner);
	sha256_update(&h->inner, k, sizeof(k));

	for (unsigned i = 0; i < SHA256_BLOCK; i++)
		k[i] ^= 0x36 ^ 0x5c; /* undo ipad, apply opad */
	sha256_init(&h->outer);
	sha256_update(&h->outer, k, sizeof(k));

	wipe(k, sizeof(k));
}

void hmac_sha256_update(struct hmac_sha256 *h, const void *msg, size_t n)
{
	sha256_update(&h->inner, msg, n);
}

void hmac_sha256_final(struct hmac_sha256 *h, uint8_t out[SHA256_LEN])
{
	uint8_t ih[SHA256_LEN];

	sha256_final(&h->inner, ih);
	sha256_update(&h->outer, ih, sizeof(ih));
	sha256_final(&h->outer, out);
	wipe(ih, sizeof(ih));
}

void hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t n,
		 uint8_t out[SHA256_LEN])
{
	struct hmac_sha256 h;

	hmac_sha256_init(&h, key, keylen);
	hmac_sha256_update(&h, msg, n);
	hmac_sha256_final(&h, out);
}

/* The empty asm hides acc's value from the optimiser, so it cannot turn
 * the loop into one that stops at the first difference. */
bool bh_ct_equal(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc |= x[i] ^ y[i];
		__asm__("" : "+r"(acc));
	}
	return acc == 0;
}
