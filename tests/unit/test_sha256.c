/* Unit tests for hv/lib/sha256.c: SHA-256 against the FIPS 180-4 / NIST
 * example vectors, HMAC-SHA256 against all seven RFC 4231 test cases,
 * incremental updates against one-shot digests, and bh_ct_equal.
 *
 * The padding-edge digests (lengths 55..65) and the 200-byte pattern digest
 * have no published vector; they were computed once with Python's hashlib
 * and are written here as literals like the others. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/sha256.h"

/* Fails unless the first len bytes of out, in lowercase hex, are hex. */
static void assert_hex_n(const uint8_t *out, size_t len, const char *hex)
{
	static const char digits[] = "0123456789abcdef";
	char got[2 * SHA256_LEN + 1];

	assert_true(len <= SHA256_LEN);
	for (size_t i = 0; i < len; i++) {
		got[2 * i] = digits[out[i] >> 4];
		got[2 * i + 1] = digits[out[i] & 15];
	}
	got[2 * len] = '\0';
	assert_string_equal(got, hex);
}

static void assert_hex(const uint8_t out[SHA256_LEN], const char *hex)
{
	assert_hex_n(out, SHA256_LEN, hex);
}

static void assert_sha256_str(const char *msg, const char *hex)
{
	uint8_t out[SHA256_LEN];

	sha256(msg, strlen(msg), out);
	assert_hex(out, hex);
}

/* ---- SHA-256: FIPS 180-4 / NIST CSRC example vectors -------------------- */

