/* Unit tests for arch/x86_64/lib/insn_cr.c. Every instruction is
 * hand-assembled (SDM Vol. 2 MOV (control registers), CLTS, LMSW; AMD APM
 * Vol. 3 MOV(CRn) for the LOCK form of CR8) and decoded from an exact-size
 * heap copy, so ASan flags any read past `avail`; each valid form is also
 * decoded truncated at every length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/lib/insn_cr.h"

#define M16 INSN_MODE16
#define M32 INSN_MODE32
#define M64 INSN_MODE64

/* Decodes n bytes from a heap buffer of exactly n bytes. */
static int decode_exact(const uint8_t *src, size_t n, enum insn_mode mode,
			struct cr_insn *out, const char **why)
{
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	if (n)
		memcpy(buf, src, n);
	int r = insn_decode_cr_write(buf, n, mode, out, why);
	free(buf);
	return r;
}

static void assert_zeroed(const struct cr_insn *m)
{
	assert_int_equal(m->len, 0);
	assert_int_equal(m->op, 0);
	assert_int_equal(m->cr, 0);
	assert_int_equal(m->reg, 0);
	assert_false(m->wide);
}

struct want {
	uint8_t op, cr;
	int8_t reg;
	bool wide;
};

struct ccase {
	const char *name;
	enum insn_mode mode;
	struct want w;
	uint8_t n;
	uint8_t bytes[INSN_MAX_LEN];
};

#define BYTES(...) .n = sizeof((uint8_t[]){__VA_ARGS__}), .bytes = {__VA_ARGS__}

/* Expected-result shorthands. */
#define MOV64(c, r)                                                            \
	{                                                                      \
		.op = CR_INSN_MOV_TO, .cr = (c), .reg = (r), .wide = true      \
	}
#define MOV32(c, r)                                                            \
	{                                                                      \
		.op = CR_INSN_MOV_TO, .cr = (c), .reg = (r)                    \
	}
#define CLTS                                                                   \
	{                                                                      \
		.op = CR_INSN_CLTS, .reg = -1                                  \
	}
#define LMSW(r)                                                                \
	{                                                                      \
		.op = CR_INSN_LMSW, .reg = (r)                                 \
	}

