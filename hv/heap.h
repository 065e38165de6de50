/* The hypervisor's page allocator: a fixed region reserved by the loader.
 * Pages are zeroed on allocation. */
#ifndef BH_HEAP_H
#define BH_HEAP_H

#include "hv/lib/lib.h"

void heap_init(uint64_t base, uint64_t size);
/* Returns a zeroed, 4 KiB-aligned block of `pages` pages, or NULL. */
void *heap_alloc_pages(unsigned pages);
uint64_t heap_free_pages(void);

#endif