static void test_fips_abc(void **state)
{
	(void)state;
	assert_sha256_str("abc", "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
}

static void test_fips_empty(void **state)
{
	uint8_t out[SHA256_LEN];
	struct sha256 s;

	(void)state;
	assert_sha256_str("", "e3b0c44298fc1c149afbf4c8996fb924"
			      "27ae41e4649b934ca495991b7852b855");
	sha256(NULL, 0, out);
	assert_hex(out, "e3b0c44298fc1c149afbf4c8996fb924"
			"27ae41e4649b934ca495991b7852b855");
	/* Empty updates change nothing. */
	sha256_init(&s);
	sha256_update(&s, NULL, 0);
	sha256_update(&s, "", 0);
	sha256_final(&s, out);
	assert_hex(out, "e3b0c44298fc1c149afbf4c8996fb924"
			"27ae41e4649b934ca495991b7852b855");
}

static void test_fips_448(void **state)
{
	(void)state;
	assert_sha256_str(
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
}

static void test_fips_896(void **state)
{
	(void)state;
	assert_sha256_str("abcdefghbcdefghicdefghijdefghijkefghijklfghijklm"
			  "ghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
			  "mnopqrstnopqrstu",
			  "cf5b16a778af8380036ce59e7b049237"
			  "0b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a', fed in chunks of uneven sizes that straddle block
 * boundaries in every way. */
static void test_million_a(void **state)
{
	static uint8_t a[10000];
	static const size_t chunks[] = {1,   3,	   63, 64,    65,  127,
					500, 4095, 7,  10000, 129, 2};
	uint8_t out[SHA256_LEN];
	struct sha256 s;
	size_t left = 1000000, i = 0;

	(void)state;
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	while (left) {
		size_t n = chunks[i++ % (sizeof(chunks) / sizeof(chunks[0]))];

		if (n > left)
			n = left;
		sha256_update(&s, a, n);
		left -= n;
	}
	sha256_final(&s, out);
	assert_hex(out, "cdc76e5c9914fb9281a1c7e284d73e67"
			"f1809a48a497200e046d39ccc7112cd0");
}

/* ---- SHA-256: padding edges and incremental updates --------------------- */

/* Messages 0x00, 0x01, ... of the lengths around one block: the length
 * field fits after the 0x80 byte up to 55 bytes; from 56 on it needs a
 * second padding block. */
static void test_padding_edges(void **state)
{
	static const struct {
		size_t len;
		const char *hex;
	} v[] = {
	    {55, "463eb28e72f82e0a96c0a4cc53690c57"
		 "1281131f672aa229e0d45ae59b598b59"},
	    {56, "da2ae4d6b36748f2a318f23e7ab1dfdf"
		 "45acdc9d049bd80e59de82a60895f562"},
	    {63, "29af2686fd53374a36b0846694cc3421"
		 "77e428d1647515f078784d69cdb9e488"},
	    {64, "fdeab9acf3710362bd2658cdc9a29e8f"
		 "9c757fcf9811603a8c447cd1d9151108"},
	    {65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2"
		 "694182027e6d0fc075074f2fabb31781"},
	};
	uint8_t msg[65], out[SHA256_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		struct sha256 s;

		sha256(msg, v[k].len, out);
		assert_hex(out, v[k].hex);
		/* The same, one byte at a time. */
		sha256_init(&s);
		for (size_t i = 0; i < v[k].len; i++)
			sha256_update(&s, msg + i, 1);
		sha256_final(&s, out);
		assert_hex(out, v[k].hex);
	}
}

#define PATTERN_LEN 200
#define PATTERN_HEX                                                            \
	"5e48d64839a8bff5e2471507af6a49f9990817df437857f4a2007df41266e1b5"

static void fill_pattern(uint8_t *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m[i] = (uint8_t)(i * 37 + 11);
}

/* Split in two at every offset 0..n, and in three at every pair of
 * offsets: always the one-shot digest. */
static void test_incremental_splits(void **state)
{
	uint8_t m[PATTERN_LEN], one[SHA256_LEN], out[SHA256_LEN];
	struct sha256 s;

	(void)state;
	fill_pattern(m, sizeof(m));
	sha256(m, sizeof(m), one);
	assert_hex(one, PATTERN_HEX);
	for (size_t i = 0; i <= sizeof(m); i++) {
		sha256_init(&s);
		sha256_update(&s, m, i);
		sha256_update(&s, m + i, sizeof(m) - i);
		sha256_final(&s, out);
		assert_memory_equal(out, one, SHA256_LEN);
	}
	for (size_t i = 0; i <= sizeof(m); i++) {
		for (size_t j = i; j <= sizeof(m); j++) {
			sha256_init(&s);
			sha256_update(&s, m, i);
			sha256_update(&s, m + i, j - i);
			sha256_update(&s, m + j, sizeof(m) - j);
			sha256_final(&s, out);
			assert_memory_equal(out, one, SHA256_LEN);
		}
	}
}

/* A context copied mid-message finishes to the same digest, and the final
 * call leaves the context all zeros. */
static void test_copy_and_wipe(void **state)
{
	static const uint8_t zero[sizeof(struct sha256)];
	uint8_t m[PATTERN_LEN], a[SHA256_LEN], b[SHA256_LEN];
	struct sha256 s, t;

	(void)state;
	fill_pattern(m, sizeof(m));
	sha256_init(&s);
	sha256_update(&s, m, 77);
	t = s;
	sha256_update(&s, m + 77, sizeof(m) - 77);
	sha256_update(&t, m + 77, sizeof(m) - 77);
	sha256_final(&s, a);
	sha256_final(&t, b);
	assert_hex(a, PATTERN_HEX);
	assert_hex(b, PATTERN_HEX);
	assert_memory_equal(&s, zero, sizeof(s));
	assert_memory_equal(&t, zero, sizeof(t));
}

/* ---- HMAC-SHA256: RFC 4231 section 4 ------------------------------------ */

static void check_hmac(const uint8_t *key, size_t keylen, const void *msg,
		       size_t n, const char *hex)
{
	uint8_t out[SHA256_LEN];
	struct hmac_sha256 h;

	hmac_sha256(key, keylen, msg, n, out);
	assert_hex_n(out, strlen(hex) / 2, hex);
	hmac_sha256_init(&h, key, keylen);
	hmac_sha256_update(&h, msg, n / 3);
	hmac_sha256_update(&h, (const uint8_t *)msg + n / 3, n - n / 3);
	hmac_sha256_final(&h, out);
	assert_hex_n(out, strlen(hex) / 2, hex);
}

static void test_rfc4231_case1(void **state)
{
	uint8_t key[20];

	(void)state;
	memset(key, 0x0b, sizeof(key));
	check_hmac(key, sizeof(key), "Hi There", 8,
		   "b0344c61d8db38535ca8afceaf0bf12b"
		   "881dc200c9833da726e9376c2e32cff7");
}

/* A key shorter than the output length. */
static void test_rfc4231_case2(void **state)
{
	static const char msg[] = "what do ya want for nothing?";

	(void)state;
	check_hmac((const uint8_t *)"Jefe", 4, msg, sizeof(msg) - 1,
		   "5bdcc146bf60754e6a042426089575c7"
		   "5a003f089d2739839dec58b964ec3843");
}

/* Combined length of key and data larger than 64 bytes. */
static void test_rfc4231_case3(void **state)
{
	uint8_t key[20], msg[50];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	memset(msg, 0xdd, sizeof(msg));
	check_hmac(key, sizeof(key), msg, sizeof(msg),
		   "773ea91e36800e46854db8ebd09181a7"
		   "2959098b3ef8c122d9635514ced565fe");
}

static void test_rfc4231_case4(void **state)
{
	uint8_t key[25], msg[50];

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i + 1);
	memset(msg, 0xcd, sizeof(msg));
	check_hmac(key, sizeof(key), msg, sizeof(msg),
		   "82558a389a443c0ea4cc819899f2083a"
		   "85f0faa3e578f8077a2e3ff46729665b");
}

/* Truncation to 128 bits: only the first 16 bytes are specified. */
static void test_rfc4231_case5(void **state)
{
	uint8_t key[20];

	(void)state;
	memset(key, 0x0c, sizeof(key));
	check_hmac(key, sizeof(key), "Test With Truncation", 20,
		   "a3b6167473100ee06e0c796c2955552b");
}

/* A 131-byte key, hashed first. */
static void test_rfc4231_case6(void **state)
{
	static const char msg[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[131];

	(void)state;
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), msg, sizeof(msg) - 1,
		   "60e431591ee0b67f0d8a26aacbf5b77f"
		   "8e0bc6213728c5140546040f0ee37f54");
}

static const char case7_msg[] =
    "This is a test using a larger than block-size key and a larger than "
    "block-size data. The key needs to be hashed before being used by the "
    "HMAC algorithm.";
#define CASE7_HEX                                                              \
	"9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"

/* A 131-byte key and 152 bytes of data. */
static void test_rfc4231_case7(void **state)
{
	uint8_t key[131];

	(void)state;
	assert_int_equal(sizeof(case7_msg) - 1, 152);
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), case7_msg, sizeof(case7_msg) - 1,
		   CASE7_HEX);
}

