/* Unit tests for arch/x86_64/ept_build.c. Table pages come from
 * aligned_alloc and are tracked so each test frees them (ASan leak check). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/lib/ept.h"

#define PAGE	  4096u
#define MAX_PAGES 64
#define SZ_4K	  BH_KIB(4)
#define SZ_2M	  BH_MIB(2)
#define SZ_1G	  BH_GIB(1)
#define MT_MASK	  (7ull << 3)
#define MT_WB	  6ull

struct pool {
	void *pages[MAX_PAGES];
	unsigned n;
	unsigned fail_after; /* allocations allowed before failing */
};

static void *pool_alloc(void *ctx)
{
	struct pool *p = ctx;

	if (p->n >= p->fail_after || p->n >= MAX_PAGES)
		return NULL;
	void *pg = aligned_alloc(PAGE, PAGE);
	if (!pg)
		return NULL;
	memset(pg, 0, PAGE);
	p->pages[p->n++] = pg;
	return pg;
}

static void pool_init(struct pool *p, unsigned fail_after)
{
	memset(p, 0, sizeof(*p));
	p->fail_after = fail_after;
}

static void pool_free(struct pool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		free(p->pages[i]);
	p->n = 0;
}

static void setup_ept(struct ept *e, struct pool *p)
{
	pool_init(p, MAX_PAGES);
	assert_int_equal(ept_init(e, pool_alloc, p), 0);
	assert_non_null(e->pml4);
	assert_int_equal(e->table_pages, 1);
	assert_int_equal(e->large_pages, 0);
	assert_int_equal(e->small_pages, 0);
}

static uint64_t *table_of(uint64_t ent)
{
	return (uint64_t *)(uintptr_t)(ent & EPT_ADDR_MASK);
}

static unsigned idx(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> (12 + 9 * level)) & 511;
}

/* Walks the raw tables and returns the leaf entry mapping gpa (PD entry
 * for a 2 MiB page, PT entry otherwise), or 0 if a level is absent. */
static uint64_t raw_leaf(const struct ept *e, uint64_t gpa, unsigned *level)
{
	const uint64_t *t = e->pml4;

	for (unsigned l = 3;; l--) {
		uint64_t ent = t[idx(gpa, l)];
		if (!(ent & EPT_RWX))
			return 0;
		if (l == 0 || (ent & EPT_LARGE)) {
			*level = l;
			return ent;
		}
		/* Non-leaf entries: full access, no memory type, no large. */
		assert_int_equal(ent & EPT_RWX, EPT_RWX);
		assert_int_equal(ent & MT_MASK, 0);
		t = table_of(ent);
	}
}

static void expect_mapped(const struct ept *e, uint64_t gpa, uint64_t hpa,
			  uint64_t perms)
{
	uint64_t got_hpa = 0, got_perms = 0;

	assert_int_equal(ept_lookup(e, gpa, &got_hpa, &got_perms), 0);
	assert_int_equal(got_hpa, hpa);
	assert_int_equal(got_perms, perms);
}

static void expect_unmapped(const struct ept *e, uint64_t gpa)
{
	uint64_t hpa = 0xdead, perms = 0xbeef;

	assert_int_equal(ept_lookup(e, gpa, &hpa, &perms), -1);
}

static void test_init_fail(void **state)
{
	struct ept e;
	struct pool p;

	(void)state;
	pool_init(&p, 0);
	assert_int_equal(ept_init(&e, pool_alloc, &p), -1);
	assert_null(e.pml4);
	assert_int_equal(p.n, 0);
}

static void test_empty(void **state)
{
	struct ept e;
	struct pool p;

	(void)state;
	setup_ept(&e, &p);
	expect_unmapped(&e, 0);
	expect_unmapped(&e, BH_GIB(5));
	expect_unmapped(&e, EPT_GPA_LIMIT - SZ_4K);
	expect_unmapped(&e, EPT_GPA_LIMIT);
	expect_unmapped(&e, UINT64_MAX);
	pool_free(&p);
}

