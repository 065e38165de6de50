#include "arch/x86_64/lib/ept.h"

#define SZ_4K	    0x1000ull
#define SZ_2M	    0x200000ull
#define TABLE_PERMS EPT_RWX /* non-leaf entries allow all; leaves decide */

static unsigned index_at(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> (12 + 9 * level)) & 511;
}

int ept_init(struct ept *e, ept_alloc_fn *alloc, void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->alloc = alloc;
	e->ctx = ctx;
	e->pml4 = alloc(ctx);
	if (!e->pml4)
		return -1;
	e->table_pages = 1;
	return 0;
}

/* Returns the table at `level` - 1 below entry `slot`, creating it. */
static uint64_t *next_table(struct ept *e, uint64_t *slot)
{
	if (*slot & EPT_LARGE)
		return NULL; /* already a leaf */
	if (!(*slot & EPT_RWX)) {
		uint64_t *t = e->alloc(e->ctx);
		if (!t)
			return NULL;
		e->table_pages++;
		*slot = ((uint64_t)(uintptr_t)t & EPT_ADDR_MASK) | TABLE_PERMS;
	}
	return (uint64_t *)(uintptr_t)(*slot & EPT_ADDR_MASK);
}

static int map_one(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t perms,
		   bool large)
{
	uint64_t *t = e->pml4;
	unsigned leaf_level = large ? 1 : 0;
	for (unsigned level = 3; level > leaf_level; level--) {
		t = next_table(e, &t[index_at(gpa, level)]);
		if (!t)
			return -1;
	}
	uint64_t *slot = &t[index_at(gpa, leaf_level)];
	if (*slot & EPT_RWX)
		return -1; /* overlap */
	*slot =
	    hpa | perms | (e->npt ? 0 : EPT_MT_WB) | (large ? EPT_LARGE : 0);
	if (large)
		e->large_pages++;
	else
		e->small_pages++;
	return 0;
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    uint64_t perms)
{
	uint64_t gend, hend;
	if ((gpa | hpa | size) & (SZ_4K - 1) || !size || !(perms & EPT_RWX) ||
	    (perms & ~EPT_RWX))
		return -1;
	if (__builtin_add_overflow(gpa, size, &gend) ||
	    __builtin_add_overflow(hpa, size, &hend) || gend > EPT_GPA_LIMIT ||
	    hend > (EPT_ADDR_MASK | (SZ_4K - 1)) + 1)
		return -1;
	while (gpa < gend) {
		bool large = !e->small_only && !((gpa | hpa) & (SZ_2M - 1)) &&
			     gend - gpa >= SZ_2M;
		if (map_one(e, gpa, hpa, perms, large))
			return -1;
		uint64_t step = large ? SZ_2M : SZ_4K;
		gpa += step;
		hpa += step;
	}
	return 0;
}

int ept_lookup(const struct ept *e, uint64_t gpa, uint64_t *hpa,
	       uint64_t *perms)
{
	if (gpa >= EPT_GPA_LIMIT)
		return -1;
	const uint64_t *t = e->pml4;
	for (unsigned level = 3;; level--) {
		uint64_t ent = t[index_at(gpa, level)];
		if (!(ent & EPT_RWX))
			return -1;
		if (level == 0 || (ent & EPT_LARGE)) {
			uint64_t span = 1ull << (12 + 9 * level);
			*hpa = (ent & EPT_ADDR_MASK & ~(span - 1)) +
			       (gpa & (span - 1));
			*perms = ent & EPT_RWX;
			return 0;
		}
		t = (const uint64_t *)(uintptr_t)(ent & EPT_ADDR_MASK);
	}
}

uint64_t *ept_leaf4k(const struct ept *e, uint64_t gpa)
{
	if (gpa >= EPT_GPA_LIMIT)
		return NULL;
	uint64_t *t = e->pml4;
	for (unsigned level = 3; level > 0; level--) {
		uint64_t ent = t[index_at(gpa, level)];
		if (!(ent & EPT_RWX) || (ent & EPT_LARGE))
			return NULL;
		t = (uint64_t *)(uintptr_t)(ent & EPT_ADDR_MASK);
	}
	return &t[index_at(gpa, 0)];
}

/* Clears bits in the 4 KiB leaves below table t at `level` (3 = PML4). */
static uint64_t clear_bits(uint64_t *t, unsigned level, uint64_t bits)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < 512; i++) {
		if (!(t[i] & EPT_RWX) || (level && (t[i] & EPT_LARGE)))
			continue;
		if (level) {
			n += clear_bits(
			    (uint64_t *)(uintptr_t)(t[i] & EPT_ADDR_MASK),
			    level - 1, bits);
		} else if (t[i] & bits) {
			t[i] &= ~bits;
			n++;
		}
	}
	return n;
}

uint64_t ept_clear_leaf_bits(struct ept *e, uint64_t bits)
{
	return clear_bits(e->pml4, 3, bits);
}

uint64_t ept_pointer(const struct ept *e, bool ad)
{
	return ((uint64_t)(uintptr_t)e->pml4 & EPT_ADDR_MASK) |
	       (ad ? 1ull << 6 : 0) | (3ull << 3) | 6;
}
