/* Helpers for code that reads or writes binary formats (boot images, ACPI
 * tables, management frames): little-endian fields at any alignment, the
 * 8-bit checksum, and the "return -1 with a reason" convention of the
 * loaders. Header-only and pure. */
#ifndef BH_BINFMT_H
#define BH_BINFMT_H

#include "hv/lib/lib.h"

static inline uint16_t le_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le_rd32(const uint8_t *p)
{
	return (uint32_t)le_rd16(p) | (uint32_t)le_rd16(p + 2) << 16;
}

static inline uint64_t le_rd64(const uint8_t *p)
{
	return (uint64_t)le_rd32(p) | (uint64_t)le_rd32(p + 4) << 32;
}

static inline void le_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le_wr32(uint8_t *p, uint32_t v)
{
	le_wr16(p, (uint16_t)v);
	le_wr16(p + 2, (uint16_t)(v >> 16));
}

static inline void le_wr64(uint8_t *p, uint64_t v)
{
	le_wr32(p, (uint32_t)v);
	le_wr32(p + 4, (uint32_t)(v >> 32));
}

/* Sum of n bytes mod 256: an ACPI structure is valid when it is 0. */
static inline uint8_t bh_sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Sets *why (if why is not NULL) to a static reason; returns -1. */
static inline int bh_fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

#endif
