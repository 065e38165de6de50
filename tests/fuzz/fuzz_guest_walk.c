/* libFuzzer harness: guest page-table walker (arch/x86_64/guest_walk.c).
 *
 * Input: flags(1) cr3(8) gla(8) noise(8), then records idx(2) value(8)
 * that store `value` at qword idx % 8192 of a 64 KiB fake guest RAM
 * (zero elsewhere). flags: bit 0 CR0.PG, 1 CR4.PAE, 2 CR4.PSE, 3 CR4.LA57,
 * 4 EFER.LMA, bits 5-6 where the RAM sits (0, 256 MiB, straddling 4 GiB,
 * 2^39); the noise fills the other bits of CR0/CR4/EFER, which must not
 * matter. The read callback returns -1 outside the RAM. Properties:
 * - the callback only sees 8-byte aligned addresses, at most 5 per walk;
 * - the result, the translation and the exact sequence of entry reads
 *   match a reference walker written from guest_walk.h and the SDM;
 * - paging off: gpa == gla (truncated to 32 bits without EFER.LMA);
 *   success with paging on: gpa < 2^52;
 * - the page offset passes through: gla ^ o (o < 4 KiB) translates to
 *   gpa ^ o; failures give a reason; why == NULL changes nothing. */
#include "arch/x86_64/lib/guest_walk.h"
#include "tests/fuzz/fuzz_util.h"

#define RAM_SIZE  0x10000ull
#define MAX_READS 16u
#define MAX_RECS  512u

#define P_BIT	   (1ull << 0)
#define PS_BIT	   (1ull << 7)
#define ADDR_52	   0x000FFFFFFFFFF000ull
#define ADDR_1G	   0x000FFFFFC0000000ull
#define ADDR_2M	   0x000FFFFFFFE00000ull
#define PHYS_LIMIT (1ull << 52)

static const uint64_t ram_bases[4] = {0, 0x10000000ull, 0xFFFF8000ull,
				      1ull << 39};

struct ram {
	uint64_t base;
	uint8_t *mem; /* RAM_SIZE bytes */
	uint64_t reads[MAX_READS];
	unsigned nreads;
};

static bool ram_get(const struct ram *r, uint64_t gpa, uint64_t *val)
{
	if (gpa < r->base || gpa - r->base > RAM_SIZE - 8)
		return false;
	memcpy(val, r->mem + (gpa - r->base), 8);
	return true;
}

static int read_cb(void *ctx, uint64_t gpa, uint64_t *val)
{
	struct ram *r = ctx;

	CHECK(gpa % 8 == 0);
	CHECK(r->nreads < MAX_READS);
	r->reads[r->nreads++] = gpa;
	if (!ram_get(r, gpa, val))
		return -1;
	return 0;
}

/* ---- reference walker --------------------------------------------------- */

struct ref {
	uint64_t reads[8];
	unsigned nreads;
};

static bool ref_read(const struct ram *r, struct ref *f, uint64_t at,
		     uint64_t *e)
{
	f->reads[f->nreads++] = at;
	return ram_get(r, at, e);
}

/* 4-byte entry at `at` (4-byte aligned) of a 32-bit paging structure. */
static bool ref_read32(const struct ram *r, struct ref *f, uint64_t at,
		       uint32_t *e)
{
	uint64_t q;

	if (!ref_read(r, f, at & ~7ull, &q))
		return false;
	*e = (uint32_t)(q >> (8 * (at & 4)));
	return true;
}

/* 64-bit entries: `levels` tables from `table` down, large pages allowed
 * in PDPTEs (1 GiB) and PDEs (2 MiB) only. */
static int ref_levels(const struct ram *r, struct ref *f, uint64_t table,
		      int levels, uint64_t gla, uint64_t *gpa)
{
	for (int lvl = levels; lvl >= 1; lvl--) {
		unsigned shift = 3 + 9 * (unsigned)lvl; /* 12, 21, 30, ... */
		uint64_t e;

		if (!ref_read(r, f, table + 8 * ((gla >> shift) & 0x1FF), &e))
			return -1;
		if (!(e & P_BIT))
			return -1;
		if (lvl == 1) {
			*gpa = (e & ADDR_52) | (gla & 0xFFF);
			return 0;
		}
		if (e & PS_BIT) {
			if (lvl == 3) {
				*gpa = (e & ADDR_1G) | (gla & 0x3FFFFFFF);
				return 0;
			}
			if (lvl == 2) {
				*gpa = (e & ADDR_2M) | (gla & 0x1FFFFF);
				return 0;
			}
			return -1; /* PS is reserved in PML4Es and PML5Es */
		}
		table = e & ADDR_52;
	}
	return -1;
}

static bool canon(uint64_t gla, unsigned bits)
{
	uint64_t top = gla >> (bits - 1);

	return top == 0 || top == (~0ull >> (bits - 1));
}