/* ---- HMAC-SHA256: properties -------------------------------------------- */

/* Test case 7 with the data split at every offset. */
static void test_hmac_incremental(void **state)
{
	const size_t n = sizeof(case7_msg) - 1;
	uint8_t key[131], out[SHA256_LEN];
	struct hmac_sha256 h;

	(void)state;
	memset(key, 0xaa, sizeof(key));
	for (size_t i = 0; i <= n; i++) {
		hmac_sha256_init(&h, key, sizeof(key));
		hmac_sha256_update(&h, case7_msg, i);
		hmac_sha256_update(&h, case7_msg + i, n - i);
		hmac_sha256_final(&h, out);
		assert_hex(out, CASE7_HEX);
	}
}

/* RFC 2104 key handling: a key longer than 64 bytes acts as its SHA-256
 * digest; a key up to 64 bytes is zero-padded, so trailing zeros do not
 * matter; a 64-byte key is used as is, not hashed. */
static void test_hmac_key_handling(void **state)
{
	static const uint8_t msg[] = "message";
	uint8_t key[131], padded[64], kd[SHA256_LEN];
	uint8_t a[SHA256_LEN], b[SHA256_LEN];

	(void)state;
	for (size_t len = 65; len <= sizeof(key); len++) {
		fill_pattern(key, len);
		sha256(key, len, kd);
		hmac_sha256(key, len, msg, sizeof(msg), a);
		hmac_sha256(kd, sizeof(kd), msg, sizeof(msg), b);
		assert_memory_equal(a, b, SHA256_LEN);
	}

	fill_pattern(key, 20);
	memset(padded, 0, sizeof(padded));
	memcpy(padded, key, 20);
	hmac_sha256(key, 20, msg, sizeof(msg), a);
	for (size_t len = 20; len <= sizeof(padded); len++) {
		hmac_sha256(padded, len, msg, sizeof(msg), b);
		assert_memory_equal(a, b, SHA256_LEN);
	}
	/* An empty key is 64 zero bytes. */
	hmac_sha256(NULL, 0, msg, sizeof(msg), a);
	hmac_sha256(padded + 20, 44, msg, sizeof(msg), b);
	assert_memory_equal(a, b, SHA256_LEN);

	fill_pattern(key, 64);
	sha256(key, 64, kd);
	hmac_sha256(key, 64, msg, sizeof(msg), a);
	hmac_sha256(kd, sizeof(kd), msg, sizeof(msg), b);
	assert_memory_not_equal(a, b, SHA256_LEN);
}

