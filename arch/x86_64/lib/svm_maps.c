#include "arch/x86_64/lib/svm_maps.h"

/* APM 15.11: the MSRPM is four 2 KiB (16 Kbit) vectors, each covering 8 K
 * MSRs at two bits per MSR; Table 15-8 lists the MSR range of each. */
#define MSRPM_VEC_BYTES 0x800u
#define MSRPM_VEC_MSRS	0x2000u
#define MSRPM_READ	1u /* lsb of an MSR's pair: RDMSR */
#define MSRPM_WRITE	2u /* msb of the pair: WRMSR */

/* First MSR of each vector in map order (Table 15-8). The fourth vector,
 * bytes 0x1800-0x1FFF, is reserved and covers nothing. */
static const uint32_t msrpm_base[] = {0x00000000, 0xC0000000, 0xC0010000};

/* Finds the bit pair of msr: the byte holding it and the position of its
 * read (even) bit there; the write bit is the next one up. A pair never
 * straddles bytes since each byte holds four whole pairs. Returns false
 * for MSRs in no vector, which the CPU always intercepts (APM 15.11). */
static bool msrpm_locate(uint32_t msr, uint32_t *byte, unsigned *bit)
{
	for (unsigned i = 0; i < BH_ARRAY_SIZE(msrpm_base); i++) {
		uint32_t idx = msr - msrpm_base[i]; /* wraps huge if below */
		if (idx >= MSRPM_VEC_MSRS)
			continue;
		*byte = i * MSRPM_VEC_BYTES + idx * 2 / 8;
		*bit = idx * 2 % 8;
		return true;
	}
	return false;
}

void svm_msrpm_init(uint8_t *map)
{
	/* Reserved bytes too: nothing should read them, but all ones is
	 * the value that can never grant access if something does. */
	memset(map, 0xFF, SVM_MSRPM_BYTES);
}

int svm_msrpm_allow(uint8_t *map, uint32_t msr, bool read, bool write)
{
	uint32_t byte;
	unsigned bit;

	if (!msrpm_locate(msr, &byte, &bit))
		return -1; /* no bit to clear: it intercepts regardless */
	unsigned clear = (read ? MSRPM_READ : 0) | (write ? MSRPM_WRITE : 0);
	map[byte] &= (uint8_t) ~(clear << bit);
	return 0;
}

bool svm_msrpm_intercepts(const uint8_t *map, uint32_t msr, bool write)
{
	uint32_t byte;
	unsigned bit;

	if (!msrpm_locate(msr, &byte, &bit))
		return true;
	unsigned mask = write ? MSRPM_WRITE : MSRPM_READ;
	return (map[byte] >> bit) & mask;
}

void svm_iopm_init(uint8_t *map)
{
	/* APM 15.10.1: bit n is port n. The map holds 64 K + 3 meaningful
	 * bits (a 4-byte access at 0xFFFF reads bits up to 0x10002); the
	 * ones past 0xFFFF are never cleared, so wrapping accesses always
	 * intercept. The rest of the third page is set for good measure. */
	memset(map, 0xFF, SVM_IOPM_BYTES);
}

static bool iopm_bit(const uint8_t *map, uint32_t port)
{
	return (map[port / 8] >> (port % 8)) & 1;
}

int svm_iopm_allow(uint8_t *map, uint32_t first, uint32_t last)
{
	if (first > last || last > SVM_IOPM_MAX_PORT)
		return -1;
	for (uint32_t port = first; port <= last; port++)
		map[port / 8] &= (uint8_t) ~(1u << (port % 8));
	return 0;
}

bool svm_iopm_intercepts(const uint8_t *map, uint16_t port, unsigned size)
{
	if (size != 1 && size != 2 && size != 4)
		return true;
	/* APM 15.10.2: a multi-byte IN/OUT checks the bit of every byte it
	 * touches and intercepts if any is set. No wrap to port 0: the CPU
	 * reads the bits past 0xFFFF. */
	for (uint32_t p = port; p < (uint32_t)port + size; p++)
		if (iopm_bit(map, p))
			return true;
	return false;
}
