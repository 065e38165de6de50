/* Unit tests for hv/memmap.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/load/memmap.h"

static void check_layout(uint64_t ram_size)
{
	struct mm_entry m[8];
	unsigned n = 0;

	assert_int_equal(memmap_build(ram_size, m, 8, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(m[0].addr, 0);
	assert_int_equal(m[0].len, 0x9FC00);
	assert_int_equal(m[0].type, MM_TYPE_RAM);
	assert_int_equal(m[1].addr, 0x9FC00);
	assert_int_equal(m[1].len, 0x400);
	assert_int_equal(m[1].type, MM_TYPE_RESERVED);
	assert_int_equal(m[2].addr, 0xF0000);
	assert_int_equal(m[2].len, 0x10000);
	assert_int_equal(m[2].type, MM_TYPE_RESERVED);
	assert_int_equal(m[3].addr, 0x100000);
	assert_int_equal(m[3].len, ram_size - 0x100000);
	assert_int_equal(m[3].type, MM_TYPE_RAM);
	/* Sorted, non-overlapping, and the last entry ends at ram_size. */
	for (unsigned i = 1; i < n; i++)
		assert_true(m[i - 1].addr + m[i - 1].len <= m[i].addr);
	assert_int_equal(m[3].addr + m[3].len, ram_size);
}

static void test_layout(void **state)
{
	(void)state;
	check_layout(BH_MIB(2));
	check_layout(BH_MIB(64));
	check_layout(BH_MIB(2) + 4096);
	check_layout(BH_GIB(64));
}

static void test_exact_max(void **state)
{
	struct mm_entry m[MM_MAX_ENTRIES];
	unsigned n = 0;

	(void)state;
	assert_int_equal(memmap_build(BH_MIB(16), m, MM_MAX_ENTRIES, &n), 0);
	assert_int_equal(n, MM_MAX_ENTRIES);
}

static void test_errors(void **state)
{
	struct mm_entry m[8];
	unsigned n = 77;

	(void)state;
	assert_int_equal(memmap_build(BH_MIB(2) - 1, m, 8, &n), -1);
	assert_int_equal(memmap_build(0, m, 8, &n), -1);
	assert_int_equal(memmap_build(BH_MIB(1), m, 8, &n), -1);
	assert_int_equal(memmap_build(BH_MIB(16), m, MM_MAX_ENTRIES - 1, &n),
			 -1);
	assert_int_equal(memmap_build(BH_MIB(16), m, 0, &n), -1);
	assert_int_equal(n, 77); /* untouched on error */
	assert_int_equal(memmap_build(BH_MIB(16), NULL, 8, &n), -1);
	assert_int_equal(memmap_build(BH_MIB(16), m, 8, NULL), -1);
}

static void test_mem_kib(void **state)
{
	(void)state;
	assert_int_equal(memmap_mem_lower_kib(BH_MIB(2)), 639);
	assert_int_equal(memmap_mem_lower_kib(BH_GIB(4)), 639);
	assert_int_equal(memmap_mem_upper_kib(BH_MIB(2)), 1024);
	assert_int_equal(memmap_mem_upper_kib(BH_MIB(64)), 63 * 1024);
	assert_int_equal(memmap_mem_upper_kib(BH_MIB(1) + 1023), 0);
	assert_int_equal(memmap_mem_upper_kib(BH_MIB(1) + 1024), 1);
	assert_int_equal(memmap_mem_upper_kib(BH_MIB(1)), 0);
	assert_int_equal(memmap_mem_upper_kib(0), 0);
	assert_int_equal(memmap_mem_upper_kib(BH_GIB(4)),
			 4 * 1024 * 1024 - 1024);
	/* (2^42 + 1 MiB) / 1 KiB = 2^32 does not fit: capped. */
	assert_int_equal(memmap_mem_upper_kib(BH_GIB(4096) + BH_MIB(1)),
			 UINT32_MAX);
	assert_int_equal(memmap_mem_upper_kib(BH_GIB(4096) + BH_MIB(1) - 1024),
			 UINT32_MAX);
	assert_int_equal(memmap_mem_upper_kib(UINT64_MAX), UINT32_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_exact_max),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_mem_kib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
