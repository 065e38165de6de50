/* Unit tests for arch/x86_64/insn_decode.c. Every instruction is
 * hand-assembled (SDM Vol. 2 ch. 2 and the MOV/MOVZX/MOVSX/XCHG pages)
 * and decoded from an exact-size heap copy, so ASan flags any read past
 * `avail`; each valid form is also decoded truncated at every length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/lib/insn_decode.h"

#define M16 INSN_MODE16
#define M32 INSN_MODE32
#define M64 INSN_MODE64

/* Decodes n bytes from a heap buffer of exactly n bytes. */
static int decode_exact(const uint8_t *src, size_t n, enum insn_mode mode,
			struct mmio_insn *out, const char **why)
{
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	if (n)
		memcpy(buf, src, n);
	int r = insn_decode_mmio(buf, n, mode, out, why);
	free(buf);
	return r;
}

struct want {
	bool write, xchg;
	uint8_t size;
	int8_t reg;
	bool high_byte;
	uint64_t imm;
	uint8_t ext, dest_size;
};

struct dcase {
	const char *name;
	enum insn_mode mode;
	struct want w;
	uint8_t n;
	uint8_t bytes[INSN_MAX_LEN];
};

#define BYTES(...) .n = sizeof((uint8_t[]){__VA_ARGS__}), .bytes = {__VA_ARGS__}

/* Expected-result shorthands: access kind, size, register (or -1). */
#define LOAD(sz, r)                                                            \
	{                                                                      \
		.size = (sz), .reg = (r), .dest_size = (sz)                    \
	}
#define STORE(sz, r)                                                           \
	{                                                                      \
		.write = true, .size = (sz), .reg = (r), .dest_size = (sz)     \
	}
#define LOAD_HI(r)                                                             \
	{                                                                      \
		.size = 1, .reg = (r), .high_byte = true, .dest_size = 1       \
	}
#define STORE_HI(r)                                                            \
	{                                                                      \
		.write = true, .size = 1, .reg = (r), .high_byte = true,       \
		.dest_size = 1                                                 \
	}
#define IMM(sz, v)                                                             \
	{                                                                      \
		.write = true, .size = (sz), .reg = -1, .imm = (v),            \
		.dest_size = (sz)                                              \
	}
#define XCHG(sz, r, hi)                                                        \
	{                                                                      \
		.write = true, .xchg = true, .size = (sz), .reg = (r),         \
		.high_byte = (hi), .dest_size = (sz)                           \
	}
#define EXT(kind, sz, r, dsz)                                                  \
	{                                                                      \
		.size = (sz), .reg = (r), .ext = (kind), .dest_size = (dsz)    \
	}