static const struct ccase cases[] = {
    /* ---- 64-bit mode: MOV to CRn ---- */
    {"mov cr0, rax", M64, MOV64(0, 0), BYTES(0x0F, 0x22, 0xC0)},
    {"mov cr2, rdx", M64, MOV64(2, 2), BYTES(0x0F, 0x22, 0xD2)},
    {"mov cr3, rdi", M64, MOV64(3, 7), BYTES(0x0F, 0x22, 0xDF)},
    {"mov cr4, rcx", M64, MOV64(4, 1), BYTES(0x0F, 0x22, 0xE1)},
    {"mov cr8, rax (REX.R)", M64, MOV64(8, 0), BYTES(0x44, 0x0F, 0x22, 0xC0)},
    {"mov cr0, r8 (REX.B)", M64, MOV64(0, 8), BYTES(0x41, 0x0F, 0x22, 0xC0)},
    {"mov cr4, r12 (REX.WB, W ignored)", M64, MOV64(4, 12),
     BYTES(0x49, 0x0F, 0x22, 0xE4)},
    {"mov cr8, r15 (REX.RB)", M64, MOV64(8, 15), BYTES(0x45, 0x0F, 0x22, 0xC7)},
    {"mov cr3, r11 (REX.WXB)", M64, MOV64(3, 11),
     BYTES(0x4B, 0x0F, 0x22, 0xDB)},
    /* mod is ignored: no SIB, no displacement */
    {"0F 22 00 == mov cr0, rax (mod 0)", M64, MOV64(0, 0),
     BYTES(0x0F, 0x22, 0x00)},
    {"0F 22 04: mod 0 rm 4 is rsp, no SIB", M64, MOV64(0, 4),
     BYTES(0x0F, 0x22, 0x04)},
    {"0F 22 65: mod 1 rm 5 is rbp, no disp8", M64, MOV64(4, 5),
     BYTES(0x0F, 0x22, 0x65)},
    {"0F 22 A4: mod 2 rm 4, no SIB or disp32", M64, MOV64(4, 4),
     BYTES(0x0F, 0x22, 0xA4)},
    {"0F 22 1D: mod 0 rm 5 is rbp, not RIP+disp32", M64, MOV64(3, 5),
     BYTES(0x0F, 0x22, 0x1D)},
    /* prefixes */
    {"66 mov cr0, rax", M64, MOV64(0, 0), BYTES(0x66, 0x0F, 0x22, 0xC0)},
    {"cs mov cr4, rax", M64, MOV64(4, 0), BYTES(0x2E, 0x0F, 0x22, 0xE0)},
    {"all ignored legacy prefixes", M64, MOV64(3, 0),
     BYTES(0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0x0F, 0x22, 0xD8)},
    {"REX before 66 is ignored", M64, MOV64(0, 0),
     BYTES(0x44, 0x66, 0x0F, 0x22, 0xC0)},
    {"REX before a segment override is ignored", M64, MOV64(0, 0),
     BYTES(0x41, 0x2E, 0x0F, 0x22, 0xC0)},
    {"66 then REX counts", M64, MOV64(8, 9),
     BYTES(0x66, 0x45, 0x0F, 0x22, 0xC1)},
    {"only the last of two REX counts", M64, MOV64(8, 0),
     BYTES(0x41, 0x44, 0x0F, 0x22, 0xC0)},
    {"lock mov cr0, rax is mov cr8, rax", M64, MOV64(8, 0),
     BYTES(0xF0, 0x0F, 0x22, 0xC0)},
    {"lock + REX.R: still cr8", M64, MOV64(8, 3),
     BYTES(0xF0, 0x44, 0x0F, 0x22, 0xC3)},

    /* ---- 64-bit mode: CLTS, LMSW ---- */
    {"clts", M64, CLTS, BYTES(0x0F, 0x06)},
    {"66 clts", M64, CLTS, BYTES(0x66, 0x0F, 0x06)},
    {"REX.W clts (REX ignored)", M64, CLTS, BYTES(0x48, 0x0F, 0x06)},
    {"lmsw ax", M64, LMSW(0), BYTES(0x0F, 0x01, 0xF0)},
    {"lmsw di", M64, LMSW(7), BYTES(0x0F, 0x01, 0xF7)},
    {"lmsw r9w (REX.B)", M64, LMSW(9), BYTES(0x41, 0x0F, 0x01, 0xF1)},
    {"lmsw si (REX.R ignored)", M64, LMSW(6), BYTES(0x44, 0x0F, 0x01, 0xF6)},
    {"66 lmsw dx", M64, LMSW(2), BYTES(0x66, 0x0F, 0x01, 0xF2)},

    /* ---- 32-bit mode ---- */
    {"32: mov cr0, eax", M32, MOV32(0, 0), BYTES(0x0F, 0x22, 0xC0)},
    {"32: mov cr4, ebx", M32, MOV32(4, 3), BYTES(0x0F, 0x22, 0xE3)},
    {"32: mov cr3, esp (mod 0)", M32, MOV32(3, 4), BYTES(0x0F, 0x22, 0x1C)},
    {"32: 66 mov cr0, eax", M32, MOV32(0, 0), BYTES(0x66, 0x0F, 0x22, 0xC0)},
    {"32: lock mov cr8, eax (AltMovCr8)", M32, MOV32(8, 0),
     BYTES(0xF0, 0x0F, 0x22, 0xC0)},
    {"32: lock after cs: mov cr8, ecx", M32, MOV32(8, 1),
     BYTES(0x2E, 0xF0, 0x0F, 0x22, 0xC1)},
    {"32: lock before ds", M32, MOV32(8, 7),
     BYTES(0xF0, 0x3E, 0x0F, 0x22, 0xC7)},
    {"32: clts", M32, CLTS, BYTES(0x0F, 0x06)},
    {"32: lmsw dx", M32, LMSW(2), BYTES(0x0F, 0x01, 0xF2)},

    /* ---- 16-bit mode ---- */
    {"16: mov cr0, eax", M16, MOV32(0, 0), BYTES(0x0F, 0x22, 0xC0)},
    {"16: 66 mov cr4, esi", M16, MOV32(4, 6), BYTES(0x66, 0x0F, 0x22, 0xE6)},
    {"16: lock mov cr8, eax", M16, MOV32(8, 0), BYTES(0xF0, 0x0F, 0x22, 0xC0)},
    {"16: clts", M16, CLTS, BYTES(0x0F, 0x06)},
    {"16: lmsw ax", M16, LMSW(0), BYTES(0x0F, 0x01, 0xF0)},
};

