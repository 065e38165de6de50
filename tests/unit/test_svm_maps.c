/* Unit tests for arch/x86_64/lib/svm_maps.c. Expected byte offsets and bit
 * positions are worked out by hand from APM Vol. 2 15.11 (Table 15-8: two
 * bits per MSR, read = even bit, write = odd bit) and 15.10.1 (one bit
 * per port) and written as literals, so the tests do not share the
 * arithmetic they check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/lib/svm_maps.h"

#define RD 1u /* which intercepts an allow clears, for the tables below */
#define WR 2u

static uint8_t msrpm[SVM_MSRPM_BYTES];
static uint8_t msrpm_want[SVM_MSRPM_BYTES];
static uint8_t iopm[SVM_IOPM_BYTES];
static uint8_t iopm_want[SVM_IOPM_BYTES];

/* Number of bits that differ between two maps of n bytes. */
static unsigned bits_differ(const uint8_t *a, const uint8_t *b, size_t n)
{
	unsigned count = 0;

	for (size_t i = 0; i < n; i++)
		count += (unsigned)__builtin_popcount(a[i] ^ b[i]);
	return count;
}

static void expect_msrpm(void)
{
	assert_memory_equal(msrpm, msrpm_want, SVM_MSRPM_BYTES);
}

static void expect_iopm(void)
{
	assert_memory_equal(iopm, iopm_want, SVM_IOPM_BYTES);
}

static void expect_msr(uint32_t msr, bool rd_exits, bool wr_exits)
{
	assert_int_equal(svm_msrpm_intercepts(msrpm, msr, false), rd_exits);
	assert_int_equal(svm_msrpm_intercepts(msrpm, msr, true), wr_exits);
}

/* Starts both MSR maps from zero so init has to do all the work. */
static void fresh_msrpm(void)
{
	memset(msrpm, 0, sizeof(msrpm));
	svm_msrpm_init(msrpm);
	memset(msrpm_want, 0xFF, sizeof(msrpm_want));
}

static void fresh_iopm(void)
{
	memset(iopm, 0, sizeof(iopm));
	svm_iopm_init(iopm);
	memset(iopm_want, 0xFF, sizeof(iopm_want));
}

/* ---- MSR permission map ---------------------------------------------- */

static const uint32_t msr_out[] = {
    0x00002000, 0x00002001, 0x0000FFFF, 0x00010000, 0x40000000, 0xBFFFFFFF,
    0xC0002000, 0xC000FFFF, 0xC0012000, 0xC0020000, 0xC0100000, 0xFFFFFFFF,
};

static void test_msrpm_init(void **state)
{
	(void)state;
	fresh_msrpm();
	expect_msrpm();
	/* The reserved fourth vector is set like the rest. */
	for (unsigned i = 0x1800; i < 0x2000; i++)
		assert_int_equal(msrpm[i], 0xFF);
	/* Every MSR of the three vectors... */
	for (uint32_t i = 0; i < 0x2000; i++) {
		expect_msr(i, true, true);
		expect_msr(0xC0000000 + i, true, true);
		expect_msr(0xC0010000 + i, true, true);
	}
	/* ...and a sweep of the 32-bit space, which is mostly out of range. */
	for (uint64_t m = 0; m <= 0xFFFFFFFF; m += 0x10003)
		expect_msr((uint32_t)m, true, true);
	for (unsigned i = 0; i < BH_ARRAY_SIZE(msr_out); i++)
		expect_msr(msr_out[i], true, true);
}

/* An MSR at the edge of a range and where its read bit lives. */
struct msr_pos {
	uint32_t msr;
	unsigned byte, bit;
};

static const struct msr_pos edges[] = {
    {0x00000000, 0x000, 0}, /* 0x0000 * 2 = bit 0 of vector 0 */
    {0x00001FFF, 0x7FF, 6}, /* 0x1FFF * 2 = 0x3FFE: byte 0x7FF bit 6 */
    {0xC0000000, 0x800, 0}, /* vector 1 starts at byte 0x800 */
    {0xC0001FFF, 0xFFF, 6},
    {0xC0010000, 0x1000, 0}, /* vector 2 starts at byte 0x1000 */
    {0xC0011FFF, 0x17FF, 6},
};

