/* Unit tests for insn_length_of (arch/x86_64/lib/insn_decode.c): the
 * length of an instruction the CPU already named (SVM without next-RIP
 * save), prefixes included. Every case is hand-assembled (SDM Vol. 2 2.1,
 * 2.2.1; the CPUID, HLT, RDMSR, WRMSR, XSETBV, INVD pages; AMD APM Vol. 3
 * VMMCALL) and measured from an exact-size heap copy, so ASan flags any
 * read past `avail`. */
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

static const uint8_t CPUID[] = {0x0F, 0xA2};
static const uint8_t HLT[] = {0xF4};
static const uint8_t VMMCALL[] = {0x0F, 0x01, 0xD9};
static const uint8_t XSETBV[] = {0x0F, 0x01, 0xD1};
static const uint8_t RDMSR[] = {0x0F, 0x32};

static int len_exact(const uint8_t *src, size_t n, enum insn_mode mode,
		     const uint8_t *op, size_t oplen, const char **why)
{
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	if (n)
		memcpy(buf, src, n);
	int r = insn_length_of(buf, n, mode, op, oplen, why);
	free(buf);
	return r;
}

struct lcase {
	const char *name;
	enum insn_mode mode;
	const uint8_t *op;
	size_t oplen;
	int len; /* expected, or -1 */
	uint8_t bytes[16];
	size_t n;
};

#define OP(x)	   x, sizeof(x)
#define BYTES(...) {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})

static const struct lcase valid[] = {
    {"cpuid", M64, OP(CPUID), 2, BYTES(0x0F, 0xA2)},
    {"66 cpuid", M64, OP(CPUID), 3, BYTES(0x66, 0x0F, 0xA2)},
    {"rex.w cpuid", M64, OP(CPUID), 3, BYTES(0x48, 0x0F, 0xA2)},
    {"f3 2e 66 rex cpuid", M64, OP(CPUID), 6,
     BYTES(0xF3, 0x2E, 0x66, 0x41, 0x0F, 0xA2)},
    {"16: 66 67 cpuid", M16, OP(CPUID), 4, BYTES(0x66, 0x67, 0x0F, 0xA2)},
    {"hlt", M32, OP(HLT), 1, BYTES(0xF4)},
    {"3e hlt", M32, OP(HLT), 2, BYTES(0x3E, 0xF4)},
    {"vmmcall", M64, OP(VMMCALL), 3, BYTES(0x0F, 0x01, 0xD9)},
    {"f0 vmmcall", M64, OP(VMMCALL), 4, BYTES(0xF0, 0x0F, 0x01, 0xD9)},
    {"xsetbv", M64, OP(XSETBV), 3, BYTES(0x0F, 0x01, 0xD1)},
    {"65 rdmsr", M32, OP(RDMSR), 3, BYTES(0x65, 0x0F, 0x32)},
    /* 14 prefixes and a 1-byte opcode: exactly 15 */
    {"14 prefixes hlt", M64, OP(HLT), 15,
     BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	   0x66, 0x66, 0x66, 0xF4)},
};

static void test_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		const struct lcase *c = &valid[i];
		const char *why = NULL;
		int r =
		    len_exact(c->bytes, c->n, c->mode, c->op, c->oplen, &why);
		if (r != c->len)
			fail_msg("%s: length %d, want %d (%s)", c->name, r,
				 c->len, why ? why : "");
		/* Bytes after the instruction change nothing. */
		uint8_t more[32];
		memcpy(more, c->bytes, c->n);
		memset(more + c->n, 0x90, sizeof(more) - c->n);
		assert_int_equal(insn_length_of(more, sizeof(more), c->mode,
						c->op, c->oplen, NULL),
				 c->len);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		const struct lcase *c = &valid[i];
		for (size_t n = 0; n < c->n; n++) {
			const char *why = NULL;
			assert_int_equal(len_exact(c->bytes, n, c->mode, c->op,
						   c->oplen, &why),
					 -1);
			assert_string_equal(why, "instruction truncated");
		}
	}
}

static const struct lcase refused[] = {
    {"nop is not cpuid", M64, OP(CPUID), -1, BYTES(0x90)},
    {"0f a3 is not cpuid", M64, OP(CPUID), -1, BYTES(0x0F, 0xA3)},
    {"vmcall is not vmmcall", M64, OP(VMMCALL), -1, BYTES(0x0F, 0x01, 0xC1)},
    /* outside 64-bit mode 48 is DEC eAX, an opcode */
    {"32: 48 cpuid", M32, OP(CPUID), -1, BYTES(0x48, 0x0F, 0xA2)},
};

static void test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const struct lcase *c = &refused[i];
		const char *why = NULL;
		int r =
		    len_exact(c->bytes, c->n, c->mode, c->op, c->oplen, &why);
		if (r != -1)
			fail_msg("%s: length %d, want a refusal", c->name, r);
		assert_string_equal(why, "not the instruction that exited");
	}
}

static void test_length_limit(void **state)
{
	(void)state;
	uint8_t b[20];
	const char *why = NULL;
	/* 14 prefixes, then 0F A2: the opcode would end at byte 16 */
	memset(b, 0x2E, 14);
	b[14] = 0x0F;
	b[15] = 0xA2;
	assert_int_equal(insn_length_of(b, 16, M64, CPUID, 2, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
	/* only prefixes */
	memset(b, 0x66, sizeof(b));
	assert_int_equal(insn_length_of(b, sizeof(b), M32, HLT, 1, &why), -1);
	assert_string_equal(why, "instruction longer than 15 bytes");
}

static void test_bad_arguments(void **state)
{
	(void)state;
	const char *why = NULL;
	uint8_t b[] = {0x0F, 0xA2};
	assert_int_equal(insn_length_of(NULL, 2, M64, CPUID, 2, &why), -1);
	assert_string_equal(why, "instruction truncated");
	assert_int_equal(insn_length_of(b, 2, M64, NULL, 2, &why), -1);
	assert_string_equal(why, "invalid opcode");
	assert_int_equal(insn_length_of(b, 2, M64, CPUID, 0, &why), -1);
	assert_string_equal(why, "invalid opcode");
	assert_int_equal(insn_length_of(b, 2, M64, CPUID, 4, &why), -1);
	assert_string_equal(why, "invalid opcode");
	assert_int_equal(insn_length_of(b, 2, M64, CPUID, 2, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_length_limit),
	    cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