/* Compares one field, naming the case only when it differs. */
#define CHECK_FIELD(got, want, name)                                           \
	do {                                                                   \
		if ((int64_t)(got) != (int64_t)(want))                         \
			print_error("%s: %s\n", name, #got);                   \
		assert_int_equal(got, want);                                   \
	} while (0)

static void check_case(const struct ccase *c, const struct cr_insn *m)
{
	const struct want *w = &c->w;

	CHECK_FIELD(m->len, c->n, c->name);
	CHECK_FIELD(m->op, w->op, c->name);
	CHECK_FIELD(m->cr, w->cr, c->name);
	CHECK_FIELD(m->reg, w->reg, c->name);
	CHECK_FIELD(m->wide, w->wide, c->name);
}

static void test_valid_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(cases); i++) {
		const struct ccase *c = &cases[i];
		struct cr_insn m;
		const char *why = NULL;

		memset(&m, 0xAA, sizeof(m));
		int r = decode_exact(c->bytes, c->n, c->mode, &m, &why);
		if (r != 0)
			print_error("%s: %s\n", c->name, why);
		assert_int_equal(r, 0);
		check_case(c, &m);
		/* why may be NULL */
		memset(&m, 0xAA, sizeof(m));
		assert_int_equal(
		    decode_exact(c->bytes, c->n, c->mode, &m, NULL), 0);
		check_case(c, &m);
	}
}

/* Trailing bytes after the instruction must not change the result. */
static void test_valid_forms_with_trailing_bytes(void **state)
{
	static const uint8_t fills[] = {0x00, 0x0F, 0x22, 0x66, 0xFF};

	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(cases); i++) {
		const struct ccase *c = &cases[i];

		for (size_t f = 0; f < sizeof(fills); f++) {
			uint8_t buf[32];
			struct cr_insn m;
			const char *why = NULL;

			memset(buf, fills[f], sizeof(buf));
			memcpy(buf, c->bytes, c->n);
			assert_int_equal(insn_decode_cr_write(buf, sizeof(buf),
							      c->mode, &m,
							      &why),
					 0);
			check_case(c, &m);
		}
	}
}

/* Every proper prefix of every valid form is "truncated", read from an
 * exact-size buffer (ASan catches a read at index avail). */
static void test_truncated_at_every_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(cases); i++) {
		const struct ccase *c = &cases[i];

		for (size_t k = 0; k < c->n; k++) {
			struct cr_insn m;
			const char *why = NULL;

			memset(&m, 0xAA, sizeof(m));
			int r = decode_exact(c->bytes, k, c->mode, &m, &why);
			if (r != -1)
				print_error("%s: accepted at %zu bytes\n",
					    c->name, k);
			assert_int_equal(r, -1);
			assert_string_equal(why, "instruction truncated");
			assert_zeroed(&m);
		}
	}
}

static void test_null_and_empty(void **state)
{
	struct cr_insn m;
	const char *why = NULL;

	(void)state;
	assert_int_equal(insn_decode_cr_write(NULL, 0, M64, &m, &why), -1);
	assert_string_equal(why, "instruction truncated");
	why = NULL;
	assert_int_equal(insn_decode_cr_write(NULL, 16, M64, &m, &why), -1);
	assert_string_equal(why, "instruction truncated");
	memset(&m, 0xAA, sizeof(m));
	assert_int_equal(insn_decode_cr_write(NULL, 0, M32, &m, NULL), -1);
	assert_zeroed(&m);
}

static void test_invalid_mode(void **state)
{
	static const uint8_t b[] = {0x0F, 0x22, 0xC0};
	struct cr_insn m;
	const char *why = NULL;

	(void)state;
	memset(&m, 0xAA, sizeof(m));
	assert_int_equal(
	    decode_exact(b, sizeof(b), (enum insn_mode)3, &m, &why), -1);
	assert_string_equal(why, "invalid decode mode");
	assert_zeroed(&m);
}