static const struct dcase cases[] = {
    /* ---- 64-bit mode: mov r/m, r and mov r, r/m ---- */
    {"mov [rax+0x300], ecx", M64, STORE(4, 1),
     BYTES(0x89, 0x88, 0x00, 0x03, 0x00, 0x00)},
    {"mov eax, [rip+0x1234]", M64, LOAD(4, 0),
     BYTES(0x8B, 0x05, 0x34, 0x12, 0x00, 0x00)},
    {"mov rax, [rip+0x1234]", M64, LOAD(8, 0),
     BYTES(0x48, 0x8B, 0x05, 0x34, 0x12, 0x00, 0x00)},
    {"mov [rdx+0x20], r9d (REX.R, disp8)", M64, STORE(4, 9),
     BYTES(0x44, 0x89, 0x4A, 0x20)},
    {"mov r12, [r13+0] (REX.WRB)", M64, LOAD(8, 12),
     BYTES(0x4D, 0x8B, 0x65, 0x00)},
    {"mov [rip+0], eax: REX.B does not turn rm=5 into [r13]", M64, STORE(4, 0),
     BYTES(0x41, 0x89, 0x05, 0x00, 0x00, 0x00, 0x00)},
    {"mov [r12], eax (SIB, REX.B)", M64, STORE(4, 0),
     BYTES(0x41, 0x89, 0x04, 0x24)},
    {"mov ecx, [rax*4+0xFEE00300] (SIB base=5 mod=0)", M64, LOAD(4, 1),
     BYTES(0x8B, 0x0C, 0x85, 0x00, 0x03, 0xE0, 0xFE)},
    {"mov [0xffffffffff5fd0b0], eax (SIB no base/index)", M64, STORE(4, 0),
     BYTES(0x89, 0x04, 0x25, 0xB0, 0xD0, 0x5F, 0xFF)},
    {"mov [rbx+rsi*2+8], dx (66, SIB disp8)", M64, STORE(2, 2),
     BYTES(0x66, 0x89, 0x54, 0x73, 0x08)},
    {"mov edi, [rsp+0x1000] (SIB disp32)", M64, LOAD(4, 7),
     BYTES(0x8B, 0xBC, 0x24, 0x00, 0x10, 0x00, 0x00)},
    {"mov r15, [r8+r9*8-8] (REX.WRXB, SIB disp8)", M64, LOAD(8, 15),
     BYTES(0x4F, 0x8B, 0x7C, 0xC8, 0xF8)},
    {"mov eax, [ecx] (67)", M64, LOAD(4, 0), BYTES(0x67, 0x8B, 0x01)},
    {"mov eax, [eip+0x10] (67, mod 0 rm 5)", M64, LOAD(4, 0),
     BYTES(0x67, 0x8B, 0x05, 0x10, 0x00, 0x00, 0x00)},
    {"mov [esp], ax: 67 in 64-bit mode keeps SIB forms", M64, STORE(2, 0),
     BYTES(0x66, 0x67, 0x89, 0x04, 0x24)},
    {"gs mov [0x300], eax", M64, STORE(4, 0),
     BYTES(0x65, 0x89, 0x04, 0x25, 0x00, 0x03, 0x00, 0x00)},
    {"all segment overrides", M64, LOAD(4, 3),
     BYTES(0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x8B, 0x18)},
    {"REX.W overrides 66", M64, STORE(8, 0), BYTES(0x66, 0x48, 0x89, 0x00)},
    {"REX before 66 is ignored", M64, STORE(2, 0),
     BYTES(0x48, 0x66, 0x89, 0x00)},
    {"REX before a segment override is ignored", M64, STORE(4, 1),
     BYTES(0x4C, 0x3E, 0x89, 0x08)},
    {"only the last of two REX counts", M64, STORE(4, 8),
     BYTES(0x48, 0x44, 0x89, 0x00)},

    /* ---- byte registers ---- */
    {"mov [rax], ah", M64, STORE_HI(4), BYTES(0x88, 0x20)},
    {"mov [rax], spl (REX)", M64, STORE(1, 4), BYTES(0x40, 0x88, 0x20)},
    {"mov [rax], cl", M64, STORE(1, 1), BYTES(0x88, 0x08)},
    {"mov bh, [rcx]", M64, LOAD_HI(7), BYTES(0x8A, 0x39)},
    {"mov dil, [rcx]", M64, LOAD(1, 7), BYTES(0x40, 0x8A, 0x39)},
    {"mov r8b, [rcx]", M64, LOAD(1, 8), BYTES(0x44, 0x8A, 0x01)},
    {"mov r12b, [rcx] (REX.R, reg 4 is not AH)", M64, LOAD(1, 12),
     BYTES(0x44, 0x8A, 0x21)},

    /* ---- immediates ---- */
    {"mov byte [rax], 0x5a", M64, IMM(1, 0x5A), BYTES(0xC6, 0x00, 0x5A)},
    {"mov byte [rax+0x80], 0xff (disp32)", M64, IMM(1, 0xFF),
     BYTES(0xC6, 0x80, 0x80, 0x00, 0x00, 0x00, 0xFF)},
    {"mov dword [rax+0x10], 0x12345678", M64, IMM(4, 0x12345678),
     BYTES(0xC7, 0x40, 0x10, 0x78, 0x56, 0x34, 0x12)},
    {"mov dword [rax], 0xfffffffe (no sign extension at size 4)", M64,
     IMM(4, 0xFFFFFFFE), BYTES(0xC7, 0x00, 0xFE, 0xFF, 0xFF, 0xFF)},
    {"mov qword [rax], -2", M64, IMM(8, 0xFFFFFFFFFFFFFFFEull),
     BYTES(0x48, 0xC7, 0x00, 0xFE, 0xFF, 0xFF, 0xFF)},
    {"mov qword [rax], 0x7fffffff", M64, IMM(8, 0x7FFFFFFF),
     BYTES(0x48, 0xC7, 0x00, 0xFF, 0xFF, 0xFF, 0x7F)},
    {"mov word [rax], 0xbeef", M64, IMM(2, 0xBEEF),
     BYTES(0x66, 0xC7, 0x00, 0xEF, 0xBE)},
    {"66 REX.W mov qword [rax], 1 (imm32)", M64, IMM(8, 1),
     BYTES(0x66, 0x48, 0xC7, 0x00, 0x01, 0x00, 0x00, 0x00)},
    {"mov word [rip+0x100], 0x1234", M64, IMM(2, 0x1234),
     BYTES(0x66, 0xC7, 0x05, 0x00, 0x01, 0x00, 0x00, 0x34, 0x12)},
    {"mov dword [rsp+rcx*8+0x300], 0x80000000 (SIB disp32 imm32)", M64,
     IMM(4, 0x80000000),
     BYTES(0xC7, 0x84, 0xCC, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80)},
    {"mov qword [rax*2+0x300], -1 (max-size body)", M64,
     IMM(8, 0xFFFFFFFFFFFFFFFFull),
     BYTES(0x65, 0x48, 0xC7, 0x04, 0x45, 0x00, 0x03, 0x00, 0x00, 0xFF, 0xFF,
	   0xFF, 0xFF)},

    /* ---- movzx / movsx ---- */
    {"movzx eax, byte [rdi]", M64, EXT(INSN_EXT_ZERO, 1, 0, 4),
     BYTES(0x0F, 0xB6, 0x07)},
    {"movzx ecx, word [rdi+4]", M64, EXT(INSN_EXT_ZERO, 2, 1, 4),
     BYTES(0x0F, 0xB7, 0x4F, 0x04)},
    {"movzx ax, byte [rax]", M64, EXT(INSN_EXT_ZERO, 1, 0, 2),
     BYTES(0x66, 0x0F, 0xB6, 0x00)},
    {"movzx r11, word [rbx]", M64, EXT(INSN_EXT_ZERO, 2, 11, 8),
     BYTES(0x4C, 0x0F, 0xB7, 0x1B)},
    {"movsx rax, byte [rsi]", M64, EXT(INSN_EXT_SIGN, 1, 0, 8),
     BYTES(0x48, 0x0F, 0xBE, 0x06)},
    {"movsx r10, word [rsi]", M64, EXT(INSN_EXT_SIGN, 2, 10, 8),
     BYTES(0x4C, 0x0F, 0xBF, 0x16)},
    {"movsx edx, byte [rip+0]", M64, EXT(INSN_EXT_SIGN, 1, 2, 4),
     BYTES(0x0F, 0xBE, 0x15, 0x00, 0x00, 0x00, 0x00)},
    {"movsx sp, byte [rax]", M64, EXT(INSN_EXT_SIGN, 1, 4, 2),
     BYTES(0x66, 0x0F, 0xBE, 0x20)},

    /* ---- xchg ---- */
    {"xchg [rdx], eax", M64, XCHG(4, 0, false), BYTES(0x87, 0x02)},
    {"xchg [rdx], rsi", M64, XCHG(8, 6, false), BYTES(0x48, 0x87, 0x32)},
    {"xchg [rbx+8], cl", M64, XCHG(1, 1, false), BYTES(0x86, 0x4B, 0x08)},
    {"xchg [rbx], ch", M64, XCHG(1, 5, true), BYTES(0x86, 0x2B)},
    {"xchg [rbx], r13b", M64, XCHG(1, 13, false), BYTES(0x44, 0x86, 0x2B)},
    {"xchg [rbx], bp", M64, XCHG(2, 5, false), BYTES(0x66, 0x87, 0x2B)},

    /* ---- moffs ---- */
    {"mov eax, [moffs64]", M64, LOAD(4, 0),
     BYTES(0xA1, 0xB0, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00)},
    {"mov [moffs64], rax", M64, STORE(8, 0),
     BYTES(0x48, 0xA3, 0xB0, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00)},
    {"mov al, [moffs64]", M64, LOAD(1, 0),
     BYTES(0xA0, 0xB0, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00)},
    {"mov [moffs64], al", M64, STORE(1, 0),
     BYTES(0xA2, 0xB0, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00)},
    {"mov eax, [moffs32] (67)", M64, LOAD(4, 0),
     BYTES(0x67, 0xA1, 0xB0, 0x00, 0xE0, 0xFE)},
    {"mov [moffs64], ax", M64, STORE(2, 0),
     BYTES(0x66, 0xA3, 0xB0, 0x00, 0xE0, 0xFE, 0x00, 0x00, 0x00, 0x00)},

    /* ---- 32-bit mode ---- */
    {"32: mov [eax+0x300], ecx", M32, STORE(4, 1),
     BYTES(0x89, 0x88, 0x00, 0x03, 0x00, 0x00)},
    {"32: mov eax, [0xfee00300] (mod 0 rm 5 absolute)", M32, LOAD(4, 0),
     BYTES(0x8B, 0x05, 0x00, 0x03, 0xE0, 0xFE)},
    {"32: mov ecx, [eax*4+0xfee00300]", M32, LOAD(4, 1),
     BYTES(0x8B, 0x0C, 0x85, 0x00, 0x03, 0xE0, 0xFE)},
    {"32: mov [eax], cx", M32, STORE(2, 1), BYTES(0x66, 0x89, 0x08)},
    {"32: mov [eax], ah", M32, STORE_HI(4), BYTES(0x88, 0x20)},
    {"32: mov word [eax], 0x1234", M32, IMM(2, 0x1234),
     BYTES(0x66, 0xC7, 0x00, 0x34, 0x12)},
    {"32: mov dword [ebx+8], 0xdeadbeef", M32, IMM(4, 0xDEADBEEF),
     BYTES(0xC7, 0x43, 0x08, 0xEF, 0xBE, 0xAD, 0xDE)},
    {"32: mov eax, [bx] (67: 16-bit addressing)", M32, LOAD(4, 0),
     BYTES(0x67, 0x8B, 0x07)},
    {"32: mov eax, [0x1234] (67, mod 0 rm 6 disp16)", M32, LOAD(4, 0),
     BYTES(0x67, 0x8B, 0x06, 0x34, 0x12)},
    {"32: mov [bx+0x10], eax (67, disp8)", M32, STORE(4, 0),
     BYTES(0x67, 0x89, 0x47, 0x10)},
    {"32: mov [bx+0x300], eax (67, disp16)", M32, STORE(4, 0),
     BYTES(0x67, 0x89, 0x87, 0x00, 0x03)},
    {"32: mov eax, [si] (67: rm 4 has no SIB)", M32, LOAD(4, 0),
     BYTES(0x67, 0x8B, 0x04)},
    {"32: mov eax, [moffs32]", M32, LOAD(4, 0),
     BYTES(0xA1, 0x00, 0x03, 0xE0, 0xFE)},
    {"32: mov [moffs16], eax (67)", M32, STORE(4, 0),
     BYTES(0x67, 0xA3, 0x00, 0x03)},
    {"32: movzx eax, word [ecx]", M32, EXT(INSN_EXT_ZERO, 2, 0, 4),
     BYTES(0x0F, 0xB7, 0x01)},
    {"32: xchg [ecx], edi", M32, XCHG(4, 7, false), BYTES(0x87, 0x39)},

    /* ---- 16-bit mode ---- */
    {"16: mov ax, [bx]", M16, LOAD(2, 0), BYTES(0x8B, 0x07)},
    {"16: mov ax, [0x300] (disp16)", M16, LOAD(2, 0),
     BYTES(0x8B, 0x06, 0x00, 0x03)},
    {"16: mov [bp+0x10], dx (disp8)", M16, STORE(2, 2),
     BYTES(0x89, 0x56, 0x10)},
    {"16: mov [bx+si+0x300], cx (disp16)", M16, STORE(2, 1),
     BYTES(0x89, 0x88, 0x00, 0x03)},
    {"16: mov eax, [bx] (66)", M16, LOAD(4, 0), BYTES(0x66, 0x8B, 0x07)},
    {"16: mov ax, [esp] (67: SIB)", M16, LOAD(2, 0),
     BYTES(0x67, 0x8B, 0x04, 0x24)},
    {"16: mov eax, [0xfee00300] (66 67, disp32)", M16, LOAD(4, 0),
     BYTES(0x67, 0x66, 0x8B, 0x05, 0x00, 0x03, 0xE0, 0xFE)},
    {"16: mov word [0x300], 0x1234", M16, IMM(2, 0x1234),
     BYTES(0xC7, 0x06, 0x00, 0x03, 0x34, 0x12)},
    {"16: mov dword [bx], 0x12345678 (66)", M16, IMM(4, 0x12345678),
     BYTES(0x66, 0xC7, 0x07, 0x78, 0x56, 0x34, 0x12)},
    {"16: mov ax, [moffs16]", M16, LOAD(2, 0), BYTES(0xA1, 0x00, 0x03)},
    {"16: movzx ax, byte [bx]", M16, EXT(INSN_EXT_ZERO, 1, 0, 2),
     BYTES(0x0F, 0xB6, 0x07)},
    {"16: movsx eax, word [bx] (66)", M16, EXT(INSN_EXT_SIGN, 2, 0, 4),
     BYTES(0x66, 0x0F, 0xBF, 0x07)},
    {"16: mov [bx], dh", M16, STORE_HI(6), BYTES(0x88, 0x37)},
};

