/* EPT page-table builder (SDM Vol. 3C 28.2). Pure logic: table memory
 * comes from a callback and "physical" addresses are pointer values, so
 * it runs identically in the identity-mapped core and in host tests. */
#ifndef BH_EPT_H
#define BH_EPT_H

#include "hv/lib/lib.h"

#define EPT_R	  (1ull << 0)
#define EPT_W	  (1ull << 1)
#define EPT_X	  (1ull << 2)
#define EPT_RWX	  (EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB (6ull << 3) /* leaf memory type, SDM 28.2.6 */
#define EPT_LARGE (1ull << 7)
/* Set by the CPU when EPTP enables accessed/dirty flags (SDM 28.2.4). */
#define EPT_ACCESSED  (1ull << 8)
#define EPT_DIRTY     (1ull << 9)
#define EPT_ADDR_MASK 0x000FFFFFFFFFF000ull
#define EPT_GPA_LIMIT (1ull << 48) /* 4-level walk */

typedef void *ept_alloc_fn(void *ctx); /* one zeroed 4 KiB page or NULL */

struct ept {
	uint64_t *pml4;
	ept_alloc_fn *alloc;
	void *ctx;
	unsigned table_pages; /* tables allocated, for accounting */
	unsigned large_pages, small_pages;
	bool small_only; /* map 4 KiB pages only: dirty flags per page */
	/* AMD nested page tables (APM Vol. 2 15.25.5) instead: the same
	 * tree in the long-mode format, where EPT's R, W, X bits read as P,
	 * R/W, U/S (guest accesses count as user accesses, so U/S must be
	 * set) and bit 7 is PS in both; only EPT's leaf memory type (bits
	 * 5:3, PWT/PCD/A there) is left out: the guest's PAT decides. */
	bool npt;
};

int ept_init(struct ept *e, ept_alloc_fn *alloc, void *ctx);
/* Maps [gpa, gpa+size) to [hpa, hpa+size) with perms (EPT_R, _W, _X),
 * write-back, using 2 MiB pages where both sides are aligned. All three
 * must be 4 KiB-aligned; an already-mapped page is an error. */
int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    uint64_t perms);
/* Walks the tables: 0 (filling hpa and perms) if mapped, -1 if not. */
int ept_lookup(const struct ept *e, uint64_t gpa, uint64_t *hpa,
	       uint64_t *perms);
/* The 4 KiB leaf entry mapping gpa, or NULL (unmapped or a 2 MiB page). */
uint64_t *ept_leaf4k(const struct ept *e, uint64_t gpa);
/* Clears `bits` (EPT_DIRTY, EPT_W, ...) in every 4 KiB leaf; returns how
 * many leaves had any of them set. */
uint64_t ept_clear_leaf_bits(struct ept *e, uint64_t bits);
/* EPTP value: WB paging structures, 4-level walk (SDM 24.6.11); with
 * ad, the CPU sets accessed/dirty flags in the entries (bit 6). */
uint64_t ept_pointer(const struct ept *e, bool ad);

#endif
