/* Unit tests for hv/lib/pageset.c: membership, order, duplicates, bounds,
 * and that clearing leaves no bit behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/pageset.h"

static struct pageset *make(uint32_t npages)
{
	struct pageset *s = malloc(sizeof(*s));
	assert_non_null(s);
	void *mem = calloc(1, pageset_bytes(npages));
	assert_non_null(mem);
	pageset_init(s, mem, npages);
	return s;
}

static void destroy(struct pageset *s)
{
	free(s->bits);
	free(s);
}

static void test_add_has_order(void **state)
{
	(void)state;
	struct pageset *s = make(200);
	assert_int_equal(s->count, 0);
	assert_true(pageset_add(s, 130));
	assert_true(pageset_add(s, 0));
	assert_true(pageset_add(s, 199));
	assert_true(pageset_add(s, 130)); /* again: no second entry */
	assert_int_equal(s->count, 3);
	assert_int_equal(s->list[0], 130);
	assert_int_equal(s->list[1], 0);
	assert_int_equal(s->list[2], 199);
	assert_true(pageset_has(s, 0));
	assert_true(pageset_has(s, 199));
	assert_false(pageset_has(s, 1));
	assert_false(pageset_has(s, 129));
	destroy(s);
}

static void test_bounds(void **state)
{
	(void)state;
	struct pageset *s = make(65);
	assert_false(pageset_add(s, 65));
	assert_false(pageset_add(s, UINT64_MAX));
	assert_false(pageset_add(s, 1ull << 32)); /* does not wrap to 0 */
	assert_false(pageset_has(s, 0));
	assert_false(pageset_has(s, 65));
	assert_int_equal(s->count, 0);
	assert_true(pageset_add(s, 64)); /* last page, second word */
	assert_int_equal(s->count, 1);
	destroy(s);
}

/* Every page of the set, in every word: the list never overflows and
 * clear returns it to empty, bit for bit. */
static void test_full_then_clear(void **state)
{
	(void)state;
	const uint32_t n = 1000;
	struct pageset *s = make(n);
	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < n; i++)
			assert_true(pageset_add(s, (i * 7 + round) % n));
		assert_int_equal(s->count, n);
		pageset_clear(s);
		assert_int_equal(s->count, 0);
		for (uint32_t w = 0; w < (n + 63) / 64; w++)
			assert_int_equal(s->bits[w], 0);
	}
	destroy(s);
}

static void test_bytes(void **state)
{
	(void)state;
	assert_int_equal(pageset_bytes(0), 0);
	assert_int_equal(pageset_bytes(1), 8 + 4);
	assert_int_equal(pageset_bytes(64), 8 + 256);
	assert_int_equal(pageset_bytes(65), 16 + 260);
	/* 512 MiB of RAM: 16 KiB of bits and 512 KiB of list. */
	assert_int_equal(pageset_bytes(131072), 16384 + 524288);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_has_order),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_full_then_clear),
	    cmocka_unit_test(test_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
