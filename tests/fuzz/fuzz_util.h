/* Shared by the libFuzzer harnesses tests/fuzz/fuzz_*.c: the libFuzzer
 * entry points, the CHECK property macro, the input reader and pattern
 * fills for the harnesses' buffers. Also brings in tests/bytes.h
 * (little-endian access, 8-bit checksum). */
#ifndef BH_TESTS_FUZZ_UTIL_H
#define BH_TESTS_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bytes.h"

/* libFuzzer entry points; a harness need not define LLVMFuzzerInitialize. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test must have; tests/fuzz/run.sh looks for
 * "property violated" in the log. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: property violated: %s\n",      \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* The part of the input not consumed yet. */
struct reader {
	const uint8_t *p;
	size_t n;
};

/* Consumes the next `bytes` (at most 8) bytes as a little-endian number;
 * bytes past the end of the input read as 0. */
static inline uint64_t take(struct reader *r, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		if (r->n) {
			v |= (uint64_t)*r->p << (8 * i);
			r->p++;
			r->n--;
		}
	}
	return v;
}

/* n bytes of a fixed, position-dependent pattern (no 4 KiB period). */
static inline void fill_pattern(uint8_t *p, size_t n, size_t mul)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * mul + (i >> 12));
}

/* first, first + 1, ... first + 25, first, ...; s[n - 1] = NUL. So
 * s + n - 1 - len is a string of len characters for any len < n. */
static inline void fill_letters(char *s, size_t n, char first)
{
	for (size_t i = 0; i < n; i++)
		s[i] = (char)(first + i % 26);
	s[n - 1] = '\0';
}

#endif
