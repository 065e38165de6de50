/* Unit tests for hv/hypercall_check.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/abi.h"
#include "hv/lib/hypercall_check.h"

#define RAM BH_MIB(64)
#define MAX BH_HC_CONSOLE_MAX

static void test_ok(void **state)
{
	(void)state;
	assert_int_equal(hc_check_range(0, 1, RAM, MAX), BH_EOK);
	assert_int_equal(hc_check_range(0x1000, MAX, RAM, MAX), BH_EOK);
	/* Exactly up to the end of RAM. */
	assert_int_equal(hc_check_range(RAM - 4, 4, RAM, MAX), BH_EOK);
	assert_int_equal(hc_check_range(RAM - MAX, MAX, RAM, MAX), BH_EOK);
	/* Crossing a page boundary inside RAM. */
	assert_int_equal(hc_check_range(0x1FFE, 4, RAM, MAX), BH_EOK);
}

static void test_zero_length(void **state)
{
	(void)state;
	assert_int_equal(hc_check_range(0, 0, RAM, MAX), BH_EOK);
	assert_int_equal(hc_check_range(RAM, 0, RAM, MAX), BH_EOK);
	assert_int_equal(hc_check_range(RAM + 1, 0, RAM, MAX), BH_EFAULT);
	assert_int_equal(hc_check_range(UINT64_MAX, 0, RAM, MAX), BH_EFAULT);
	assert_int_equal(hc_check_range(0, 0, RAM, 0), BH_EOK);
}

static void test_too_long(void **state)
{
	(void)state;
	assert_int_equal(hc_check_range(0, MAX + 1, RAM, MAX), BH_EINVAL);
	assert_int_equal(hc_check_range(0, UINT64_MAX, RAM, MAX), BH_EINVAL);
	assert_int_equal(hc_check_range(0, 1, RAM, 0), BH_EINVAL);
	/* Length is checked first, even for a bad address. */
	assert_int_equal(hc_check_range(UINT64_MAX, MAX + 1, RAM, MAX),
			 BH_EINVAL);
}

static void test_fault(void **state)
{
	(void)state;
	/* Wrap-around. */
	assert_int_equal(hc_check_range(UINT64_MAX - 1, 4, RAM, MAX),
			 BH_EFAULT);
	assert_int_equal(hc_check_range(UINT64_MAX, 1, UINT64_MAX, MAX),
			 BH_EFAULT);
	assert_int_equal(hc_check_range(UINT64_MAX - 4, 4, UINT64_MAX, MAX),
			 BH_EOK);
	assert_int_equal(hc_check_range(UINT64_MAX - 3, 4, UINT64_MAX, MAX),
			 BH_EFAULT);
	/* Page crossing at the end of RAM. */
	assert_int_equal(hc_check_range(RAM - 2, 4, RAM, MAX), BH_EFAULT);
	assert_int_equal(hc_check_range(RAM - 4096 + 1, 4096, RAM, MAX),
			 BH_EFAULT);
	/* Entirely beyond RAM. */
	assert_int_equal(hc_check_range(RAM, 1, RAM, MAX), BH_EFAULT);
	assert_int_equal(hc_check_range(BH_GIB(4), 16, RAM, MAX), BH_EFAULT);
	/* No RAM at all. */
	assert_int_equal(hc_check_range(0, 1, 0, MAX), BH_EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ok),
	    cmocka_unit_test(test_zero_length),
	    cmocka_unit_test(test_too_long),
	    cmocka_unit_test(test_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