static void test_large_16m(void **state)
{
	struct ept e;
	struct pool p;
	const uint64_t base = BH_MIB(64);
	const uint64_t size = BH_MIB(16);

	(void)state;
	setup_ept(&e, &p);
	assert_int_equal(ept_map(&e, 0, base, size, EPT_RWX), 0);
	assert_int_equal(e.large_pages, 8);
	assert_int_equal(e.small_pages, 0);
	assert_int_equal(e.table_pages, 3); /* pml4, pdpt, pd */
	assert_int_equal(p.n, 3);

	const uint64_t probes[] = {0,
				   1,
				   0xFFF,
				   SZ_4K,
				   0x123456,
				   SZ_2M - 1,
				   SZ_2M,
				   BH_MIB(7) + 0xABC,
				   size - SZ_4K,
				   size - 1};
	for (size_t i = 0; i < BH_ARRAY_SIZE(probes); i++)
		expect_mapped(&e, probes[i], base + probes[i], EPT_RWX);
	expect_unmapped(&e, size);
	expect_unmapped(&e, size + SZ_4K);
	expect_unmapped(&e, SZ_1G);

	/* Every leaf is a 2 MiB PD entry with the right address and WB. */
	for (uint64_t gpa = 0; gpa < size; gpa += SZ_2M) {
		unsigned level = 9;
		uint64_t ent = raw_leaf(&e, gpa, &level);
		assert_int_equal(level, 1);
		assert_true(ent & EPT_LARGE);
		assert_int_equal(ent & EPT_ADDR_MASK, base + gpa);
		assert_int_equal(ent & EPT_RWX, EPT_RWX);
		assert_int_equal((ent >> 3) & 7, MT_WB);
	}
	/* The PD holds exactly 8 entries. */
	uint64_t *pd = table_of(table_of(e.pml4[0])[0]);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(pd[i] != 0, i < 8);
	pool_free(&p);
}

static void test_unaligned_hpa(void **state)
{
	struct ept e;
	struct pool p;
	const uint64_t base = BH_MIB(2) + SZ_4K; /* 4K- but not 2M-aligned */
	const uint64_t size = BH_MIB(4);

	(void)state;
	setup_ept(&e, &p);
	assert_int_equal(ept_map(&e, 0, base, size, EPT_R | EPT_W), 0);
	assert_int_equal(e.large_pages, 0);
	assert_int_equal(e.small_pages, size / SZ_4K);
	assert_int_equal(e.table_pages, 5); /* pml4, pdpt, pd, 2 pt */

	for (uint64_t gpa = 0; gpa < size; gpa += SZ_4K) {
		uint64_t off = (gpa >> 12) & 0xFFF; /* vary the page offset */
		expect_mapped(&e, gpa + off, base + gpa + off, EPT_R | EPT_W);
	}
	expect_unmapped(&e, size);

	unsigned level = 9;
	uint64_t ent = raw_leaf(&e, SZ_2M + SZ_4K * 3, &level);
	assert_int_equal(level, 0);
	assert_int_equal(ent & EPT_ADDR_MASK, base + SZ_2M + SZ_4K * 3);
	assert_int_equal((ent >> 3) & 7, MT_WB);
	assert_int_equal(ent & EPT_RWX, EPT_R | EPT_W);
	pool_free(&p);
}

static void test_unaligned_gpa(void **state)
{
	struct ept e;
	struct pool p;

	(void)state;
	setup_ept(&e, &p);
	/* gpa 4K-aligned only, hpa 2M-aligned: still no 2 MiB page fits. */
	assert_int_equal(ept_map(&e, SZ_4K, SZ_2M, BH_MIB(4), EPT_RWX), 0);
	assert_int_equal(e.large_pages, 0);
	assert_int_equal(e.small_pages, 1024);
	expect_unmapped(&e, 0);
	expect_mapped(&e, SZ_4K, SZ_2M, EPT_RWX);
	expect_mapped(&e, BH_MIB(4), BH_MIB(6) - SZ_4K, EPT_RWX);
	expect_mapped(&e, BH_MIB(4) + 0xFFF, BH_MIB(6) - 1, EPT_RWX);
	expect_unmapped(&e, BH_MIB(4) + SZ_4K);
	pool_free(&p);
}