static int ref_walk(const struct guest_paging *p, uint64_t gla,
		    const struct ram *r, struct ref *f, uint64_t *gpa)
{
	bool pg = p->cr0 & CR0_PG, pae = p->cr4 & CR4_PAE;
	bool lma = p->efer & EFER_LMA;

	f->nreads = 0;
	if (!pg) {
		*gpa = lma ? gla : (uint32_t)gla;
		return 0;
	}
	if (!pae) {
		uint32_t la = (uint32_t)gla, pde, pte;

		if (lma)
			return -1;
		if (!ref_read32(r, f, (p->cr3 & 0xFFFFF000) + 4 * (la >> 22),
				&pde) ||
		    !(pde & P_BIT))
			return -1;
		if ((p->cr4 & CR4_PSE) && (pde & PS_BIT)) {
			/* 4 MiB page, PSE-36: PDE bits 20:13 -> 39:32 */
			*gpa = (uint64_t)(pde & 0xFFC00000u) |
			       ((uint64_t)((pde >> 13) & 0xFF) << 32) |
			       (la & 0x3FFFFFu);
			return 0;
		}
		if (!ref_read32(r, f,
				(pde & 0xFFFFF000u) + 4 * ((la >> 12) & 0x3FF),
				&pte) ||
		    !(pte & P_BIT))
			return -1;
		*gpa = (uint64_t)(pte & 0xFFFFF000u) | (la & 0xFFF);
		return 0;
	}
	if (!lma) {
		uint32_t la = (uint32_t)gla;
		uint64_t pdpte;

		if (!ref_read(r, f, (p->cr3 & 0xFFFFFFE0u) + 8 * (la >> 30),
			      &pdpte) ||
		    !(pdpte & P_BIT))
			return -1;
		return ref_levels(r, f, pdpte & ADDR_52, 2, la, gpa);
	}
	if (p->cr4 & CR4_LA57) {
		if (!canon(gla, 57))
			return -1;
		return ref_levels(r, f, p->cr3 & ADDR_52, 5, gla, gpa);
	}
	if (!canon(gla, 48))
		return -1;
	return ref_levels(r, f, p->cr3 & ADDR_52, 4, gla, gpa);
}

/* ---- harness ------------------------------------------------------------ */

static uint8_t *mem;

/* Walks gla, checks it against the reference; returns the walk's result. */
static int walk_one(const struct guest_paging *p, uint64_t gla, struct ram *r,
		    uint64_t *gpa)
{
	struct ref f;
	uint64_t out = 0x5A5A5A5A5A5A5A5Aull, out2 = out, ref_gpa = 0;
	const char *why = NULL;
	int rc, rc2, ref_rc;

	r->nreads = 0;
	rc = guest_walk(p, gla, read_cb, r, &out, &why);
	CHECK(rc == 0 || rc == -1);
	CHECK(r->nreads <= 5);

	ref_rc = ref_walk(p, gla, r, &f, &ref_gpa);
	CHECK(rc == ref_rc);
	CHECK(r->nreads == f.nreads);
	for (unsigned i = 0; i < f.nreads; i++)
		CHECK(r->reads[i] == f.reads[i]);
	if (rc == 0) {
		CHECK(out == ref_gpa);
		if (p->cr0 & CR0_PG)
			CHECK(out < PHYS_LIMIT);
		else if (p->efer & EFER_LMA)
			CHECK(out == gla);
		else
			CHECK(out == (gla & 0xFFFFFFFFull));
	} else {
		CHECK(why != NULL && why[0] != '\0');
	}

	r->nreads = 0;
	rc2 = guest_walk(p, gla, read_cb, r, &out2, NULL);
	CHECK(rc2 == rc);
	if (rc == 0)
		CHECK(out2 == out);
	*gpa = out;
	return rc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mem = malloc(RAM_SIZE);
	CHECK(mem != NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};
	struct guest_paging p;
	struct ram r;
	unsigned flags = (unsigned)take(&rd, 1);
	uint64_t gla, noise, gpa, gpa2;

	p.cr3 = take(&rd, 8);
	gla = take(&rd, 8);
	noise = take(&rd, 8);
	p.cr0 = (noise & ~CR0_PG) | (flags & 1 ? CR0_PG : 0);
	p.cr4 = ((noise >> 7 | noise << 57) & ~(CR4_PSE | CR4_PAE | CR4_LA57)) |
		(flags & 2 ? CR4_PAE : 0) | (flags & 4 ? CR4_PSE : 0) |
		(flags & 8 ? CR4_LA57 : 0);
	p.efer = ((noise >> 29 | noise << 35) & ~EFER_LMA) |
		 (flags & 16 ? EFER_LMA : 0);

	memset(mem, 0, RAM_SIZE);
	r.base = ram_bases[(flags >> 5) & 3];
	r.mem = mem;
	for (unsigned n = 0; n < MAX_RECS && rd.n; n++) {
		uint64_t idx = take(&rd, 2) % (RAM_SIZE / 8);
		uint64_t val = take(&rd, 8);

		memcpy(mem + idx * 8, &val, 8);
	}

	if (walk_one(&p, gla, &r, &gpa) == 0) {
		uint64_t o = (noise >> 52) & 0xFFF;

		CHECK(walk_one(&p, gla ^ o, &r, &gpa2) == 0);
		CHECK(gpa2 == (gpa ^ o));
	}
	/* The same page's last byte and the next page. */
	walk_one(&p, gla | 0xFFF, &r, &gpa2);
	walk_one(&p, gla + 0x1000, &r, &gpa2);
	return 0;
}
