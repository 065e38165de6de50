/* A byte ring that numbers every byte ever written, so a reader can ask
 * "from byte N on" and learn what it missed: the operator's view of a
 * partition's console (docs/management.md, request 0x0D). Pure; the
 * caller locks. */
#ifndef BH_OUTRING_H
#define BH_OUTRING_H

#include "hv/lib/lib.h"

#define OUTRING_SIZE 4096 /* a power of two */

struct outring {
	uint8_t buf[OUTRING_SIZE];
	uint64_t end; /* bytes ever written = number of the next byte */
};

void outring_put(struct outring *r, const void *p, size_t n);
/* Copies at most max kept bytes, numbered from max(from, end - size) on,
 * into out; *first is the number of the first byte copied (end if none).
 * Returns the count. */
size_t outring_read(const struct outring *r, uint64_t from, uint8_t *out,
		    size_t max, uint64_t *first);

#endif