static void test_mixed(void **state)
{
	struct ept e;
	struct pool p;

	(void)state;
	setup_ept(&e, &p);
	/* 2M + 4K: one large page then one small page. */
	assert_int_equal(ept_map(&e, 0, BH_MIB(8), SZ_2M + SZ_4K, EPT_RWX), 0);
	assert_int_equal(e.large_pages, 1);
	assert_int_equal(e.small_pages, 1);
	assert_int_equal(e.table_pages, 4); /* pml4, pdpt, pd, pt */
	expect_mapped(&e, 0x1000, BH_MIB(8) + 0x1000, EPT_RWX);
	expect_mapped(&e, SZ_2M - 1, BH_MIB(10) - 1, EPT_RWX);
	expect_mapped(&e, SZ_2M, BH_MIB(10), EPT_RWX);
	expect_mapped(&e, SZ_2M + 0xFFF, BH_MIB(10) + 0xFFF, EPT_RWX);
	expect_unmapped(&e, SZ_2M + SZ_4K);

	unsigned level = 9;
	uint64_t ent = raw_leaf(&e, 0, &level);
	assert_int_equal(level, 1);
	assert_true(ent & EPT_LARGE);
	ent = raw_leaf(&e, SZ_2M, &level);
	assert_int_equal(level, 0);
	assert_false(ent & EPT_LARGE);
	assert_int_equal((ent >> 3) & 7, MT_WB);

	/* Small head, large middle, small tail: [4M-8K, 8M+12K). */
	assert_int_equal(ept_map(&e, BH_MIB(4) - 2 * SZ_4K,
				 BH_MIB(32) - 2 * SZ_4K, BH_MIB(4) + 5 * SZ_4K,
				 EPT_R | EPT_X),
			 0);
	assert_int_equal(e.large_pages, 1 + 2);
	assert_int_equal(e.small_pages, 1 + 2 + 3);
	/* The head reuses the PT under PD[1]; the tail needs a new one. */
	assert_int_equal(e.table_pages, 4 + 1);
	expect_mapped(&e, BH_MIB(4) - 2 * SZ_4K, BH_MIB(32) - 2 * SZ_4K,
		      EPT_R | EPT_X);
	expect_mapped(&e, BH_MIB(4), BH_MIB(32), EPT_R | EPT_X);
	expect_mapped(&e, BH_MIB(7) + 5, BH_MIB(35) + 5, EPT_R | EPT_X);
	expect_mapped(&e, BH_MIB(8) + 0x2FFF, BH_MIB(36) + 0x2FFF,
		      EPT_R | EPT_X);
	expect_unmapped(&e, BH_MIB(8) + 3 * SZ_4K);
	expect_unmapped(&e, BH_MIB(4) - 3 * SZ_4K);
	ent = raw_leaf(&e, BH_MIB(6), &level);
	assert_int_equal(level, 1);
	assert_int_equal(ent & EPT_ADDR_MASK, BH_MIB(34));
	pool_free(&p);
}

static void test_perms(void **state)
{
	struct ept e;
	struct pool p;
	const uint64_t sets[] = {EPT_R, EPT_R | EPT_W, EPT_R | EPT_X, EPT_RWX,
				 EPT_X};

	(void)state;
	setup_ept(&e, &p);
	for (size_t i = 0; i < BH_ARRAY_SIZE(sets); i++) {
		uint64_t gpa = BH_MIB(4) * i;
		/* A 2 MiB page followed by a 4 KiB page, both with sets[i]. */
		assert_int_equal(
		    ept_map(&e, gpa, BH_GIB(2) + gpa, SZ_2M + SZ_4K, sets[i]),
		    0);
		expect_mapped(&e, gpa, BH_GIB(2) + gpa, sets[i]);
		expect_mapped(&e, gpa + SZ_2M, BH_GIB(2) + gpa + SZ_2M,
			      sets[i]);
		for (uint64_t off = 0; off <= SZ_2M; off += SZ_2M) {
			unsigned level = 9;
			uint64_t ent = raw_leaf(&e, gpa + off, &level);
			assert_int_equal(level, off ? 0 : 1);
			assert_int_equal(ent & EPT_RWX, sets[i]);
			assert_int_equal((ent >> 3) & 7, MT_WB);
			assert_int_equal(ent & EPT_MT_WB, EPT_MT_WB);
			/* Nothing else set besides addr, RWX, MT, large. */
			assert_int_equal(ent & ~(EPT_ADDR_MASK | EPT_RWX |
						 MT_MASK | EPT_LARGE),
					 0);
		}
	}
	/* Read-only reports EPT_R only. */
	uint64_t hpa = 0, perms = 0;
	assert_int_equal(ept_lookup(&e, 0x10, &hpa, &perms), 0);
	assert_int_equal(perms, EPT_R);
	assert_int_equal(hpa, BH_GIB(2) + 0x10);
	pool_free(&p);
}

