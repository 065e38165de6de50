/* libFuzzer harness: MMIO instruction decoder (arch/x86_64/insn_decode.c).
 *
 * Input: a control byte (bits 0-1 decode mode, 3 = an invalid mode; bits
 * 2-7 seed the trailing garbage), then the guest instruction bytes (the
 * rest, at most 64 are used). Every decode runs on a heap copy of exactly
 * `avail` bytes, so ASan reports any read at or past avail. Properties:
 * - the result does not depend on `why` being NULL;
 * - failure: -1, *out all zero, a reason in *why; an invalid mode always
 *   fails; with 15 or more bytes available the bytes past the 15th do not
 *   matter (the failure stays a failure with other bytes after them);
 * - success: 1 <= len <= 15, len <= avail, size in {1,2,4,8}, reg in
 *   [-1,15], ext in INSN_EXT_*, dest_size in {1,2,4,8} and >= size (equal
 *   without ext), xchg -> write and a register, reg -1 -> an immediate
 *   store, high_byte -> 1-byte access of reg 4-7, no REX registers or
 *   8-byte accesses outside 64-bit mode, imm only for immediate stores;
 * - success: decoding the first len bytes alone or followed by various
 *   garbage gives the identical result, and every shorter prefix fails;
 * - insn_store_value/insn_apply_load follow the rules in insn_decode.h.
 * The same bytes also go through the control-register write decoder
 * (arch/x86_64/lib/insn_cr.c), with the same failure, length and
 * truncation properties, and on success: the fields are in range and
 * match the bytes themselves (only accepted prefixes before 0F, the
 * opcode and ModRM at the end, REX bits from the byte before 0F, LOCK
 * only on MOV and then CR8). No input decodes as both.
 * And through insn_length_of for each instruction SVM skips without
 * next-RIP save: on success the length is at most 15 and avail, the
 * opcode ends it and only prefixes precede it, garbage after it changes
 * nothing and every shorter copy fails. */
#include "arch/x86_64/lib/insn_cr.h"
#include "arch/x86_64/lib/insn_decode.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_BYTES 64u
#define GARBAGE	  32u

struct result {
	int r;
	struct mmio_insn m;
	const char *why;
};

/* Decodes bytes[0..n) followed by `extra` bytes of tail[] from an exact
 * heap copy (tail may be NULL when extra is 0). */
static struct result decode(const uint8_t *bytes, size_t n, const uint8_t *tail,
			    size_t extra, enum insn_mode mode, bool with_why)
{
	struct result res;
	uint8_t *buf = malloc(n + extra); /* ASan: non-NULL even for 0 */

	CHECK(buf != NULL);
	if (n)
		memcpy(buf, bytes, n);
	if (extra)
		memcpy(buf + n, tail, extra);
	/* Poison the output to see that it is fully (re)written. */
	memset(&res.m, 0xA5, sizeof(res.m));
	res.why = NULL;
	res.r = insn_decode_mmio(buf, n + extra, mode, &res.m,
				 with_why ? &res.why : NULL);
	free(buf);
	return res;
}

static bool same_insn(const struct mmio_insn *a, const struct mmio_insn *b)
{
	return a->len == b->len && a->write == b->write && a->xchg == b->xchg &&
	       a->size == b->size && a->reg == b->reg &&
	       a->high_byte == b->high_byte && a->imm == b->imm &&
	       a->ext == b->ext && a->dest_size == b->dest_size;
}

static bool zero_insn(const struct mmio_insn *m)
{
	static const struct mmio_insn z;

	return same_insn(m, &z);
}

static bool valid_size(unsigned s)
{
	return s == 1 || s == 2 || s == 4 || s == 8;
}

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t sext(uint64_t v, unsigned size)
{
	uint64_t sign = 1ull << (8 * size - 1);

	if (size >= 8)
		return v;
	v &= mask_of(size);
	return (v ^ sign) - sign;
}

