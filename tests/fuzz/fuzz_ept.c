/* libFuzzer harness: EPT page-table builder (arch/x86_64/ept_build.c).
 *
 * The input is a sequence of up to 64 operations (map, lookup anywhere,
 * lookup inside an earlier mapping) run on one EPT whose tables come from a
 * bounded pool of 64 pages; pages not handed out are ASan-poisoned. A model
 * keeps every map call: "done" (succeeded) or "maybe" (failed with valid
 * arguments, so some of its pages may be mapped). Properties:
 * - bad arguments (alignment, size 0, permissions, wrap-around, limits)
 *   fail without allocating anything;
 * - a map overlapping a done mapping fails; a map overlapping nothing
 *   fails only if the pool ran out;
 * - a lookup inside a done mapping returns its hpa + offset and exact
 *   permissions, one inside a maybe mapping returns that or nothing, one
 *   elsewhere fails; done mappings stay intact to the end;
 * - the page accounting matches (tables = pool pages taken; 2 MiB and 4 KiB
 *   leaf counts match the documented page-size choice). */
#include <sanitizer/asan_interface.h>

#include "arch/x86_64/lib/ept.h"
#include "tests/fuzz/fuzz_util.h"

#define PAGE	   0x1000ull
#define LARGE	   0x200000ull
#define POOL_PAGES 64u
#define MAX_OPS	   64u
#define HPA_LIMIT  (EPT_ADDR_MASK + PAGE) /* 2^52 */
#define MAX_STEPS  32768u /* map steps (pages) one input may take */

/* Operation byte: bits 0-1 kind, bit 4 raw operands, bits 5-7 modifiers. */
#define OP_LOOKUP    2u
#define OP_LOOKUP_IN 3u
#define OP_RAW	     (1u << 4)
#define OP_GPA_2M    (1u << 5)
#define OP_HPA_2M    (1u << 6)
#define OP_SIZE_2M   (1u << 7)

struct pool {
	uint8_t *pages;
	unsigned used;
	bool failed; /* an allocation failed since last cleared */
};

struct rec {
	uint64_t gpa, hpa, size, perms;
	bool done;
};

static struct pool pool;
static struct rec recs[MAX_OPS];
static unsigned nrecs;

static void *pool_alloc(void *ctx)
{
	struct pool *pl = ctx;
	uint8_t *p;

	if (pl->used == POOL_PAGES) {
		pl->failed = true;
		return NULL;
	}
	p = pl->pages + (size_t)pl->used++ * PAGE;
	ASAN_UNPOISON_MEMORY_REGION(p, PAGE);
	return p; /* zeroed when the pool was reset */
}

static void pool_reset(struct pool *pl)
{
	ASAN_UNPOISON_MEMORY_REGION(pl->pages, POOL_PAGES * PAGE);
	memset(pl->pages, 0, (size_t)pl->used * PAGE);
	ASAN_POISON_MEMORY_REGION(pl->pages, POOL_PAGES * PAGE);
	pl->used = 0;
	pl->failed = false;
}

static bool in_rec(const struct rec *r, uint64_t gpa)
{
	return gpa >= r->gpa && gpa - r->gpa < r->size;
}

static bool overlaps(const struct rec *r, uint64_t gpa, uint64_t size)
{
	return gpa < r->gpa + r->size && r->gpa < gpa + size;
}

/* Looks gpa up and checks the result against the model. */
static void check_lookup(const struct ept *e, uint64_t gpa)
{
	uint64_t hpa = 0, perms = 0;
	int r = ept_lookup(e, gpa, &hpa, &perms);
	bool maybe = false;

	for (unsigned i = 0; i < nrecs; i++) {
		const struct rec *m = &recs[i];

		if (!in_rec(m, gpa))
			continue;
		if (m->done) {
			CHECK(r == 0);
			CHECK(hpa == m->hpa + (gpa - m->gpa));
			CHECK(perms == m->perms);
			return;
		}
		if (r == 0 && hpa == m->hpa + (gpa - m->gpa) &&
		    perms == m->perms)
			maybe = true;
	}
	/* Not in a done mapping: unmapped, or mapped by a failed call. */
	CHECK(r == -1 || maybe);
}

/* A few pages of [gpa, gpa + size) and the pages around it. */
static void check_range(const struct ept *e, uint64_t gpa, uint64_t size,
			uint64_t salt)
{
	uint64_t pages = size / PAGE;

	check_lookup(e, gpa);
	check_lookup(e, gpa + size - 1);
	check_lookup(e, gpa - 1);
	check_lookup(e, gpa + size);
	for (uint64_t i = 1; i < 8; i++)
		check_lookup(e, gpa + pages * i / 8 * PAGE + (salt + i) % PAGE);
}

static bool valid_args(uint64_t gpa, uint64_t hpa, uint64_t size,
		       uint64_t perms)
{
	if ((gpa | hpa | size) % PAGE || size == 0)
		return false;
	if (!(perms & EPT_RWX) || (perms & ~EPT_RWX))
		return false;
	if (gpa > EPT_GPA_LIMIT || size > EPT_GPA_LIMIT - gpa)
		return false;
	if (hpa > HPA_LIMIT || size > HPA_LIMIT - hpa)
		return false;
	return true;
}