static void test_bad_args(void **state)
{
	struct ept e;
	struct pool p;

	(void)state;
	setup_ept(&e, &p);
	/* Unaligned gpa, hpa, size. */
	assert_int_equal(ept_map(&e, 0x800, 0, SZ_4K, EPT_RWX), -1);
	assert_int_equal(ept_map(&e, 1, 0, SZ_4K, EPT_RWX), -1);
	assert_int_equal(ept_map(&e, 0, 0x10, SZ_4K, EPT_RWX), -1);
	assert_int_equal(ept_map(&e, 0, 0, SZ_4K + 1, EPT_RWX), -1);
	assert_int_equal(ept_map(&e, 0, 0, SZ_2M - 1, EPT_RWX), -1);
	/* Size 0. */
	assert_int_equal(ept_map(&e, 0, 0, 0, EPT_RWX), -1);
	/* Perms 0 or with bits outside RWX. */
	assert_int_equal(ept_map(&e, 0, 0, SZ_4K, 0), -1);
	assert_int_equal(ept_map(&e, 0, 0, SZ_4K, EPT_R | EPT_LARGE), -1);
	assert_int_equal(ept_map(&e, 0, 0, SZ_4K, EPT_R | EPT_MT_WB), -1);
	assert_int_equal(ept_map(&e, 0, 0, SZ_4K, 1ull << 63), -1);
	assert_int_equal(ept_map(&e, 0, 0, SZ_4K, EPT_RWX | (1ull << 3)), -1);
	/* gpa + size overflows. */
	assert_int_equal(ept_map(&e, UINT64_MAX & ~0xFFFull, 0, SZ_4K, EPT_RWX),
			 -1);
	assert_int_equal(ept_map(&e, SZ_4K, 0, UINT64_MAX & ~0xFFFull, EPT_RWX),
			 -1);
	/* hpa + size overflows. */
	assert_int_equal(ept_map(&e, 0, UINT64_MAX & ~0xFFFull, SZ_4K, EPT_RWX),
			 -1);
	/* gpa beyond 48 bits. */
	assert_int_equal(ept_map(&e, EPT_GPA_LIMIT, 0, SZ_4K, EPT_RWX), -1);
	assert_int_equal(
	    ept_map(&e, EPT_GPA_LIMIT - SZ_4K, 0, 2 * SZ_4K, EPT_RWX), -1);
	assert_int_equal(ept_map(&e, 1ull << 50, 0, SZ_2M, EPT_RWX), -1);
	/* hpa beyond 52 bits (the entry address field). */
	assert_int_equal(ept_map(&e, 0, 1ull << 52, SZ_4K, EPT_RWX), -1);
	assert_int_equal(
	    ept_map(&e, 0, (1ull << 52) - SZ_4K, 2 * SZ_4K, EPT_RWX), -1);

	/* None of that touched the tables. */
	assert_int_equal(e.table_pages, 1);
	assert_int_equal(e.large_pages, 0);
	assert_int_equal(e.small_pages, 0);
	assert_int_equal(p.n, 1);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(e.pml4[i], 0);
	pool_free(&p);
}

static void test_limits_ok(void **state)
{
	struct ept e;
	struct pool p;
	const uint64_t top = EPT_GPA_LIMIT - SZ_4K;
	const uint64_t hpa_top = (1ull << 52) - SZ_2M;

	(void)state;
	setup_ept(&e, &p);
	/* Last page below the 48-bit limit, mapped to the top of hpa space. */
	assert_int_equal(ept_map(&e, top, hpa_top, SZ_4K, EPT_RWX), 0);
	expect_mapped(&e, top, hpa_top, EPT_RWX);
	expect_mapped(&e, top + 0xFFF, hpa_top + 0xFFF, EPT_RWX);
	assert_int_equal(e.table_pages, 4);
	assert_int_not_equal(e.pml4[511], 0);
	/* Last 2 MiB of hpa space as a large page. */
	assert_int_equal(ept_map(&e, SZ_2M, hpa_top, SZ_2M, EPT_R), 0);
	assert_int_equal(e.large_pages, 1);
	expect_mapped(&e, BH_MIB(4) - 1, (1ull << 52) - 1, EPT_R);
	expect_unmapped(&e, EPT_GPA_LIMIT);
	pool_free(&p);
}

