/* Unit tests for hv/lib/outring.c: numbering, wrap-around, what a reader
 * that fell behind or asks beyond the end gets, and the reply cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/lib/outring.h"

static struct outring ring;
static uint8_t out[2 * OUTRING_SIZE];

/* Byte number i of the test stream. */
static uint8_t byte_at(uint64_t i)
{
	return (uint8_t)('a' + i % 26);
}

static void put_stream(uint64_t n, size_t chunk)
{
	uint8_t buf[3 * OUTRING_SIZE];
	while (n) {
		size_t k = n < chunk ? (size_t)n : chunk;
		for (size_t i = 0; i < k; i++)
			buf[i] = byte_at(ring.end + i);
		outring_put(&ring, buf, k);
		n -= k;
	}
}

static void check_bytes(uint64_t first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], byte_at(first + i));
}

static int setup(void **state)
{
	(void)state;
	memset(&ring, 0, sizeof(ring));
	return 0;
}

static void test_empty(void **state)
{
	(void)state;
	uint64_t first = 99;
	assert_int_equal(outring_read(&ring, 0, out, 10, &first), 0);
	assert_int_equal(first, 0);
	assert_int_equal(outring_read(&ring, 5, out, 10, &first), 0);
	assert_int_equal(first, 0); /* beyond the end: clamped to it */
}

static void test_within(void **state)
{
	(void)state;
	uint64_t first;
	put_stream(100, 7);
	assert_int_equal(ring.end, 100);
	assert_int_equal(outring_read(&ring, 0, out, 1000, &first), 100);
	assert_int_equal(first, 0);
	check_bytes(0, 100);
	assert_int_equal(outring_read(&ring, 40, out, 10, &first), 10);
	assert_int_equal(first, 40);
	check_bytes(40, 10);
	assert_int_equal(outring_read(&ring, 100, out, 10, &first), 0);
	assert_int_equal(first, 100);
	assert_int_equal(outring_read(&ring, UINT64_MAX, out, 10, &first), 0);
	assert_int_equal(first, 100);
}

static void test_wrapped(void **state)
{
	(void)state;
	uint64_t first;
	put_stream(3 * OUTRING_SIZE + 123, 1000);
	uint64_t oldest = ring.end - OUTRING_SIZE;
	/* A reader that fell behind starts at the oldest byte kept. */
	assert_int_equal(outring_read(&ring, 0, out, sizeof(out), &first),
			 OUTRING_SIZE);
	assert_int_equal(first, oldest);
	check_bytes(oldest, OUTRING_SIZE);
	/* Across the physical end of the buffer. */
	assert_int_equal(outring_read(&ring, ring.end - 200, out, 150, &first),
			 150);
	assert_int_equal(first, ring.end - 200);
	check_bytes(first, 150);
}

static void test_big_put(void **state)
{
	(void)state;
	uint64_t first;
	put_stream(10, 10);
	put_stream(2 * OUTRING_SIZE + 5, 3 * OUTRING_SIZE); /* one call */
	assert_int_equal(ring.end, 2 * OUTRING_SIZE + 15);
	assert_int_equal(outring_read(&ring, 0, out, sizeof(out), &first),
			 OUTRING_SIZE);
	assert_int_equal(first, OUTRING_SIZE + 15);
	check_bytes(first, OUTRING_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_empty, setup),
	    cmocka_unit_test_setup(test_within, setup),
	    cmocka_unit_test_setup(test_wrapped, setup),
	    cmocka_unit_test_setup(test_big_put, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