struct bad {
	const char *name;
	enum insn_mode mode;
	const char *why;
	uint8_t n;
	uint8_t bytes[INSN_MAX_LEN];
};

#define R_NOT_CR "not a control-register write"
#define R_NO_CR	 "no such control register"
#define R_LOCK	 "LOCK prefix on an instruction other than MOV to CR"
#define R_REP	 "REP/REPNE prefix not supported"
#define R_LMSW_M "LMSW from memory is not emulated"

static const struct bad bad_cases[] = {
    /* 40-4F are INC/DEC outside 64-bit mode, not REX */
    {"32: 41 is inc ecx, not REX.B", M32, R_NOT_CR,
     BYTES(0x41, 0x0F, 0x22, 0xC0)},
    {"32: 44 is inc esp, not REX.R", M32, R_NOT_CR,
     BYTES(0x44, 0x0F, 0x22, 0xC0)},
    {"16: 48 is dec ax", M16, R_NOT_CR, BYTES(0x48, 0x0F, 0x22, 0xC0)},
    /* REP/REPNE */
    {"rep mov cr0, rax", M64, R_REP, BYTES(0xF3, 0x0F, 0x22, 0xC0)},
    {"repne clts", M64, R_REP, BYTES(0xF2, 0x0F, 0x06)},
    {"rep after other prefixes", M32, R_REP,
     BYTES(0x66, 0x2E, 0xF3, 0x0F, 0x01, 0xF0)},
    /* LOCK anywhere but MOV CR */
    {"lock clts", M64, R_LOCK, BYTES(0xF0, 0x0F, 0x06)},
    {"32: lock clts", M32, R_LOCK, BYTES(0xF0, 0x0F, 0x06)},
    {"lock lmsw ax", M64, R_LOCK, BYTES(0xF0, 0x0F, 0x01, 0xF0)},
    {"lock add [rax], eax", M64, R_NOT_CR, BYTES(0xF0, 0x01, 0x00)},
    /* control registers that do not exist */
    {"mov cr1, rax", M64, R_NO_CR, BYTES(0x0F, 0x22, 0xC8)},
    {"mov cr5, rax", M64, R_NO_CR, BYTES(0x0F, 0x22, 0xE8)},
    {"mov cr6, rax", M64, R_NO_CR, BYTES(0x0F, 0x22, 0xF0)},
    {"mov cr7, rax", M64, R_NO_CR, BYTES(0x0F, 0x22, 0xF8)},
    {"mov cr9, rax (REX.R)", M64, R_NO_CR, BYTES(0x44, 0x0F, 0x22, 0xC8)},
    {"mov cr12, rax", M64, R_NO_CR, BYTES(0x44, 0x0F, 0x22, 0xE0)},
    {"mov cr15, rax", M64, R_NO_CR, BYTES(0x44, 0x0F, 0x22, 0xF8)},
    {"32: mov cr1, eax", M32, R_NO_CR, BYTES(0x0F, 0x22, 0xC8)},
    {"32: mov cr5, eax (mod 0)", M32, R_NO_CR, BYTES(0x0F, 0x22, 0x28)},
    {"32: lock mov cr3 would be cr11", M32, R_NO_CR,
     BYTES(0xF0, 0x0F, 0x22, 0xD8)},
    {"lock mov cr4 would be cr12", M64, R_NO_CR, BYTES(0xF0, 0x0F, 0x22, 0xE0)},
    /* LMSW with a memory operand */
    {"lmsw [rax]", M64, R_LMSW_M, BYTES(0x0F, 0x01, 0x30)},
    {"lmsw [rax+0x10]", M64, R_LMSW_M, BYTES(0x0F, 0x01, 0x70, 0x10)},
    {"16: lmsw [bx]", M16, R_LMSW_M, BYTES(0x0F, 0x01, 0x37)},
    {"lmsw [rip+0] (truncated disp, refused on ModRM)", M64, R_LMSW_M,
     BYTES(0x0F, 0x01, 0x35)},
    /* neighbours that do not write a control register */
    {"mov rax, cr0 (0F 20)", M64, R_NOT_CR, BYTES(0x0F, 0x20, 0xC0)},
    {"mov dr0, rax (0F 23)", M64, R_NOT_CR, BYTES(0x0F, 0x23, 0xC0)},
    {"smsw eax (0F 01 /4)", M64, R_NOT_CR, BYTES(0x0F, 0x01, 0xE0)},
    {"swapgs (0F 01 /7)", M64, R_NOT_CR, BYTES(0x0F, 0x01, 0xF8)},
    {"vmrun (0F 01 D8)", M64, R_NOT_CR, BYTES(0x0F, 0x01, 0xD8)},
    {"lgdt [rax] (0F 01 /2)", M64, R_NOT_CR, BYTES(0x0F, 0x01, 0x10)},
    {"ud2", M64, R_NOT_CR, BYTES(0x0F, 0x0B)},
    {"mov eax, ecx", M64, R_NOT_CR, BYTES(0x89, 0xC8)},
    {"nop", M32, R_NOT_CR, BYTES(0x90)},
    {"22 without 0F", M64, R_NOT_CR, BYTES(0x22, 0xC0)},
};