static void test_overlap(void **state)
{
	struct ept e;
	struct pool p;

	(void)state;
	setup_ept(&e, &p);
	assert_int_equal(ept_map(&e, 0, BH_MIB(16), BH_MIB(4), EPT_RWX), 0);
	/* Same range twice. */
	assert_int_equal(ept_map(&e, 0, BH_MIB(16), BH_MIB(4), EPT_RWX), -1);
	/* 4K inside an existing 2M page. */
	assert_int_equal(
	    ept_map(&e, SZ_2M + 5 * SZ_4K, BH_MIB(64), SZ_4K, EPT_R), -1);
	/* A 2M page on top of an existing one, different hpa. */
	assert_int_equal(ept_map(&e, SZ_2M, BH_MIB(64), SZ_2M, EPT_R), -1);
	/* Originals untouched. */
	expect_mapped(&e, SZ_2M + 5 * SZ_4K, BH_MIB(18) + 5 * SZ_4K, EPT_RWX);
	assert_int_equal(e.large_pages, 2);
	assert_int_equal(e.small_pages, 0);

	/* 4K pages, then the same 4K again, then a 2M page covering them. */
	assert_int_equal(
	    ept_map(&e, BH_MIB(8) + SZ_4K, BH_MIB(100), SZ_4K, EPT_RWX), 0);
	assert_int_equal(
	    ept_map(&e, BH_MIB(8) + SZ_4K, BH_MIB(200), SZ_4K, EPT_R), -1);
	assert_int_equal(ept_map(&e, BH_MIB(8), BH_MIB(64), SZ_2M, EPT_R), -1);
	expect_mapped(&e, BH_MIB(8) + SZ_4K, BH_MIB(100), EPT_RWX);
	expect_unmapped(&e, BH_MIB(8));
	/* The neighbouring 4K page is still free. */
	assert_int_equal(ept_map(&e, BH_MIB(8), BH_MIB(64), SZ_4K, EPT_R), 0);
	expect_mapped(&e, BH_MIB(8), BH_MIB(64), EPT_R);
	assert_int_equal(e.small_pages, 2);
	pool_free(&p);
}

static void test_alloc_failure(void **state)
{
	(void)state;
	/* Tables needed for [0, 4M+8K) at hpa 2M+4K: pml4, pdpt, pd, 3 pt.
	 * Failing at every point must return -1 cleanly. */
	for (unsigned budget = 1; budget < 6; budget++) {
		struct ept e;
		struct pool p;

		pool_init(&p, budget);
		assert_int_equal(ept_init(&e, pool_alloc, &p), 0);
		assert_int_equal(ept_map(&e, 0, SZ_2M + SZ_4K,
					 BH_MIB(4) + 2 * SZ_4K, EPT_RWX),
				 -1);
		assert_int_equal(p.n, budget);
		assert_int_equal(e.table_pages, budget);
		expect_unmapped(&e, BH_MIB(4) + SZ_4K);
		/* Whatever was mapped before the failure is consistent. */
		for (uint64_t gpa = 0; gpa < BH_MIB(4) + 2 * SZ_4K;
		     gpa += SZ_4K) {
			uint64_t hpa, perms;
			if (ept_lookup(&e, gpa, &hpa, &perms) == 0) {
				assert_int_equal(hpa, SZ_2M + SZ_4K + gpa);
				assert_int_equal(perms, EPT_RWX);
			}
		}
		pool_free(&p);
	}
	/* The same request succeeds with enough pages. */
	struct ept e;
	struct pool p;
	pool_init(&p, 6);
	assert_int_equal(ept_init(&e, pool_alloc, &p), 0);
	assert_int_equal(
	    ept_map(&e, 0, SZ_2M + SZ_4K, BH_MIB(4) + 2 * SZ_4K, EPT_RWX), 0);
	assert_int_equal(e.table_pages, 6);
	expect_mapped(&e, BH_MIB(4) + SZ_4K, BH_MIB(6) + 2 * SZ_4K, EPT_RWX);
	pool_free(&p);

	/* Failure on a second, later mapping leaves the first intact. */
	pool_init(&p, 3);
	assert_int_equal(ept_init(&e, pool_alloc, &p), 0);
	assert_int_equal(ept_map(&e, 0, 0, SZ_2M, EPT_RWX), 0);
	assert_int_equal(ept_map(&e, SZ_1G, 0, SZ_2M, EPT_RWX), -1);
	assert_int_equal(ept_map(&e, SZ_2M, SZ_4K, SZ_4K, EPT_RWX), -1);
	expect_mapped(&e, 0x1234, 0x1234, EPT_RWX);
	expect_unmapped(&e, SZ_1G);
	expect_unmapped(&e, SZ_2M);
	assert_int_equal(e.table_pages, 3);
	pool_free(&p);
}

