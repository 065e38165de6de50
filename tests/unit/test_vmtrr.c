/* Unit tests for hv/vdev/vmtrr.c: a vCPU's virtual MTRRs. Which MSRs are
 * MTRRs (docs/trap-policy.md names the same set), what firmware leaves at
 * reset, read-back of what is written, and #GP for every reserved bit,
 * undefined memory type, address bit above MAXPHYADDR and MTRRCAP write,
 * with the register left as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hv/vdev/vmtrr.h"

#define PHYS_BITS 39u
#define DEFTYPE	  0x2FFu
#define FIX64K	  0x250u
#define FIX16K_A  0x259u
#define FIX4K_F8  0x26Fu
#define BASE(n)	  (0x200u + 2 * (n))
#define MASK(n)	  (0x201u + 2 * (n))

static uint64_t rd(const struct vmtrr *m, uint32_t msr)
{
	uint64_t v = 0xDEADBEEF;
	assert_true(vmtrr_read(m, msr, &v));
	return v;
}

/* A refused write: false, and nothing changed. */
static void assert_refused(struct vmtrr *m, uint32_t msr, uint64_t val)
{
	struct vmtrr before = *m;
	assert_false(vmtrr_write(m, msr, val, PHYS_BITS));
	assert_memory_equal(m, &before, sizeof(before));
}

static void test_msr_set(void **state)
{
	(void)state;
	const uint32_t yes[] = {0xFE,  0x200, 0x201, 0x20E, 0x20F, 0x250,
				0x258, 0x259, 0x268, 0x26B, 0x26F, 0x2FF};
	const uint32_t no[] = {
	    0x0,   0xFD,  0xFF,	 0x1FF,		  0x210, 0x24F, 0x251, 0x257,
	    0x25A, 0x267, 0x270, 0x277 /* PAT */, 0x2FE, 0x300, 0x1200};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(vmtrr_is_msr(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct vmtrr m;
		vmtrr_reset(&m);
		uint64_t v = 7;
		assert_false(vmtrr_is_msr(no[i]));
		assert_false(vmtrr_read(&m, no[i], &v));
		assert_int_equal(v, 7);
		assert_refused(&m, no[i], 0);
	}
}

static void test_reset_is_firmware(void **state)
{
	(void)state;
	struct vmtrr m;
	memset(&m, 0x5A, sizeof(m));
	vmtrr_reset(&m);
	assert_int_equal(rd(&m, 0xFE), 0x508);	  /* VCNT 8, FIX, WC */
	assert_int_equal(rd(&m, DEFTYPE), 0xC06); /* E, FE, WB */
	assert_int_equal(rd(&m, FIX64K), 0x0606060606060606ull);
	assert_int_equal(rd(&m, 0x258), 0x0606060606060606ull);
	assert_int_equal(rd(&m, FIX16K_A), 0);
	for (uint32_t f = 0x268; f <= FIX4K_F8; f++)
		assert_int_equal(rd(&m, f), 0x0606060606060606ull);
	for (unsigned n = 0; n < VMTRR_VAR; n++) {
		assert_int_equal(rd(&m, BASE(n)), 0);
		assert_int_equal(rd(&m, MASK(n)), 0);
	}
}

static void test_readback(void **state)
{
	(void)state;
	struct vmtrr m;
	vmtrr_reset(&m);
	const struct {
		uint32_t msr;
		uint64_t val;
	} w[] = {
	    {DEFTYPE, 0x000}, /* off, UC: Linux's prepare_set */
	    {DEFTYPE, 0x801}, /* E, WC */
	    {FIX64K, 0x0001040506000106ull},
	    {FIX4K_F8, 0x0505050505050505ull},
	    {BASE(0), 0xC0000000ull},	/* UC */
	    {MASK(0), 0x7FC0000800ull}, /* 1 GiB, valid, 39 bits */
	    {BASE(7), 0x7FFFFFF006ull}, /* top of 39 bits, WB */
	    {MASK(7), 0x7FFFFFF800ull},
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		assert_true(vmtrr_write(&m, w[i].msr, w[i].val, PHYS_BITS));
		assert_int_equal(rd(&m, w[i].msr), w[i].val);
	}
	/* Each register is its own. */
	assert_int_equal(rd(&m, BASE(1)), 0);
	assert_int_equal(rd(&m, 0x258), 0x0606060606060606ull);
}

static void test_refused(void **state)
{
	(void)state;
	struct vmtrr m;
	vmtrr_reset(&m);
	assert_refused(&m, 0xFE, 0x508); /* MTRRCAP is read-only */
	/* MTRRdefType: 9:8 and 63:12 reserved; types 2, 3, 7+ undefined. */
	const uint64_t bad_def[] = {0x100, 0x200, 0x1000, 1ull << 63,
				    0xC02, 0xC03, 0xC07,  0xCFF};
	for (size_t i = 0; i < sizeof(bad_def) / sizeof(bad_def[0]); i++)
		assert_refused(&m, DEFTYPE, bad_def[i]);
	/* Fixed: every byte a defined type. */
	assert_refused(&m, FIX64K, 0x0606060606060602ull);
	assert_refused(&m, FIX16K_A, 0x0700000000000000ull);
	assert_refused(&m, 0x26C, 0x0000030000000000ull);
	/* PHYSBASE: 11:8 reserved, a defined type, nothing above 39 bits. */
	assert_refused(&m, BASE(2), 0x100);
	assert_refused(&m, BASE(2), 0x800);
	assert_refused(&m, BASE(2), 0x1002);
	assert_refused(&m, BASE(2), 1ull << PHYS_BITS);
	/* PHYSMASK: 10:0 reserved, nothing above 39 bits. */
	assert_refused(&m, MASK(3), 0x801);
	assert_refused(&m, MASK(3), 0x400);
	assert_refused(&m, MASK(3), (1ull << PHYS_BITS) | 0x800);
	/* The same bit is fine with a wider MAXPHYADDR. */
	assert_true(vmtrr_write(&m, MASK(3), (1ull << PHYS_BITS) | 0x800, 52));
	assert_true(vmtrr_write(&m, BASE(2), 1ull << 51, 52));
	assert_false(vmtrr_write(&m, BASE(2), 1ull << 52, 52));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msr_set),
	    cmocka_unit_test(test_reset_is_firmware),
	    cmocka_unit_test(test_readback),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