/* hmac_sha256_final leaves no key-derived state in the context. */
static void test_hmac_wipe(void **state)
{
	static const uint8_t zero[sizeof(struct hmac_sha256)];
	uint8_t key[20], out[SHA256_LEN];
	struct hmac_sha256 h;

	(void)state;
	memset(key, 0x0b, sizeof(key));
	hmac_sha256_init(&h, key, sizeof(key));
	assert_memory_not_equal(&h, zero, sizeof(h));
	hmac_sha256_update(&h, "Hi There", 8);
	hmac_sha256_final(&h, out);
	assert_memory_equal(&h, zero, sizeof(h));
	assert_hex(out, "b0344c61d8db38535ca8afceaf0bf12b"
			"881dc200c9833da726e9376c2e32cff7");
}

/* ---- bh_ct_equal --------------------------------------------------------- */

static void test_ct_equal(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	fill_pattern(a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(bh_ct_equal(a, b, sizeof(a)));
	assert_true(bh_ct_equal(a, a, sizeof(a)));
	assert_true(bh_ct_equal(a, b, 0));
	assert_true(bh_ct_equal(NULL, NULL, 0));
	assert_true(bh_ct_equal("ab", "ax", 1));
	assert_false(bh_ct_equal("ab", "ax", 2));
	/* Every single-bit difference, at every position, is seen. */
	for (size_t i = 0; i < sizeof(a); i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_false(bh_ct_equal(a, b, sizeof(a)));
			assert_false(bh_ct_equal(b, a, sizeof(a)));
			/* Outside the compared range it does not matter. */
			assert_true(bh_ct_equal(a, b, i));
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* Differences that would cancel under a sum or an XOR fold. */
	b[0] ^= 0x01;
	b[1] ^= 0x01;
	assert_false(bh_ct_equal(a, b, sizeof(a)));
	memcpy(b, a, sizeof(b));
	b[3] = (uint8_t)(a[3] + 1);
	b[9] = (uint8_t)(a[9] - 1);
	assert_false(bh_ct_equal(a, b, sizeof(a)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fips_abc),
	    cmocka_unit_test(test_fips_empty),
	    cmocka_unit_test(test_fips_448),
	    cmocka_unit_test(test_fips_896),
	    cmocka_unit_test(test_million_a),
	    cmocka_unit_test(test_padding_edges),
	    cmocka_unit_test(test_incremental_splits),
	    cmocka_unit_test(test_copy_and_wipe),
	    cmocka_unit_test(test_rfc4231_case1),
	    cmocka_unit_test(test_rfc4231_case2),
	    cmocka_unit_test(test_rfc4231_case3),
	    cmocka_unit_test(test_rfc4231_case4),
	    cmocka_unit_test(test_rfc4231_case5),
	    cmocka_unit_test(test_rfc4231_case6),
	    cmocka_unit_test(test_rfc4231_case7),
	    cmocka_unit_test(test_hmac_incremental),
	    cmocka_unit_test(test_hmac_key_handling),
	    cmocka_unit_test(test_hmac_wipe),
	    cmocka_unit_test(test_ct_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