/* The documented load/store helpers, on a decoded instruction. */
static void check_helpers(const struct mmio_insn *m, uint64_t reg, uint64_t mem)
{
	uint64_t st = insn_store_value(m, reg);
	uint64_t ld = insn_apply_load(m, reg, mem);
	uint64_t v = mem & mask_of(m->size);
	unsigned dest = m->size;

	CHECK((st & ~mask_of(m->size)) == 0);
	if (m->reg < 0)
		CHECK(st == (m->imm & mask_of(m->size)));
	else if (m->high_byte)
		CHECK(st == ((reg >> 8) & 0xFF));
	else
		CHECK(st == (reg & mask_of(m->size)));

	if (m->ext != INSN_EXT_NONE) {
		if (m->ext == INSN_EXT_SIGN)
			v = sext(v, m->size);
		dest = m->dest_size;
	}
	switch (dest) {
	case 8:
		CHECK(ld == v);
		break;
	case 4:
		CHECK(ld == (v & 0xFFFFFFFFull));
		break;
	case 2:
		CHECK(ld == ((reg & ~0xFFFFull) | (v & 0xFFFF)));
		break;
	default:
		if (m->high_byte)
			CHECK(ld == ((reg & ~0xFF00ull) | ((v & 0xFF) << 8)));
		else
			CHECK(ld == ((reg & ~0xFFull) | (v & 0xFF)));
		break;
	}
}

static void check_success(const struct mmio_insn *m, size_t avail,
			  enum insn_mode mode)
{
	CHECK(m->len >= 1 && m->len <= INSN_MAX_LEN);
	CHECK(m->len <= avail);
	CHECK(valid_size(m->size));
	CHECK(m->reg >= -1 && m->reg <= 15);
	CHECK(m->ext == INSN_EXT_NONE || m->ext == INSN_EXT_ZERO ||
	      m->ext == INSN_EXT_SIGN);
	CHECK(valid_size(m->dest_size));
	CHECK(m->dest_size >= m->size);
	if (m->ext == INSN_EXT_NONE) {
		CHECK(m->dest_size == m->size);
	} else {
		CHECK(!m->write);
		CHECK(m->size == 1 || m->size == 2);
		CHECK(m->dest_size >= 2);
		CHECK(m->reg >= 0);
	}
	if (m->xchg)
		CHECK(m->write && m->reg >= 0);
	if (m->reg < 0)
		CHECK(m->write && !m->xchg && !m->high_byte);
	else
		CHECK(m->imm == 0);
	if (m->high_byte)
		CHECK(m->size == 1 && m->reg >= 4 && m->reg <= 7);
	if (mode != INSN_MODE64) {
		CHECK(m->reg <= 7);
		CHECK(m->size != 8 && m->dest_size != 8);
	}
	if (m->reg < 0 && m->size == 8) /* C7 imm32, sign-extended */
		CHECK(m->imm == sext(m->imm, 4));
	else if (m->reg < 0)
		CHECK((m->imm & ~mask_of(m->size)) == 0);
}

static bool same_result(const struct result *a, const struct result *b)
{
	return a->r == b->r && same_insn(&a->m, &b->m);
}

struct cr_result {
	int r;
	struct cr_insn m;
	const char *why;
};

/* decode() for the control-register write decoder. */
static struct cr_result decode_cr(const uint8_t *bytes, size_t n,
				  const uint8_t *tail, size_t extra,
				  enum insn_mode mode, bool with_why)
{
	struct cr_result res;
	uint8_t *buf = malloc(n + extra);

	CHECK(buf != NULL);
	if (n)
		memcpy(buf, bytes, n);
	if (extra)
		memcpy(buf + n, tail, extra);
	memset(&res.m, 0xA5, sizeof(res.m));
	res.why = NULL;
	res.r = insn_decode_cr_write(buf, n + extra, mode, &res.m,
				     with_why ? &res.why : NULL);
	free(buf);
	return res;
}

static bool same_cr(const struct cr_result *a, const struct cr_result *b)
{
	return a->r == b->r && a->m.len == b->m.len && a->m.op == b->m.op &&
	       a->m.cr == b->m.cr && a->m.reg == b->m.reg &&
	       a->m.wide == b->m.wide;
}