/* Compares one field, naming the case only when it differs. */
#define CHECK_FIELD(got, want, name)                                           \
	do {                                                                   \
		if ((uint64_t)(got) != (uint64_t)(want))                       \
			print_error("%s: %s\n", name, #got);                   \
		assert_int_equal(got, want);                                   \
	} while (0)

static void check_case(const struct dcase *c, const struct mmio_insn *m)
{
	const struct want *w = &c->w;

	CHECK_FIELD(m->len, c->n, c->name);
	CHECK_FIELD(m->write, w->write, c->name);
	CHECK_FIELD(m->xchg, w->xchg, c->name);
	CHECK_FIELD(m->size, w->size, c->name);
	CHECK_FIELD(m->reg, w->reg, c->name);
	CHECK_FIELD(m->high_byte, w->high_byte, c->name);
	CHECK_FIELD(m->imm, w->imm, c->name);
	CHECK_FIELD(m->ext, w->ext, c->name);
	CHECK_FIELD(m->dest_size, w->dest_size, c->name);
}

static void test_valid_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];
		struct mmio_insn m;
		const char *why = NULL;

		int r = decode_exact(c->bytes, c->n, c->mode, &m, &why);
		if (r != 0)
			print_error("%s: %s\n", c->name, why);
		assert_int_equal(r, 0);
		check_case(c, &m);
	}
}

