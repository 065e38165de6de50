/* Little-endian byte access and the 8-bit (ACPI-style) checksum, shared by
 * the unit tests (tests/unit/test_util.h) and the fuzz harnesses
 * (tests/fuzz/fuzz_util.h). Header-only; no test framework needed. */
#ifndef BH_TESTS_BYTES_H
#define BH_TESTS_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static inline uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static inline void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* The n bytes at p summed modulo 256 (0 for a valid ACPI table). */
static inline uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Sets the checksum byte p[at] (at < n) so that the n bytes sum to 0. */
static inline void fix_sum8(uint8_t *p, size_t n, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100 - sum8(p, n));
}

#endif
