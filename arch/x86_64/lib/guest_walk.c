/* Guest page-table walker; see guest_walk.h. Layouts from SDM Vol. 3A
 * 4.3 (32-bit), 4.4 (PAE) and 4.5 (4-level and 5-level). */
#include "arch/x86_64/lib/guest_walk.h"

#define PTE_P	  (1ull << 0)
#define PTE_PS	  (1ull << 7)
#define ADDR_MASK 0x000FFFFFFFFFF000ull /* bits 51:12 */
#define MASK_2M	  0x000FFFFFFFE00000ull
#define MASK_1G	  0x000FFFFFC0000000ull

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

/* Reads the 8-byte entry at gpa (8-byte aligned by construction). */
static int read_entry(guest_read_fn *read, void *ctx, uint64_t gpa, uint64_t *e,
		      const char **why)
{
	if (read(ctx, gpa, e) != 0)
		return fail(why, "paging-structure read failed");
	return 0;
}

/* 32-bit paging entries are 4 bytes: read the aligned quadword holding
 * the entry and take the half at gpa. */
static int read_entry32(guest_read_fn *read, void *ctx, uint64_t gpa,
			uint64_t *e, const char **why)
{
	uint64_t q;

	if (read_entry(read, ctx, gpa & ~7ull, &q, why))
		return -1;
	*e = (gpa & 4) ? q >> 32 : q & 0xFFFFFFFFull;
	return 0;
}

static int walk32(const struct guest_paging *p, uint32_t la,
		  guest_read_fn *read, void *ctx, uint64_t *gpa,
		  const char **why)
{
	uint64_t pde, pte;
	uint64_t base = p->cr3 & 0xFFFFF000ull;

	if (read_entry32(read, ctx, base | ((uint64_t)(la >> 22) << 2), &pde,
			 why))
		return -1;
	if (!(pde & PTE_P))
		return fail(why, "page not present");
	if ((p->cr4 & CR4_PSE) && (pde & PTE_PS)) {
		/* 4 MiB page; PDE bits 20:13 are physical bits 39:32. */
		*gpa = (pde & 0xFFC00000ull) | (((pde >> 13) & 0xFF) << 32) |
		       (la & 0x3FFFFFu);
		return 0;
	}
	base = pde & 0xFFFFF000ull;
	if (read_entry32(read, ctx, base | (((la >> 12) & 0x3FFu) << 2), &pte,
			 why))
		return -1;
	if (!(pte & PTE_P))
		return fail(why, "page not present");
	*gpa = (pte & 0xFFFFF000ull) | (la & 0xFFFu);
	return 0;
}

/* Walks from the table at `table` whose entries are indexed by gla bits
 * (12 + 9 * level) upward, level 4 (PML5) down to 0 (PT). Large pages
 * are allowed at levels 2 (1 GiB) and 1 (2 MiB). */
static int walk_levels(uint64_t table, int level, uint64_t gla,
		       guest_read_fn *read, void *ctx, uint64_t *gpa,
		       const char **why)
{
	for (; level >= 0; level--) {
		unsigned shift = 12 + 9 * (unsigned)level;
		uint64_t e;

		if (read_entry(read, ctx, table + ((gla >> shift) & 511) * 8,
			       &e, why))
			return -1;
		if (!(e & PTE_P))
			return fail(why, "page not present");
		if (level == 0) {
			*gpa = (e & ADDR_MASK) | (gla & 0xFFFu);
			return 0;
		}
		if (e & PTE_PS) {
			if (level == 2) {
				*gpa = (e & MASK_1G) | (gla & 0x3FFFFFFFull);
				return 0;
			}
			if (level == 1) {
				*gpa = (e & MASK_2M) | (gla & 0x1FFFFFull);
				return 0;
			}
			return fail(why, "PS set in PML4E/PML5E (reserved)");
		}
		table = e & ADDR_MASK;
	}
	return fail(why, "walk fell off the last level"); /* unreachable */
}

static bool canonical(uint64_t gla, unsigned bits)
{
	int64_t s = (int64_t)(gla << (64 - bits)) >> (64 - bits);
	return (uint64_t)s == gla;
}

int guest_walk(const struct guest_paging *p, uint64_t gla, guest_read_fn *read,
	       void *ctx, uint64_t *gpa, const char **why)
{
	bool lma = p->efer & EFER_LMA;

	if (!(p->cr0 & CR0_PG)) {
		*gpa = lma ? gla : (gla & 0xFFFFFFFFull);
		return 0;
	}
	if (!(p->cr4 & CR4_PAE)) {
		if (lma)
			return fail(why, "EFER.LMA set without CR4.PAE");
		return walk32(p, (uint32_t)gla, read, ctx, gpa, why);
	}
	if (!lma) {
		/* PAE: 4 PDPTEs at CR3[31:5], then 512-entry PD and PT. */
		uint32_t la = (uint32_t)gla;
		uint64_t pdpte;
		uint64_t at = (p->cr3 & 0xFFFFFFE0ull) + (la >> 30) * 8;

		if (read_entry(read, ctx, at, &pdpte, why))
			return -1;
		if (!(pdpte & PTE_P))
			return fail(why, "page not present");
		return walk_levels(pdpte & ADDR_MASK, 1, la, read, ctx, gpa,
				   why);
	}
	if (p->cr4 & CR4_LA57) {
		if (!canonical(gla, 57))
			return fail(why, "non-canonical linear address");
		return walk_levels(p->cr3 & ADDR_MASK, 4, gla, read, ctx, gpa,
				   why);
	}
	if (!canonical(gla, 48))
		return fail(why, "non-canonical linear address");
	return walk_levels(p->cr3 & ADDR_MASK, 3, gla, read, ctx, gpa, why);
}