/* Trailing bytes after the instruction must not change the result. */
static void test_valid_forms_with_trailing_bytes(void **state)
{
	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];
		uint8_t buf[32];
		struct mmio_insn m;
		const char *why = NULL;

		memset(buf, 0x0F, sizeof(buf));
		memcpy(buf, c->bytes, c->n);
		assert_int_equal(
		    insn_decode_mmio(buf, sizeof(buf), c->mode, &m, &why), 0);
		check_case(c, &m);
	}
}

/* Every proper prefix of every valid form is "truncated", read from an
 * exact-size buffer (ASan catches a read at index avail). */
static void test_truncated_at_every_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];

		for (size_t k = 0; k < c->n; k++) {
			struct mmio_insn m;
			const char *why = NULL;

			memset(&m, 0xAA, sizeof(m));
			int r = decode_exact(c->bytes, k, c->mode, &m, &why);
			if (r != -1)
				print_error("%s: accepted at %zu bytes\n",
					    c->name, k);
			assert_int_equal(r, -1);
			assert_string_equal(why, "instruction truncated");
			assert_int_equal(m.len, 0);
			assert_int_equal(m.size, 0);
		}
	}
}

static void test_null_and_empty(void **state)
{
	struct mmio_insn m;
	const char *why = NULL;

	(void)state;
	assert_int_equal(insn_decode_mmio(NULL, 0, M64, &m, &why), -1);
	assert_string_equal(why, "instruction truncated");
	why = NULL;
	assert_int_equal(insn_decode_mmio(NULL, 16, M64, &m, &why), -1);
	assert_string_equal(why, "instruction truncated");
	/* why may be NULL */
	assert_int_equal(insn_decode_mmio(NULL, 0, M64, &m, NULL), -1);
}

