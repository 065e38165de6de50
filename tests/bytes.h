/* Little-endian byte access and the 8-bit (ACPI-style) checksum, shared by
 * the unit tests (tests/unit/test_util.h) and the fuzz harnesses
 * (tests/fuzz/fuzz_util.h). Header-only; no test framework needed. */
#ifndef BH_TESTS_BYTES_H
#define BH_TESTS_BYTES_H

#include "hv/lib/binfmt.h"

/* The tests' short names for the hypervisor's own helpers. */
#define rd16 le_rd16
#define rd32 le_rd32
#define rd64 le_rd64
#define wr16 le_wr16
#define wr32 le_wr32
#define wr64 le_wr64
#define sum8 bh_sum8

/* Sets the checksum byte p[at] (at < n) so that the n bytes sum to 0. */
static inline void fix_sum8(uint8_t *p, size_t n, size_t at)
{
	p[at] = 0;
	p[at] = (uint8_t)(0x100 - sum8(p, n));
}

#endif