/* A successful decode checked against the bytes it came from. */
static void check_cr_success(const struct cr_insn *m, const uint8_t *b,
			     size_t n, enum insn_mode mode)
{
	unsigned oplen = m->op == CR_INSN_CLTS ? 2 : 3, len = m->len;
	uint8_t modrm = b[len - 1], rex = 0;
	bool lock = false;

	CHECK(len >= oplen && len <= INSN_MAX_LEN && len <= n);
	CHECK(m->wide == (m->op == CR_INSN_MOV_TO && mode == INSN_MODE64));
	for (unsigned i = 0; i < len - oplen; i++) {
		uint8_t p = b[i];

		if (mode == INSN_MODE64 && (p & 0xF0) == 0x40) {
			rex = p;
			continue;
		}
		CHECK(p == 0x26 || p == 0x2E || p == 0x36 || p == 0x3E ||
		      p == 0x64 || p == 0x65 || p == 0x66 || p == 0x67 ||
		      p == 0xF0);
		lock |= p == 0xF0;
		rex = 0;
	}
	CHECK(b[len - oplen] == 0x0F);
	switch (m->op) {
	case CR_INSN_CLTS:
		CHECK(b[len - 1] == 0x06);
		CHECK(m->cr == 0 && m->reg == -1 && !lock);
		return;
	case CR_INSN_LMSW:
		CHECK(b[len - 2] == 0x01 && modrm >= 0xF0 && modrm <= 0xF7);
		CHECK(m->cr == 0 && !lock);
		break;
	case CR_INSN_MOV_TO:
		CHECK(b[len - 2] == 0x22);
		CHECK(m->cr == 0 || m->cr == 2 || m->cr == 3 || m->cr == 4 ||
		      m->cr == 8);
		CHECK((m->cr & 7) == ((modrm >> 3) & 7));
		if (lock)
			CHECK(m->cr == 8);
		else
			CHECK((m->cr >> 3) == ((rex >> 2) & 1));
		break;
	default:
		CHECK(!"unknown op");
	}
	CHECK(m->reg == ((modrm & 7) | ((rex & 1) << 3)));
}

/* Runs the CR decoder on the same input; returns true on success. */
static bool check_cr(const uint8_t *bytes, size_t n, uint8_t tail[4][GARBAGE],
		     enum insn_mode mode, bool bad_mode)
{
	static const struct cr_insn zero;
	struct cr_result res, again;

	res = decode_cr(bytes, n, NULL, 0, mode, true);
	again = decode_cr(bytes, n, NULL, 0, mode, false);
	CHECK(same_cr(&res, &again));
	CHECK(res.r == 0 || res.r == -1);
	if (res.r != 0) {
		CHECK(memcmp(&res.m, &zero, sizeof(zero)) == 0);
		CHECK(res.why != NULL && res.why[0] != '\0');
		if (n >= INSN_MAX_LEN && !bad_mode) {
			for (unsigned t = 0; t < 4; t++) {
				again = decode_cr(bytes, INSN_MAX_LEN, tail[t],
						  GARBAGE, mode, true);
				CHECK(again.r == -1);
			}
		}
		return false;
	}
	CHECK(!bad_mode);
	check_cr_success(&res.m, bytes, n, mode);
	for (unsigned t = 0; t < 4; t++) {
		again =
		    decode_cr(bytes, res.m.len, tail[t], GARBAGE, mode, true);
		CHECK(same_cr(&res, &again));
	}
	for (size_t k = 0; k < res.m.len; k++) {
		again = decode_cr(bytes, k, NULL, 0, mode, true);
		CHECK(again.r == -1 && again.m.len == 0 && again.why != NULL);
	}
	return true;
}

static bool is_prefix(uint8_t b, enum insn_mode mode)
{
	static const uint8_t legacy[] = {0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x26,
					 0x2E, 0x36, 0x3E, 0x64, 0x65};
	if (mode == INSN_MODE64 && (b & 0xF0) == 0x40)
		return true;
	return memchr(legacy, b, sizeof(legacy)) != NULL;
}

static int length_of(const uint8_t *bytes, size_t n, const uint8_t *tail,
		     size_t extra, enum insn_mode mode, const uint8_t *op,
		     size_t oplen)
{
	uint8_t *buf = malloc(n + extra ? n + extra : 1);
	CHECK(buf != NULL);
	memcpy(buf, bytes, n);
	if (extra)
		memcpy(buf + n, tail, extra);
	const char *why = NULL;
	int r = insn_length_of(buf, n + extra, mode, op, oplen, &why);
	free(buf);
	CHECK(r > 0 || (r == -1 && why != NULL));
	return r;
}