static void test_invalid_mode(void **state)
{
	static const uint8_t b[] = {0x8B, 0x00};
	struct mmio_insn m;
	const char *why = NULL;

	(void)state;
	assert_int_equal(
	    decode_exact(b, sizeof(b), (enum insn_mode)7, &m, &why), -1);
	assert_string_equal(why, "invalid decode mode");
}

struct bad {
	const char *name;
	enum insn_mode mode;
	const char *why;
	uint8_t n;
	uint8_t bytes[INSN_MAX_LEN];
};

#define R_MOD3	 "ModRM names a register, not memory"
#define R_OPCODE "unsupported opcode"
#define R_EXT	 "unsupported opcode extension"
#define R_LOCK	 "LOCK prefix not supported"
#define R_REP	 "REP/REPNE prefix not supported"

static const struct bad bad_cases[] = {
    {"mov eax, ecx", M64, R_MOD3, BYTES(0x89, 0xC8)},
    {"mov ecx, eax (8B)", M64, R_MOD3, BYTES(0x8B, 0xC8)},
    {"mov al, bl", M64, R_MOD3, BYTES(0x88, 0xD8)},
    {"mov eax, imm32 (C7 /0 mod 3)", M64, R_MOD3,
     BYTES(0xC7, 0xC0, 0x01, 0x00, 0x00, 0x00)},
    {"movzx eax, bl", M64, R_MOD3, BYTES(0x0F, 0xB6, 0xC3)},
    {"xchg eax, ecx (87 mod 3)", M64, R_MOD3, BYTES(0x87, 0xC8)},
    {"32: mov eax, ecx", M32, R_MOD3, BYTES(0x89, 0xC8)},
    {"16: mov ax, cx", M16, R_MOD3, BYTES(0x89, 0xC8)},
    {"ud2", M64, R_OPCODE, BYTES(0x0F, 0x0B)},
    {"0F 38 escape", M64, R_OPCODE, BYTES(0x0F, 0x38, 0x00, 0x00)},
    {"add [rax], eax", M64, R_OPCODE, BYTES(0x01, 0x00)},
    {"mov es, [rax] (8E)", M64, R_OPCODE, BYTES(0x8E, 0x00)},
    {"nop", M64, R_OPCODE, BYTES(0x90)},
    {"VEX (C5)", M64, R_OPCODE, BYTES(0xC5, 0xF9, 0x6E, 0x00)},
    {"rep movsd", M64, R_REP, BYTES(0xF3, 0xA5)},
    {"repne prefix", M64, R_REP, BYTES(0xF2, 0x89, 0x00)},
    {"rep after other prefixes", M64, R_REP, BYTES(0x66, 0x2E, 0xF3, 0xA5)},
    {"lock xchg", M64, R_LOCK, BYTES(0xF0, 0x87, 0x02)},
    {"lock add", M32, R_LOCK, BYTES(0xF0, 0x01, 0x00)},
    {"C6 /1", M64, R_EXT, BYTES(0xC6, 0x08, 0x00)},
    {"C7 /7 (xbegin-like, memory form)", M64, R_EXT,
     BYTES(0xC7, 0x38, 0x00, 0x00, 0x00, 0x00)},
    {"32: 0x40 is inc eax", M32, R_OPCODE, BYTES(0x40, 0x89, 0x00)},
    {"32: 0x48 is dec eax", M32, R_OPCODE, BYTES(0x48, 0x8B, 0x00)},
    {"16: 0x41 is inc cx", M16, R_OPCODE, BYTES(0x41, 0x89, 0x00)},
    {"32: 0x4F", M32, R_OPCODE, BYTES(0x4F)},
};