/* Allows `which` of p->msr on a fresh map and checks that exactly those
 * bits, and nothing else, changed. */
static void allow_one(const struct msr_pos *p, unsigned which)
{
	fresh_msrpm();
	assert_int_equal(svm_msrpm_allow(msrpm, p->msr, which & RD, which & WR),
			 0);
	msrpm_want[p->byte] &= (uint8_t) ~(which << p->bit);
	expect_msrpm();
	assert_int_equal(bits_differ(msrpm, msrpm_want, SVM_MSRPM_BYTES), 0);
	unsigned cleared = (which & RD ? 1 : 0) + (which & WR ? 1 : 0);
	memset(msrpm_want, 0xFF, sizeof(msrpm_want));
	assert_int_equal(bits_differ(msrpm, msrpm_want, SVM_MSRPM_BYTES),
			 cleared);
	expect_msr(p->msr, !(which & RD), !(which & WR));
}

static void test_msrpm_edges(void **state)
{
	static const unsigned modes[] = {RD, WR, RD | WR};

	(void)state;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(edges); i++) {
		const struct msr_pos *p = &edges[i];
		for (unsigned m = 0; m < BH_ARRAY_SIZE(modes); m++) {
			allow_one(p, modes[m]);
			/* The neighbours inside and outside the range
			 * still intercept both ways. */
			expect_msr(p->msr - 1, true, true);
			expect_msr(p->msr + 1, true, true);
		}
	}
}

/* EFER, LSTAR, SYSENTER_CS, VM_HSAVE_PA and MSR 3 worked out by hand. */
static void test_msrpm_hand_computed(void **state)
{
	(void)state;
	/* EFER 0xC0000080: byte 0x800 + 0x80 * 2 / 8 = 0x820, bits 0/1. */
	fresh_msrpm();
	assert_int_equal(svm_msrpm_allow(msrpm, 0xC0000080, false, true), 0);
	msrpm_want[0x820] = 0xFD;
	expect_msrpm();
	expect_msr(0xC0000080, true, false);
	assert_int_equal(svm_msrpm_allow(msrpm, 0xC0000080, true, false), 0);
	msrpm_want[0x820] = 0xFC;
	expect_msrpm();
	/* LSTAR 0xC0000082 shares that byte: bits 4/5. */
	assert_int_equal(svm_msrpm_allow(msrpm, 0xC0000082, true, true), 0);
	msrpm_want[0x820] = 0xCC;
	expect_msrpm();
	expect_msr(0xC0000081, true, true); /* STAR, bits 2/3, untouched */

	/* SYSENTER_CS 0x174: 0x174 * 2 = 0x2E8, byte 0x5D, bits 0/1. */
	fresh_msrpm();
	assert_int_equal(svm_msrpm_allow(msrpm, 0x174, true, false), 0);
	msrpm_want[0x5D] = 0xFE;
	expect_msrpm();
	expect_msr(0x174, false, true);

	/* VM_HSAVE_PA 0xC0010117: 0x1000 + 0x22E / 8 = 0x1045, bits 6/7. */
	fresh_msrpm();
	assert_int_equal(svm_msrpm_allow(msrpm, 0xC0010117, true, true), 0);
	msrpm_want[0x1045] = 0x3F;
	expect_msrpm();

	/* MSR 3: the last pair of byte 0, bits 6/7. */
	fresh_msrpm();
	assert_int_equal(svm_msrpm_allow(msrpm, 3, false, true), 0);
	msrpm_want[0] = 0x7F;
	expect_msrpm();
}