static void do_map(struct ept *e, struct reader *rd, unsigned op,
		   uint64_t *budget)
{
	uint64_t gpa, hpa, size, perms;
	unsigned before = pool.used;
	bool hit_done = false, hit_maybe = false;
	struct rec *m;
	int r;

	if (op & OP_RAW) {
		gpa = take(rd, 8);
		hpa = take(rd, 8);
		size = take(rd, 8);
		perms = take(rd, 1);
	} else {
		gpa = take(rd, 3) << (op & OP_GPA_2M ? 21 : 12);
		hpa = take(rd, 3) << (op & OP_HPA_2M ? 21 : 12);
		/* up to 1023 pages: 4 MiB, or 2 GiB in 2 MiB units (bigger
		 * maps only slow the fuzzer down) */
		size = (take(rd, 2) & 0x3FF) << (op & OP_SIZE_2M ? 21 : 12);
		perms = take(rd, 1) & EPT_RWX;
	}
	/* Valid maps cost a step per page (2 MiB or 4 KiB): the steps one
	 * input may take are capped, further maps are skipped. */
	if (valid_args(gpa, hpa, size, perms)) {
		uint64_t steps = (gpa - hpa) % LARGE
				     ? size / PAGE
				     : size / LARGE + 2 * (LARGE / PAGE);

		if (steps > *budget)
			return;
		*budget -= steps;
	}
	pool.failed = false;
	r = ept_map(e, gpa, hpa, size, perms);
	if (!valid_args(gpa, hpa, size, perms)) {
		CHECK(r == -1);
		CHECK(pool.used == before);
		return;
	}
	for (unsigned i = 0; i < nrecs; i++) {
		if (!overlaps(&recs[i], gpa, size))
			continue;
		if (recs[i].done)
			hit_done = true;
		else
			hit_maybe = true;
	}
	if (hit_done)
		CHECK(r == -1);
	if (!hit_done && !hit_maybe && !pool.failed)
		CHECK(r == 0);
	m = &recs[nrecs++];
	*m = (struct rec){gpa, hpa, size, perms, r == 0};
	if (r == 0)
		check_range(e, gpa, size, hpa);
}

/* Leaf counts ept_map is documented to produce for the done mappings. */
static void check_counts(const struct ept *e)
{
	unsigned large = 0, small = 0;

	for (unsigned i = 0; i < nrecs; i++) {
		if (!recs[i].done)
			return; /* partial maps: counts unknown */
	}
	for (unsigned i = 0; i < nrecs; i++) {
		uint64_t g = recs[i].gpa, h = recs[i].hpa;
		uint64_t end = g + recs[i].size;

		while (g < end) {
			bool big = (g | h) % LARGE == 0 && end - g >= LARGE;
			uint64_t step = big ? LARGE : PAGE;

			if (big)
				large++;
			else
				small++;
			g += step;
			h += step;
		}
	}
	CHECK(e->large_pages == large);
	CHECK(e->small_pages == small);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pool.pages = aligned_alloc(PAGE, POOL_PAGES * PAGE);
	CHECK(pool.pages != NULL);
	memset(pool.pages, 0, POOL_PAGES * PAGE);
	ASAN_POISON_MEMORY_REGION(pool.pages, POOL_PAGES * PAGE);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};
	struct ept e;
	uint64_t budget = MAX_STEPS;

	pool_reset(&pool);
	nrecs = 0;
	CHECK(ept_init(&e, pool_alloc, &pool) == 0);
	CHECK(pool.used == 1);
	CHECK((ept_pointer(&e, false) & EPT_ADDR_MASK) == (uintptr_t)e.pml4);
	CHECK((ept_pointer(&e, false) & 0xFFF) == 0x1E);

	for (unsigned n = 0; n < MAX_OPS && rd.n; n++) {
		unsigned op = (unsigned)take(&rd, 1);
		uint64_t gpa;

		switch (op & 3) {
		case OP_LOOKUP:
			if (op & OP_RAW)
				gpa = take(&rd, 8);
			else
				gpa = take(&rd, 3) << 12 | take(&rd, 2) % PAGE;
			check_lookup(&e, gpa);
			break;
		case OP_LOOKUP_IN:
			if (nrecs) {
				const struct rec *m =
				    &recs[take(&rd, 1) % nrecs];

				check_lookup(&e,
					     m->gpa + take(&rd, 8) % m->size);
			}
			break;
		default:
			do_map(&e, &rd, op, &budget);
			break;
		}
	}

	/* Done mappings are still there after everything that followed. */
	for (unsigned i = 0; i < nrecs; i++)
		if (recs[i].done)
			check_range(&e, recs[i].gpa, recs[i].size, i);
	CHECK(e.table_pages == pool.used);
	check_counts(&e);
	return 0;
}