static void test_rejected_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(bad_cases); i++) {
		const struct bad *c = &bad_cases[i];
		struct cr_insn m;
		const char *why = NULL;

		memset(&m, 0x55, sizeof(m));
		int r = decode_exact(c->bytes, c->n, c->mode, &m, &why);
		if (r != -1 || !why || strcmp(why, c->why) != 0)
			print_error("%s: got %d \"%s\"\n", c->name, r,
				    why ? why : "(null)");
		assert_int_equal(r, -1);
		assert_non_null(why);
		assert_string_equal(why, c->why);
		assert_zeroed(&m); /* zeroed on failure */
	}
}

/* n copies of prefix followed by `tail`, in an exact-size heap buffer. */
static int decode_prefixed(uint8_t prefix, size_t n, const uint8_t *tail,
			   size_t tail_len, enum insn_mode mode,
			   struct cr_insn *m, const char **why)
{
	uint8_t buf[64];

	assert_true(n + tail_len <= sizeof(buf));
	memset(buf, prefix, n);
	if (tail_len)
		memcpy(buf + n, tail, tail_len);
	return decode_exact(buf, n + tail_len, mode, m, why);
}

static void test_length_limit(void **state)
{
	static const uint8_t mov[] = {0x0F, 0x22, 0xE0};
	static const uint8_t clts[] = {0x0F, 0x06};
	static const uint8_t rex_mov[] = {0x44, 0x0F, 0x22, 0xC0};
	struct cr_insn m;
	const char *why = NULL;

	(void)state;
	/* 12 prefixes + 3 bytes = 15: the longest legal MOV CR */
	assert_int_equal(decode_prefixed(0x2E, 12, mov, 3, M64, &m, &why), 0);
	assert_int_equal(m.len, 15);
	assert_int_equal(m.cr, 4);
	assert_int_equal(decode_prefixed(0x66, 12, mov, 3, M32, &m, &why), 0);
	assert_int_equal(m.len, 15);
	/* ... and with the REX as the 12th byte */
	assert_int_equal(decode_prefixed(0x3E, 11, rex_mov, 4, M64, &m, &why),
			 0);
	assert_int_equal(m.len, 15);
	assert_int_equal(m.cr, 8);
	/* 13 prefixes + 3 bytes = 16 */
	assert_int_equal(decode_prefixed(0x2E, 13, mov, 3, M64, &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	assert_zeroed(&m);
	/* CLTS: 13 + 2 fits, 14 + 2 does not */
	assert_int_equal(decode_prefixed(0x65, 13, clts, 2, M16, &m, &why), 0);
	assert_int_equal(m.len, 15);
	assert_int_equal(decode_prefixed(0x65, 14, clts, 2, M16, &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	/* 15 prefixes, then a whole MOV CR: overlong */
	assert_int_equal(decode_prefixed(0x2E, 15, mov, 3, M64, &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	/* prefixes only: 15 and 40 of them (REX too) */
	assert_int_equal(decode_prefixed(0x66, 15, NULL, 0, M64, &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	assert_int_equal(decode_prefixed(0x44, 40, NULL, 0, M64, &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	/* 14 prefixes and nothing else available: truncated, not too long */
	assert_int_equal(decode_prefixed(0x67, 14, NULL, 0, M64, &m, &why), -1);
	assert_string_equal(why, "instruction truncated");
	/* REX alone */
	assert_int_equal(decode_prefixed(0x44, 1, NULL, 0, M64, &m, &why), -1);
	assert_string_equal(why, "instruction truncated");
}

/* What the decoder must say about 0F xx [ModRM] in every mode: the length
 * table (2 bytes for CLTS, 3 for MOV CR and LMSW, whatever the mod bits)
 * and which second opcode bytes and ModRM values are accepted. */
static void test_length_table(void **state)
{
	static const enum insn_mode modes[] = {M16, M32, M64};
	unsigned accepted = 0;

	(void)state;
	for (size_t mi = 0; mi < BH_ARRAY_SIZE(modes); mi++) {
		for (unsigned op = 0; op < 256; op++) {
			for (unsigned modrm = 0; modrm < 256; modrm++) {
				uint8_t b[3] = {0x0F, (uint8_t)op,
						(uint8_t)modrm};
				unsigned regf = (modrm >> 3) & 7;
				struct cr_insn m;
				int want_len = 0;

				if (op == 0x06)
					want_len = 2;
				else if (op == 0x22 &&
					 (regf == 0 || regf == 2 || regf == 3 ||
					  regf == 4))
					want_len = 3;
				else if (op == 0x01 && modrm >= 0xF0 &&
					 modrm <= 0xF7)
					want_len = 3;

				int r = decode_exact(b, 3, modes[mi], &m, NULL);
				if (want_len == 0) {
					assert_int_equal(r, -1);
					continue;
				}
				if (r != 0)
					print_error("0F %02X %02X mode %zu\n",
						    op, modrm, mi);
				assert_int_equal(r, 0);
				assert_int_equal(m.len, want_len);
				assert_int_equal(m.wide, op == 0x22 &&
							     modes[mi] == M64);
				if (op == 0x06) {
					assert_int_equal(m.op, CR_INSN_CLTS);
					assert_int_equal(m.reg, -1);
				} else {
					assert_int_equal(m.reg, modrm & 7);
					assert_int_equal(m.cr,
							 op == 0x22 ? regf : 0);
				}
				accepted++;
			}
		}
	}
	/* per mode: 256 CLTS + 4 CRs x 32 MOV + 8 LMSW */
	assert_int_equal(accepted, 3 * (256 + 4 * 32 + 8));
}

/* The same instruction in the three modes: only 64-bit mode has REX and
 * 64-bit operands; LOCK gives CR8 everywhere. */
static void test_modes(void **state)
{
	static const uint8_t rex_b[] = {0x41, 0x0F, 0x22, 0xC0};
	static const uint8_t lock[] = {0xF0, 0x0F, 0x22, 0xC2};
	struct cr_insn m;
	const char *why = NULL;

	(void)state;
	assert_int_equal(decode_exact(rex_b, 4, M64, &m, &why), 0);
	assert_int_equal(m.reg, 8);
	assert_true(m.wide);
	assert_int_equal(decode_exact(rex_b, 4, M32, &m, &why), -1);
	assert_string_equal(why, R_NOT_CR);
	assert_int_equal(decode_exact(rex_b, 4, M16, &m, &why), -1);
	assert_string_equal(why, R_NOT_CR);
	/* 32-bit mode decodes the bytes after INC ECX as MOV CR0 */
	assert_int_equal(decode_exact(rex_b + 1, 3, M32, &m, &why), 0);
	assert_int_equal(m.reg, 0);
	assert_false(m.wide);

	for (int mode = M16; mode <= M64; mode++) {
		assert_int_equal(
		    decode_exact(lock, 4, (enum insn_mode)mode, &m, &why), 0);
		assert_int_equal(m.op, CR_INSN_MOV_TO);
		assert_int_equal(m.cr, 8);
		assert_int_equal(m.reg, 2);
		assert_int_equal(m.len, 4);
		assert_int_equal(m.wide, mode == M64);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_forms),
	    cmocka_unit_test(test_valid_forms_with_trailing_bytes),
	    cmocka_unit_test(test_truncated_at_every_length),
	    cmocka_unit_test(test_null_and_empty),
	    cmocka_unit_test(test_invalid_mode),
	    cmocka_unit_test(test_rejected_forms),
	    cmocka_unit_test(test_length_limit),
	    cmocka_unit_test(test_length_table),
	    cmocka_unit_test(test_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