static void test_msrpm_out_of_range(void **state)
{
	(void)state;
	fresh_msrpm();
	/* Some allowed MSRs, so "unchanged" is not just "all ones". */
	assert_int_equal(svm_msrpm_allow(msrpm, 0x10, true, true), 0);
	assert_int_equal(svm_msrpm_allow(msrpm, 0xC0000100, true, false), 0);
	memcpy(msrpm_want, msrpm, sizeof(msrpm));
	for (unsigned i = 0; i < BH_ARRAY_SIZE(msr_out); i++) {
		uint32_t msr = msr_out[i];
		assert_int_equal(svm_msrpm_allow(msrpm, msr, true, true), -1);
		assert_int_equal(svm_msrpm_allow(msrpm, msr, true, false), -1);
		assert_int_equal(svm_msrpm_allow(msrpm, msr, false, true), -1);
		assert_int_equal(svm_msrpm_allow(msrpm, msr, false, false), -1);
		expect_msrpm();
		expect_msr(msr, true, true);
	}
}

/* In range with nothing to clear: success, no change. Read then write in
 * two calls ends where one call for both does. */
static void test_msrpm_combine(void **state)
{
	(void)state;
	fresh_msrpm();
	assert_int_equal(svm_msrpm_allow(msrpm, 0xC0000080, false, false), 0);
	expect_msrpm();
	assert_int_equal(svm_msrpm_allow(msrpm, 0x1B, true, false), 0);
	assert_int_equal(svm_msrpm_allow(msrpm, 0x1B, false, true), 0);
	assert_int_equal(svm_msrpm_allow(msrpm, 0x1B, true, true), 0);
	/* 0x1B * 2 = 0x36: byte 6, bits 6/7. */
	msrpm_want[6] = 0x3F;
	expect_msrpm();
	expect_msr(0x1B, false, false);
	expect_msr(0x1A, true, true);
	expect_msr(0x1C, true, true);
}

/* Opening every covered MSR clears bytes 0-0x17FF and nothing else: the
 * reserved vector stays set and the rest of the space still exits. */
static void test_msrpm_allow_all(void **state)
{
	static const uint32_t base[] = {0, 0xC0000000, 0xC0010000};

	(void)state;
	fresh_msrpm();
	for (unsigned v = 0; v < BH_ARRAY_SIZE(base); v++)
		for (uint32_t i = 0; i < 0x2000; i++)
			assert_int_equal(
			    svm_msrpm_allow(msrpm, base[v] + i, true, true), 0);
	memset(msrpm_want, 0, 0x1800);
	expect_msrpm();
	for (unsigned v = 0; v < BH_ARRAY_SIZE(base); v++) {
		expect_msr(base[v], false, false);
		expect_msr(base[v] + 0x1FFF, false, false);
		expect_msr(base[v] + 0x2000, true, true);
	}
	for (unsigned i = 0; i < BH_ARRAY_SIZE(msr_out); i++)
		expect_msr(msr_out[i], true, true);
	expect_msr(0xBFFFFFFF, true, true);
	expect_msr(0xC000FFFF, true, true);
}

/* ---- I/O permission map ---------------------------------------------- */

static void test_iopm_init(void **state)
{
	(void)state;
	fresh_iopm();
	expect_iopm();
	for (uint32_t port = 0; port <= 0xFFFF; port++) {
		assert_true(svm_iopm_intercepts(iopm, (uint16_t)port, 1));
		assert_true(svm_iopm_intercepts(iopm, (uint16_t)port, 2));
		assert_true(svm_iopm_intercepts(iopm, (uint16_t)port, 4));
	}
}