static void test_pointer(void **state)
{
	struct ept e;
	struct pool p;

	(void)state;
	setup_ept(&e, &p);
	uint64_t eptp = ept_pointer(&e, false);
	assert_int_equal(eptp & 0xFFF, 0x1E);
	assert_int_equal(eptp & 7, MT_WB);
	assert_int_equal((eptp >> 3) & 7, 3); /* walk length - 1 */
	assert_int_equal(eptp & EPT_ADDR_MASK, (uint64_t)(uintptr_t)e.pml4);
	assert_int_equal(eptp & ~(EPT_ADDR_MASK | 0xFFFull), 0);
	/* Unchanged by mapping. */
	assert_int_equal(ept_map(&e, 0, 0, BH_MIB(4), EPT_RWX), 0);
	assert_int_equal(ept_pointer(&e, false), eptp);
	pool_free(&p);
}

/* Dirty tracking: small_only maps 4 KiB pages even where 2 MiB would do,
 * ept_leaf4k finds each leaf, ept_clear_leaf_bits clears exactly the
 * dirty flags the CPU set (or the write permissions write protection
 * takes away), and the EPTP asks for A/D flags on request. */
static void test_dirty_small_only(void **state)
{
	struct ept e;
	struct pool p;

	(void)state;
	setup_ept(&e, &p);
	e.small_only = true;
	assert_int_equal(ept_map(&e, 0, BH_MIB(4), BH_MIB(4), EPT_RWX), 0);
	assert_int_equal(e.large_pages, 0);
	assert_int_equal(e.small_pages, 1024);
	expect_mapped(&e, BH_MIB(2) + 0x1234, BH_MIB(6) + 0x1234, EPT_RWX);
	uint64_t *a = ept_leaf4k(&e, 0x5000), *b = ept_leaf4k(&e, BH_MIB(3));
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(*a & EPT_ADDR_MASK, BH_MIB(4) + 0x5000);
	assert_ptr_equal(ept_leaf4k(&e, 0x5FFF), a);
	assert_null(ept_leaf4k(&e, BH_MIB(4))); /* unmapped */
	assert_null(ept_leaf4k(&e, EPT_GPA_LIMIT));
	assert_int_equal(ept_clear_leaf_bits(&e, EPT_DIRTY), 0);
	*a |= EPT_DIRTY | EPT_ACCESSED; /* as the CPU would */
	*b |= EPT_DIRTY;
	assert_int_equal(ept_clear_leaf_bits(&e, EPT_DIRTY), 2);
	assert_false(*a & EPT_DIRTY);
	assert_true(*a & EPT_ACCESSED); /* only dirty flags are cleared */
	assert_int_equal(ept_clear_leaf_bits(&e, EPT_DIRTY), 0);
	assert_true(ept_pointer(&e, true) & (1u << 6));
	assert_false(ept_pointer(&e, false) & (1u << 6));
	/* Write protection: every leaf loses W and keeps R, X and its
	 * address; one given back is counted at the next protect-all. */
	assert_int_equal(ept_clear_leaf_bits(&e, EPT_W), 1024);
	assert_int_equal(*a & (EPT_RWX | EPT_ADDR_MASK),
			 EPT_R | EPT_X | (BH_MIB(4) + 0x5000));
	expect_mapped(&e, BH_MIB(3), BH_MIB(7), EPT_R | EPT_X);
	assert_int_equal(ept_clear_leaf_bits(&e, EPT_W), 0);
	*b |= EPT_W;
	assert_int_equal(ept_clear_leaf_bits(&e, EPT_W | EPT_DIRTY), 1);
	assert_false(*b & EPT_W);
	pool_free(&p);

	/* A 2 MiB leaf is not a 4 KiB leaf: NULL, and never cleared. */
	setup_ept(&e, &p);
	assert_int_equal(ept_map(&e, 0, 0, BH_MIB(2), EPT_RWX), 0);
	assert_null(ept_leaf4k(&e, 0x1000));
	pool_free(&p);
}

/* Nested page tables: the same tree, leaves without EPT's memory type
 * (bits 5:3 are PWT, PCD, A there), so a 2 MiB leaf is hpa | P | RW | US
 * | PS and a 4 KiB one hpa | P | RW | US. */