static void check_length(const uint8_t *bytes, size_t n,
			 uint8_t tail[4][GARBAGE], enum insn_mode mode)
{
	static const uint8_t ops[][4] = {
	    {2, 0x0F, 0xA2},	   {1, 0xF4},	    {3, 0x0F, 0x01, 0xD9},
	    {3, 0x0F, 0x01, 0xD1}, {2, 0x0F, 0x32}, {2, 0x0F, 0x30},
	    {2, 0x0F, 0x08},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const uint8_t *op = ops[i] + 1;
		size_t oplen = ops[i][0];
		int r = length_of(bytes, n, NULL, 0, mode, op, oplen);
		if (r < 0)
			continue;
		size_t len = (size_t)r;
		CHECK(len <= INSN_MAX_LEN && len <= n && len >= oplen);
		CHECK(memcmp(bytes + len - oplen, op, oplen) == 0);
		for (size_t k = 0; k + oplen < len; k++)
			CHECK(is_prefix(bytes[k], mode));
		for (unsigned t = 0; t < 4; t++)
			CHECK(length_of(bytes, len, tail[t], GARBAGE, mode, op,
					oplen) == r);
		for (size_t k = 0; k < len; k++)
			CHECK(length_of(bytes, k, NULL, 0, mode, op, oplen) ==
			      -1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum insn_mode mode;
	const uint8_t *bytes;
	uint8_t tail[4][GARBAGE];
	uint32_t seed;
	size_t n;
	struct result res, again;
	bool cr_ok;

	if (size < 1)
		return 0;
	mode = (enum insn_mode)(data[0] & 3);
	seed = 0x9E3779B9u * (uint32_t)((data[0] >> 2) + 1);
	bytes = data + 1;
	n = size - 1 < MAX_BYTES ? size - 1 : MAX_BYTES;

	/* Garbage tails: pseudo-random, all ones, all 66 (an operand-size
	 * prefix) and all 0F (an escape byte). */
	for (unsigned i = 0; i < GARBAGE; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		tail[0][i] = (uint8_t)seed;
		tail[1][i] = 0xFF;
		tail[2][i] = 0x66;
		tail[3][i] = 0x0F;
	}

	cr_ok = check_cr(bytes, n, tail, mode, data[0] % 4 == 3);
	check_length(bytes, n, tail, mode);

	res = decode(bytes, n, NULL, 0, mode, true);
	again = decode(bytes, n, NULL, 0, mode, false);
	CHECK(same_result(&res, &again));
	CHECK(res.r == 0 || res.r == -1);

	if (res.r != 0) {
		CHECK(zero_insn(&res.m));
		CHECK(res.why != NULL && res.why[0] != '\0');
		if (data[0] % 4 == 3 || n == 0)
			return 0;
		/* Nothing past the 15-byte limit may turn it into a success. */
		if (n >= INSN_MAX_LEN) {
			for (unsigned t = 0; t < 4; t++) {
				again = decode(bytes, INSN_MAX_LEN, tail[t],
					       GARBAGE, mode, true);
				CHECK(again.r == -1);
			}
		}
		return 0;
	}

	CHECK(data[0] % 4 != 3); /* an invalid mode never decodes */
	CHECK(!cr_ok);		 /* no MMIO access writes a CR */
	check_success(&res.m, n, mode);

	/* The first len bytes decide everything. */
	again = decode(bytes, res.m.len, NULL, 0, mode, true);
	CHECK(same_result(&res, &again));
	for (unsigned t = 0; t < 4; t++) {
		again = decode(bytes, res.m.len, tail[t], GARBAGE, mode, true);
		CHECK(same_result(&res, &again));
	}
	/* The original bytes after len, inverted. */
	if (n > res.m.len) {
		uint8_t inv[MAX_BYTES];
		size_t k = n - res.m.len;

		for (size_t i = 0; i < k; i++)
			inv[i] = (uint8_t)~bytes[res.m.len + i];
		again = decode(bytes, res.m.len, inv, k, mode, true);
		CHECK(same_result(&res, &again));
	}
	/* Truncated instructions never decode. */
	for (size_t k = 0; k < res.m.len; k++) {
		again = decode(bytes, k, NULL, 0, mode, true);
		CHECK(again.r == -1);
		CHECK(zero_insn(&again.m));
		CHECK(again.why != NULL);
	}

	{
		uint64_t a = 0x0123456789ABCDEFull, b = 0xFEDCBA9876543210ull;

		for (size_t i = 0; i < n && i < 8; i++) {
			a ^= (uint64_t)bytes[n - 1 - i] << (8 * i);
			b = b * 0x100000001B3ull + bytes[i];
		}
		check_helpers(&res.m, a, b);
		check_helpers(&res.m, b, a);
		check_helpers(&res.m, 0, ~0ull);
		check_helpers(&res.m, ~0ull, 0x80);
	}
	return 0;
}