static void test_iopm_single_ports(void **state)
{
	(void)state;
	fresh_iopm();
	/* Port 0x80: byte 0x10, bit 0. */
	assert_int_equal(svm_iopm_allow(iopm, 0x80, 0x80), 0);
	iopm_want[0x10] = 0xFE;
	expect_iopm();
	assert_false(svm_iopm_intercepts(iopm, 0x80, 1));
	assert_true(svm_iopm_intercepts(iopm, 0x7F, 1));
	assert_true(svm_iopm_intercepts(iopm, 0x81, 1));
	assert_true(svm_iopm_intercepts(iopm, 0x80, 2));
	assert_true(svm_iopm_intercepts(iopm, 0x7F, 2));

	/* Port 0: byte 0, bit 0. */
	assert_int_equal(svm_iopm_allow(iopm, 0, 0), 0);
	iopm_want[0] = 0xFE;
	expect_iopm();
	assert_false(svm_iopm_intercepts(iopm, 0, 1));
	assert_true(svm_iopm_intercepts(iopm, 0, 2));

	/* Port 0xFFFF: byte 0x1FFF, bit 7. A wider access there also
	 * touches the bits past the map's ports and intercepts. */
	assert_int_equal(svm_iopm_allow(iopm, 0xFFFF, 0xFFFF), 0);
	iopm_want[0x1FFF] = 0x7F;
	expect_iopm();
	assert_false(svm_iopm_intercepts(iopm, 0xFFFF, 1));
	assert_true(svm_iopm_intercepts(iopm, 0xFFFF, 2));
	assert_true(svm_iopm_intercepts(iopm, 0xFFFF, 4));
	assert_true(svm_iopm_intercepts(iopm, 0xFFFE, 1));
	assert_int_equal(bits_differ(iopm, iopm_want, SVM_IOPM_BYTES), 0);
	memset(iopm_want, 0xFF, sizeof(iopm_want));
	assert_int_equal(bits_differ(iopm, iopm_want, SVM_IOPM_BYTES), 3);
}

static void test_iopm_ranges(void **state)
{
	(void)state;
	fresh_iopm();
	/* COM1 0x3F8-0x3FF is exactly byte 0x7F. */
	assert_int_equal(svm_iopm_allow(iopm, 0x3F8, 0x3FF), 0);
	iopm_want[0x7F] = 0x00;
	expect_iopm();
	/* 0x1F0-0x1F7 is byte 0x3E; 0x3F6 is byte 0x7E bit 6. */
	assert_int_equal(svm_iopm_allow(iopm, 0x1F0, 0x1F7), 0);
	assert_int_equal(svm_iopm_allow(iopm, 0x3F6, 0x3F6), 0);
	iopm_want[0x3E] = 0x00;
	iopm_want[0x7E] = 0xBF;
	expect_iopm();
	/* 0x61-0x6A crosses a byte: byte 0x0C bits 1-7, byte 0x0D bits
	 * 0-2. */
	assert_int_equal(svm_iopm_allow(iopm, 0x61, 0x6A), 0);
	iopm_want[0x0C] = 0x01;
	iopm_want[0x0D] = 0xF8;
	expect_iopm();
	/* 0x1000-0x1FFF is bytes 0x200-0x3FF. */
	assert_int_equal(svm_iopm_allow(iopm, 0x1000, 0x1FFF), 0);
	memset(iopm_want + 0x200, 0, 0x200);
	expect_iopm();
	assert_true(svm_iopm_intercepts(iopm, 0x0FFF, 1));
	assert_false(svm_iopm_intercepts(iopm, 0x1000, 4));
	assert_false(svm_iopm_intercepts(iopm, 0x1FFC, 4));
	assert_true(svm_iopm_intercepts(iopm, 0x2000, 1));
}

/* A multi-byte access exits if any byte it touches is denied. */
static void test_iopm_straddle(void **state)
{
	(void)state;
	fresh_iopm();
	assert_int_equal(svm_iopm_allow(iopm, 0xCF8, 0xCFB), 0);
	assert_false(svm_iopm_intercepts(iopm, 0xCF8, 4));
	assert_false(svm_iopm_intercepts(iopm, 0xCF8, 2));
	assert_false(svm_iopm_intercepts(iopm, 0xCFA, 2));
	assert_false(svm_iopm_intercepts(iopm, 0xCFB, 1));
	assert_true(svm_iopm_intercepts(iopm, 0xCF9, 4)); /* 0xCFC denied */
	assert_true(svm_iopm_intercepts(iopm, 0xCFB, 2));
	assert_true(svm_iopm_intercepts(iopm, 0xCF7, 2)); /* 0xCF7 denied */
	assert_true(svm_iopm_intercepts(iopm, 0xCF5, 4));
	assert_true(svm_iopm_intercepts(iopm, 0xCFC, 1));
}

/* With every port open, only accesses running past 0xFFFF still exit:
 * their extra bits live in byte 0x2000 and up, which stays set. */