static void test_npt(void **state)
{
	struct ept e;
	struct pool p;
	unsigned level;

	(void)state;
	setup_ept(&e, &p);
	e.npt = true;
	assert_int_equal(ept_map(&e, 0, BH_MIB(8), BH_MIB(2), EPT_RWX), 0);
	assert_int_equal(ept_map(&e, BH_MIB(2), BH_MIB(16), SZ_4K, EPT_RWX), 0);
	assert_int_equal(raw_leaf(&e, 0x1234, &level), BH_MIB(8) | 0x7 | 0x80);
	assert_int_equal(level, 1);
	assert_int_equal(raw_leaf(&e, BH_MIB(2), &level), BH_MIB(16) | 0x7);
	assert_int_equal(level, 0);
	expect_mapped(&e, 0x1234, BH_MIB(8) + 0x1234, EPT_RWX);
	pool_free(&p);
}

static void test_cross_1g(void **state)
{
	struct ept e;
	struct pool p;
	const uint64_t gpa = SZ_1G - SZ_2M;
	const uint64_t hpa = BH_GIB(3);

	(void)state;
	setup_ept(&e, &p);
	assert_int_equal(ept_map(&e, gpa, hpa, BH_MIB(4), EPT_RWX), 0);
	assert_int_equal(e.large_pages, 2);
	assert_int_equal(e.small_pages, 0);
	assert_int_equal(e.table_pages, 4); /* pml4, pdpt, 2 pd */

	uint64_t *pdpt = table_of(e.pml4[0]);
	assert_int_not_equal(pdpt[0], 0);
	assert_int_not_equal(pdpt[1], 0);
	assert_int_equal(pdpt[2], 0);
	assert_false(pdpt[0] & EPT_LARGE);
	assert_false(pdpt[1] & EPT_LARGE);
	uint64_t *pd0 = table_of(pdpt[0]), *pd1 = table_of(pdpt[1]);
	assert_ptr_not_equal(pd0, pd1);
	assert_int_equal(pd0[511] & EPT_ADDR_MASK, hpa);
	assert_int_equal(pd1[0] & EPT_ADDR_MASK, hpa + SZ_2M);
	assert_true(pd0[511] & EPT_LARGE);
	assert_true(pd1[0] & EPT_LARGE);
	assert_int_equal(pd0[510], 0);
	assert_int_equal(pd1[1], 0);

	expect_mapped(&e, SZ_1G - 1, hpa + SZ_2M - 1, EPT_RWX);
	expect_mapped(&e, SZ_1G, hpa + SZ_2M, EPT_RWX);
	expect_mapped(&e, SZ_1G + SZ_2M - 1, hpa + BH_MIB(4) - 1, EPT_RWX);
	expect_unmapped(&e, SZ_1G + SZ_2M);
	expect_unmapped(&e, gpa - 1);
	pool_free(&p);
}

static void test_cross_512g(void **state)
{
	struct ept e;
	struct pool p;
	const uint64_t gpa = BH_GIB(512) - SZ_4K;

	(void)state;
	setup_ept(&e, &p);
	assert_int_equal(ept_map(&e, gpa, SZ_4K, 2 * SZ_4K, EPT_R), 0);
	assert_int_equal(e.table_pages, 1 + 2 * 3); /* pdpt, pd, pt each */
	assert_int_not_equal(e.pml4[0], 0);
	assert_int_not_equal(e.pml4[1], 0);
	expect_mapped(&e, gpa, SZ_4K, EPT_R);
	expect_mapped(&e, gpa + SZ_4K, 2 * SZ_4K, EPT_R);
	expect_unmapped(&e, gpa + 2 * SZ_4K);
	expect_unmapped(&e, gpa - SZ_4K);
	pool_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_fail),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_large_16m),
	    cmocka_unit_test(test_unaligned_hpa),
	    cmocka_unit_test(test_unaligned_gpa),
	    cmocka_unit_test(test_mixed),
	    cmocka_unit_test(test_perms),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_limits_ok),
	    cmocka_unit_test(test_overlap),
	    cmocka_unit_test(test_alloc_failure),
	    cmocka_unit_test(test_pointer),
	    cmocka_unit_test(test_dirty_small_only),
	    cmocka_unit_test(test_npt),
	    cmocka_unit_test(test_cross_1g),
	    cmocka_unit_test(test_cross_512g),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
