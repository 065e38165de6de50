/* A set of page numbers below a bound, kept both as a bitmap (membership)
 * and as a list (in the order added): adding and iterating cost what the
 * set holds, not what it could hold, so a restore's cost follows the
 * pages the guest wrote, not the size of its RAM. Pure, no locking: the
 * owner serialises. */
#ifndef BH_PAGESET_H
#define BH_PAGESET_H

#include "hv/lib/lib.h"

struct pageset {
	uint64_t *bits; /* npages bits */
	uint32_t *list; /* count page numbers */
	uint32_t count, npages;
};

/* Bytes of memory a set of npages needs (bitmap and list). */
size_t pageset_bytes(uint32_t npages);
/* Uses mem (pageset_bytes(npages), zeroed) for an empty set. */
void pageset_init(struct pageset *s, void *mem, uint32_t npages);
/* Adds page pfn; false if it is out of range (ignored). Adding a page
 * already in the set changes nothing. */
bool pageset_add(struct pageset *s, uint64_t pfn);
bool pageset_has(const struct pageset *s, uint64_t pfn);
/* Empties the set, in time proportional to its count. */
void pageset_clear(struct pageset *s);

#endif