static void test_rejected_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(bad_cases); i++) {
		const struct bad *c = &bad_cases[i];
		struct mmio_insn m;
		const char *why = NULL;

		memset(&m, 0x55, sizeof(m));
		int r = decode_exact(c->bytes, c->n, c->mode, &m, &why);
		if (r != -1 || !why || strcmp(why, c->why) != 0)
			print_error("%s: got %d \"%s\"\n", c->name, r,
				    why ? why : "(null)");
		assert_int_equal(r, -1);
		assert_non_null(why);
		assert_string_equal(why, c->why);
		assert_int_equal(m.len, 0); /* zeroed on failure */
		assert_int_equal(m.write, false);
	}
}

/* n prefix bytes followed by `tail`, in an exact-size heap buffer. */
static int decode_prefixed(uint8_t prefix, size_t n, const uint8_t *tail,
			   size_t tail_len, struct mmio_insn *m,
			   const char **why)
{
	uint8_t buf[64];

	assert_true(n + tail_len <= sizeof(buf));
	memset(buf, prefix, n);
	if (tail_len)
		memcpy(buf + n, tail, tail_len);
	return decode_exact(buf, n + tail_len, M64, m, why);
}

static void test_length_limit(void **state)
{
	static const uint8_t mov[] = {0x8B, 0x00};
	static const uint8_t abs32[] = {0x89, 0x04, 0x25, 0x00,
					0x03, 0x00, 0x00};
	struct mmio_insn m;
	const char *why = NULL;

	(void)state;
	/* 13 prefixes + 2 bytes = 15: the longest legal instruction */
	assert_int_equal(decode_prefixed(0x2E, 13, mov, 2, &m, &why), 0);
	assert_int_equal(m.len, 15);
	assert_int_equal(m.size, 4);
	assert_int_equal(decode_prefixed(0x66, 13, mov, 2, &m, &why), 0);
	assert_int_equal(m.len, 15);
	assert_int_equal(m.size, 2);
	/* 14 prefixes + 2 bytes = 16 */
	assert_int_equal(decode_prefixed(0x2E, 14, mov, 2, &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	/* limit hit inside the displacement */
	assert_int_equal(
	    decode_prefixed(0x3E, 8, abs32, sizeof(abs32), &m, &why), 0);
	assert_int_equal(m.len, 15);
	assert_int_equal(
	    decode_prefixed(0x3E, 9, abs32, sizeof(abs32), &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	/* prefixes only: 15 and 40 of them (REX too) */
	assert_int_equal(decode_prefixed(0x65, 15, NULL, 0, &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	assert_int_equal(decode_prefixed(0x48, 40, NULL, 0, &m, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	/* 14 prefixes and nothing else available: truncated, not too long */
	assert_int_equal(decode_prefixed(0x67, 14, NULL, 0, &m, &why), -1);
	assert_string_equal(why, "instruction truncated");
	/* REX alone */
	assert_int_equal(decode_prefixed(0x48, 1, NULL, 0, &m, &why), -1);
	assert_string_equal(why, "instruction truncated");
}

static struct mmio_insn decode_ok(enum insn_mode mode, const uint8_t *b,
				  size_t n)
{
	struct mmio_insn m;
	const char *why = NULL;

	assert_int_equal(decode_exact(b, n, mode, &m, &why), 0);
	assert_int_equal(m.len, n);
	return m;
}

#define DECODE(mode, ...)                                                      \
	decode_ok(mode, (const uint8_t[]){__VA_ARGS__},                        \
		  sizeof((uint8_t[]){__VA_ARGS__}))

#define OLD 0x1111222233334444ull

static void test_apply_load_plain(void **state)
{
	(void)state;
	/* mov eax, [rax]: a 32-bit destination zero-extends */
	struct mmio_insn m = DECODE(M64, 0x8B, 0x00);
	assert_int_equal(insn_apply_load(&m, ~0ull, 0x12345678), 0x12345678);
	assert_int_equal(insn_apply_load(&m, OLD, 0xFFFFFFFF87654321ull),
			 0x87654321);
	/* mov rax, [rax] */
	m = DECODE(M64, 0x48, 0x8B, 0x00);
	assert_int_equal(insn_apply_load(&m, OLD, 0xFEDCBA9876543210ull),
			 0xFEDCBA9876543210ull);
	/* mov ax, [rax]: 16-bit merges, garbage above size ignored */
	m = DECODE(M64, 0x66, 0x8B, 0x00);
	assert_int_equal(insn_apply_load(&m, OLD, 0xFFFF0000ABCDull),
			 0x111122223333ABCDull);
	/* mov al, [rax] */
	m = DECODE(M64, 0x8A, 0x00);
	assert_int_equal(insn_apply_load(&m, OLD, 0xABCD),
			 0x11112222333344CDull);
	/* mov ah, [rax] */
	m = DECODE(M64, 0x8A, 0x20);
	assert_true(m.high_byte);
	assert_int_equal(insn_apply_load(&m, OLD, 0xABCD),
			 0x111122223333CD44ull);
	/* mov spl, [rax] (REX): low byte of rsp */
	m = DECODE(M64, 0x40, 0x8A, 0x20);
	assert_false(m.high_byte);
	assert_int_equal(insn_apply_load(&m, OLD, 0xCD), 0x11112222333344CDull);
	/* 16-bit mode default: mov ax, [bx] merges */
	m = DECODE(M16, 0x8B, 0x07);
	assert_int_equal(insn_apply_load(&m, OLD, 0x5555), 0x1111222233335555);
	/* moffs load: mov eax, [moffs32] in 32-bit mode */
	m = DECODE(M32, 0xA1, 0x00, 0x03, 0xE0, 0xFE);
	assert_int_equal(insn_apply_load(&m, OLD, 0xCAFEF00D), 0xCAFEF00D);
}

static void test_apply_load_extend(void **state)
{
	(void)state;
	/* movzx eax, byte [rdi] */
	struct mmio_insn m = DECODE(M64, 0x0F, 0xB6, 0x07);
	assert_int_equal(insn_apply_load(&m, ~0ull, 0xFFF0), 0xF0);
	/* movzx ax, byte [rax]: 16-bit destination merges */
	m = DECODE(M64, 0x66, 0x0F, 0xB6, 0x00);
	assert_int_equal(insn_apply_load(&m, OLD, 0x80), 0x1111222233330080);
	/* movzx r11, word [rbx] */
	m = DECODE(M64, 0x4C, 0x0F, 0xB7, 0x1B);
	assert_int_equal(insn_apply_load(&m, OLD, 0xFFFF8001), 0x8001);
	/* movsx rax, byte [rsi] */
	m = DECODE(M64, 0x48, 0x0F, 0xBE, 0x06);
	assert_int_equal(insn_apply_load(&m, 0, 0x80), 0xFFFFFFFFFFFFFF80ull);
	assert_int_equal(insn_apply_load(&m, OLD, 0x7F), 0x7F);
	/* movsx edx, byte: sign-extend to 32 then zero bits 63:32 */
	m = DECODE(M64, 0x0F, 0xBE, 0x15, 0x00, 0x00, 0x00, 0x00);
	assert_int_equal(insn_apply_load(&m, OLD, 0x80), 0xFFFFFF80ull);
	/* movsx sp, byte: sign-extend to 16 and merge */
	m = DECODE(M64, 0x66, 0x0F, 0xBE, 0x20);
	assert_int_equal(insn_apply_load(&m, OLD, 0x80), 0x111122223333FF80);
	/* movsx r10, word */
	m = DECODE(M64, 0x4C, 0x0F, 0xBF, 0x16);
	assert_int_equal(insn_apply_load(&m, OLD, 0x8000),
			 0xFFFFFFFFFFFF8000ull);
	assert_int_equal(insn_apply_load(&m, OLD, 0x17FFF), 0x7FFF);
	/* 16-bit mode: movsx eax, word [bx] */
	m = DECODE(M16, 0x66, 0x0F, 0xBF, 0x07);
	assert_int_equal(insn_apply_load(&m, OLD, 0xFFFE), 0xFFFFFFFE);
}

static void test_store_value(void **state)
{
	const uint64_t rv = 0x1122334455667788ull;

	(void)state;
	struct mmio_insn m = DECODE(M64, 0x89, 0x00); /* mov [rax], eax */
	assert_int_equal(insn_store_value(&m, rv), 0x55667788);
	m = DECODE(M64, 0x48, 0x89, 0x00); /* mov [rax], rax */
	assert_int_equal(insn_store_value(&m, rv), rv);
	m = DECODE(M64, 0x66, 0x89, 0x00); /* mov [rax], ax */
	assert_int_equal(insn_store_value(&m, rv), 0x7788);
	m = DECODE(M64, 0x88, 0x00); /* mov [rax], al */
	assert_int_equal(insn_store_value(&m, rv), 0x88);
	m = DECODE(M64, 0x88, 0x20); /* mov [rax], ah */
	assert_int_equal(insn_store_value(&m, rv), 0x77);
	m = DECODE(M64, 0x40, 0x88, 0x20); /* mov [rax], spl */
	assert_int_equal(insn_store_value(&m, rv), 0x88);
	m = DECODE(M64, 0x48, 0xA3, 0, 0, 0, 0, 0, 0, 0, 0); /* moffs, rax */
	assert_int_equal(insn_store_value(&m, rv), rv);
	/* immediates ignore the register value */
	m = DECODE(M64, 0xC6, 0x00, 0x5A);
	assert_int_equal(insn_store_value(&m, rv), 0x5A);
	m = DECODE(M64, 0xC7, 0x00, 0xFE, 0xFF, 0xFF, 0xFF);
	assert_int_equal(insn_store_value(&m, rv), 0xFFFFFFFE);
	m = DECODE(M64, 0x48, 0xC7, 0x00, 0xFE, 0xFF, 0xFF, 0xFF);
	assert_int_equal(insn_store_value(&m, rv), 0xFFFFFFFFFFFFFFFEull);
	m = DECODE(M64, 0x66, 0xC7, 0x00, 0xEF, 0xBE);
	assert_int_equal(insn_store_value(&m, rv), 0xBEEF);
}

/* xchg [rbx], ch: store CH, then load the old memory byte into CH. */
static void test_xchg_round_trip(void **state)
{
	(void)state;
	struct mmio_insn m = DECODE(M64, 0x86, 0x2B);
	uint64_t rcx = 0xAAAABBBBCCCC1234ull, mem = 0x99;

	assert_true(m.write && m.xchg);
	uint64_t stored = insn_store_value(&m, rcx);
	rcx = insn_apply_load(&m, rcx, mem);
	assert_int_equal(stored, 0x12);
	assert_int_equal(rcx, 0xAAAABBBBCCCC9934ull);

	/* xchg [rdx], eax zero-extends the loaded half */
	m = DECODE(M64, 0x87, 0x02);
	assert_int_equal(insn_store_value(&m, ~0ull), 0xFFFFFFFF);
	assert_int_equal(insn_apply_load(&m, ~0ull, 0x300), 0x300);
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
	    cmocka_unit_test(test_apply_load_plain),
	    cmocka_unit_test(test_apply_load_extend),
	    cmocka_unit_test(test_store_value),
	    cmocka_unit_test(test_xchg_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
