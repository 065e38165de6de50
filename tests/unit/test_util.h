/* Shared by the cmocka unit tests tests/unit/test_*.c (included as
 * "tests/unit/test_util.h"; not a test itself): little-endian access and
 * the 8-bit checksum from tests/bytes.h, and checks on a guest RAM buffer. */
#ifndef BH_TESTS_UNIT_TEST_UTIL_H
#define BH_TESTS_UNIT_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/bytes.h"

/* Fails, naming the first offset that differs, unless all size bytes of
 * the guest RAM at ram still hold fill. */
static inline void assert_ram_filled(const uint8_t *ram, size_t size,
				     uint8_t fill)
{
	for (size_t i = 0; i < size; i++)
		if (ram[i] != fill)
			fail_msg("guest RAM modified at %#zx", i);
}

/* The string at guest-physical gpa of the size bytes of guest RAM at ram;
 * it must lie inside and be NUL-terminated there. */
static inline const char *ram_str(const uint8_t *ram, size_t size, uint64_t gpa)
{
	assert_true(gpa < size);
	assert_non_null(memchr(ram + gpa, 0, size - gpa));
	return (const char *)ram + gpa;
}

#endif