static void test_iopm_past_end(void **state)
{
	(void)state;
	fresh_iopm();
	assert_int_equal(svm_iopm_allow(iopm, 0, 0xFFFF), 0);
	memset(iopm_want, 0, 0x2000);
	expect_iopm();
	for (unsigned i = 0x2000; i < SVM_IOPM_BYTES; i++)
		assert_int_equal(iopm[i], 0xFF);
	assert_false(svm_iopm_intercepts(iopm, 0xFFFF, 1));
	assert_false(svm_iopm_intercepts(iopm, 0xFFFE, 2));
	assert_false(svm_iopm_intercepts(iopm, 0xFFFC, 4));
	assert_true(svm_iopm_intercepts(iopm, 0xFFFF, 2));
	assert_true(svm_iopm_intercepts(iopm, 0xFFFD, 4));
	assert_true(svm_iopm_intercepts(iopm, 0xFFFE, 4));
	assert_true(svm_iopm_intercepts(iopm, 0xFFFF, 4));
	assert_false(svm_iopm_intercepts(iopm, 0, 4));
	/* Sizes the CPU never uses are refused. */
	assert_true(svm_iopm_intercepts(iopm, 0x80, 0));
	assert_true(svm_iopm_intercepts(iopm, 0x80, 3));
	assert_true(svm_iopm_intercepts(iopm, 0x80, 8));
}

static void test_iopm_bad_ranges(void **state)
{
	static const uint32_t bad[][2] = {
	    {5, 4},
	    {0xFFFF, 0},
	    {0, 0x10000},
	    {0xFFFF, 0x10000},
	    {0x10000, 0x10000},
	    {0x10, 0xFFFFFFFF},
	    {0xFFFFFFFF, 0xFFFFFFFF},
	};

	(void)state;
	fresh_iopm();
	assert_int_equal(svm_iopm_allow(iopm, 0x60, 0x64), 0);
	memcpy(iopm_want, iopm, sizeof(iopm));
	for (unsigned i = 0; i < BH_ARRAY_SIZE(bad); i++) {
		assert_int_equal(svm_iopm_allow(iopm, bad[i][0], bad[i][1]),
				 -1);
		expect_iopm();
	}
}

/* Every port and size against a model: a port is open iff allowed, ports
 * past 0xFFFF never are. */
static void test_iopm_model(void **state)
{
	static const uint32_t open[][2] = {
	    {0, 7},	    {0x20, 0x21},     {0x40, 0x43},
	    {0x3F8, 0x3FF}, {0x1234, 0x5678}, {0xFFF0, 0xFFFE},
	};
	static bool allowed[0x10000 + 3];

	(void)state;
	fresh_iopm();
	memset(allowed, 0, sizeof(allowed));
	for (unsigned i = 0; i < BH_ARRAY_SIZE(open); i++) {
		assert_int_equal(svm_iopm_allow(iopm, open[i][0], open[i][1]),
				 0);
		for (uint32_t p = open[i][0]; p <= open[i][1]; p++)
			allowed[p] = true;
	}
	for (uint32_t port = 0; port <= 0xFFFF; port++) {
		for (unsigned size = 1; size <= 4; size *= 2) {
			bool exits = false;
			for (unsigned b = 0; b < size; b++)
				exits |= !allowed[port + b];
			assert_int_equal(
			    svm_iopm_intercepts(iopm, (uint16_t)port, size),
			    exits);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msrpm_init),
	    cmocka_unit_test(test_msrpm_edges),
	    cmocka_unit_test(test_msrpm_hand_computed),
	    cmocka_unit_test(test_msrpm_out_of_range),
	    cmocka_unit_test(test_msrpm_combine),
	    cmocka_unit_test(test_msrpm_allow_all),
	    cmocka_unit_test(test_iopm_init),
	    cmocka_unit_test(test_iopm_single_ports),
	    cmocka_unit_test(test_iopm_ranges),
	    cmocka_unit_test(test_iopm_straddle),
	    cmocka_unit_test(test_iopm_past_end),
	    cmocka_unit_test(test_iopm_bad_ranges),
	    cmocka_unit_test(test_iopm_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
