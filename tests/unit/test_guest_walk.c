/* Unit tests for arch/x86_64/guest_walk.c. Page tables are built in a
 * fake guest RAM buffer read through the callback, which also records
 * every access so the tests can check the walker stays 8-byte aligned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86_64/lib/guest_walk.h"

#define RAM_SIZE  BH_KIB(64)
#define P	  (1ull << 0)
#define RW	  (1ull << 1)
#define PS	  (1ull << 7)
#define XD	  (1ull << 63)
#define PAT_LARGE (1ull << 12) /* PAT bit of a 2 MiB / 1 GiB leaf */

#define CR0_PE (1ull << 0)
#define PG     (CR0_PG | CR0_PE)
#define PSE    CR4_PSE
#define PAE    CR4_PAE
#define LA57   CR4_LA57
#define LMA    (EFER_LMA | (1ull << 8)) /* LMA + LME */

#define NOT_PRESENT "page not present"
#define READ_FAIL   "paging-structure read failed"
#define NONCANON    "non-canonical linear address"

struct ram {
	uint8_t *mem;
	unsigned reads;
	bool misaligned;
};

static int ram_read(void *ctx, uint64_t gpa, uint64_t *val)
{
	struct ram *r = ctx;

	r->reads++;
	if (gpa & 7)
		r->misaligned = true;
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < 8)
		return -1;
	memcpy(val, r->mem + gpa, 8);
	return 0;
}

static int ram_setup(void **state)
{
	struct ram *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->mem = calloc(1, RAM_SIZE);
	assert_non_null(r->mem);
	*state = r;
	return 0;
}

static int ram_teardown(void **state)
{
	struct ram *r = *state;

	assert_false(r->misaligned);
	free(r->mem);
	free(r);
	return 0;
}

static void put64(struct ram *r, uint64_t gpa, uint64_t v)
{
	assert_true(gpa + 8 <= RAM_SIZE);
	memcpy(r->mem + gpa, &v, 8);
}

static void put32(struct ram *r, uint64_t gpa, uint32_t v)
{
	assert_true(gpa + 4 <= RAM_SIZE);
	memcpy(r->mem + gpa, &v, 4);
}

/* Walks and expects success with `want`. */
static void expect_gpa(struct ram *r, const struct guest_paging *p,
		       uint64_t gla, uint64_t want)
{
	uint64_t gpa = 0xDEAD;
	const char *why = NULL;
	int rc = guest_walk(p, gla, ram_read, r, &gpa, &why);

	if (rc != 0)
		print_error("gla %#llx: %s\n", (unsigned long long)gla, why);
	assert_int_equal(rc, 0);
	assert_int_equal(gpa, want);
}

static void expect_fail(struct ram *r, const struct guest_paging *p,
			uint64_t gla, const char *reason)
{
	uint64_t gpa = 0xDEAD;
	const char *why = NULL;

	assert_int_equal(guest_walk(p, gla, ram_read, r, &gpa, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

/* ---- no paging ---- */

static void test_no_paging(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {.cr0 = CR0_PE, .cr3 = 0x1000};

	expect_gpa(r, &p, 0xFEE00300, 0xFEE00300);
	expect_gpa(r, &p, 0x123456789ull, 0x23456789); /* 32-bit wrap */
	p.cr0 = 0;				       /* real mode */
	expect_gpa(r, &p, 0xFFFF0, 0xFFFF0);
	p.cr4 = PAE; /* PAE without PG is still no paging */
	expect_gpa(r, &p, 0x1FFFFFFFFull, 0xFFFFFFFF);
	p.efer = LMA; /* inconsistent, but then nothing is truncated */
	expect_gpa(r, &p, 0x123456789ull, 0x123456789ull);
	assert_int_equal(r->reads, 0);
	/* why may be NULL */
	uint64_t gpa;
	assert_int_equal(guest_walk(&p, 5, ram_read, r, &gpa, NULL), 0);
	assert_int_equal(gpa, 5);
}

/* ---- 32-bit paging ---- */

static void test_32bit_4k(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {.cr0 = PG, .cr3 = 0x1000 | 0x18 /* PCD PWT */};

	/* gla 0x00403ABC: PD index 1 (odd half), PT index 3 (odd half) */
	put32(r, 0x1000 + 1 * 4, 0x2000 | P | RW);
	put32(r, 0x2000 + 3 * 4, 0x00ABC000 | P);
	/* gla 0x00402123: PT index 2 (even half) */
	put32(r, 0x2000 + 2 * 4, 0xFEDCB000 | P | RW | 0x60);
	/* gla 0xFFC00000: PD index 1023, PT index 0 */
	put32(r, 0x1000 + 1023 * 4, 0x3000 | P);
	put32(r, 0x3000, 0x12345000 | P);

	expect_gpa(r, &p, 0x00403ABC, 0x00ABCABC);
	expect_gpa(r, &p, 0x00402123, 0xFEDCB123);
	expect_gpa(r, &p, 0xFFC00FFF, 0x12345FFF);
	/* bits 63:32 of the linear address are ignored */
	expect_gpa(r, &p, 0xABCD00000403ABCull, 0x00ABCABC);
	/* without CR4.PSE a PS bit is ignored (PDE names a page table) */
	put32(r, 0x1000 + 2 * 4, 0x3000 | P | PS);
	expect_gpa(r, &p, 0x00800010, 0x12345010);
	/* not present: PDE, then PTE */
	expect_fail(r, &p, 0x00C00000, NOT_PRESENT);
	expect_fail(r, &p, 0x00404000, NOT_PRESENT);
	put32(r, 0x2000 + 5 * 4, 0x00ABC000); /* frame but no P */
	expect_fail(r, &p, 0x00405000, NOT_PRESENT);
}

static void test_32bit_4m(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {.cr0 = PG, .cr3 = 0x1000, .cr4 = PSE};

	/* gla 0xC0123456: PD index 0x300 */
	put32(r, 0x1000 + 0x300 * 4, 0x08000000 | P | PS);
	expect_gpa(r, &p, 0xC0123456, 0x08123456);
	expect_gpa(r, &p, 0xC03FFFFF, 0x083FFFFF);
	/* PSE-36: PDE bits 20:13 are physical bits 39:32 */
	put32(r, 0x1000 + 0x301 * 4, 0xFFC00000 | (0x12u << 13) | P | PS);
	expect_gpa(r, &p, 0xC0400ABC, 0x12FFC00ABCull);
	/* 4 KiB tables still work next to large pages with PSE on */
	put32(r, 0x1000, 0x2000 | P);
	put32(r, 0x2000 + 4, 0x00777000 | P);
	expect_gpa(r, &p, 0x00001234, 0x00777234);
	/* large page without P */
	put32(r, 0x1000 + 0x302 * 4, 0x08000000 | PS);
	expect_fail(r, &p, 0xC0800000, NOT_PRESENT);
}

static void test_32bit_read_failure(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {.cr0 = PG, .cr3 = 0x00100000}; /* no RAM */

	expect_fail(r, &p, 0x1000, READ_FAIL);
	/* PDE points at a page table outside RAM */
	p.cr3 = 0x1000;
	put32(r, 0x1000, 0x80000000 | P);
	expect_fail(r, &p, 0x1000, READ_FAIL);
}

/* ---- PAE paging ---- */

static void test_pae_4k_and_2m(void **state)
{
	struct ram *r = *state;
	/* CR3 is 32-byte aligned, not page aligned, in PAE mode */
	struct guest_paging p = {.cr0 = PG, .cr3 = 0x1020, .cr4 = PAE};

	/* gla 0xC0201ABC: PDPTE 3, PDE 1, PTE 1, offset 0xABC */
	put64(r, 0x1020 + 3 * 8, 0x2000 | P);
	put64(r, 0x2000 + 1 * 8, 0x3000 | P | RW);
	put64(r, 0x3000 + 1 * 8, XD | 0x0000000912345000ull | P);
	expect_gpa(r, &p, 0xC0201ABC, 0x912345ABCull);
	/* bits 63:32 of the linear address are ignored */
	expect_gpa(r, &p, 0x7700000C0201ABCull, 0x912345ABCull);
	/* 2 MiB page (PS honoured in PAE mode even without CR4.PSE):
	 * gla 0xC0400000 + x is PDPTE 3, PDE 2 */
	put64(r, 0x2000 + 2 * 8, XD | 0x40000000ull | P | PS);
	expect_gpa(r, &p, 0xC05ABCDE, 0x401ABCDE);
	put64(r, 0x2000 + 3 * 8, 0x00600000ull | PAT_LARGE | P | PS);
	expect_gpa(r, &p, 0xC0600ABC, 0x00600ABC);
	/* PDPTE 0 -> PD at 0x4000, 2 MiB page above 4 GiB */
	put64(r, 0x1020, 0x4000 | P);
	put64(r, 0x4000, 0x0000012345600000ull | P | PS);
	expect_gpa(r, &p, 0x001FFFFF, 0x00000123457FFFFFull);
	/* CR3 bits above 31 are not part of the PDPT address */
	p.cr3 = 0xF00000000ull | 0x1020;
	expect_gpa(r, &p, 0xC0201ABC, 0x912345ABCull);
}

static void test_pae_not_present(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {.cr0 = PG, .cr3 = 0x1000, .cr4 = PAE | PSE};

	put64(r, 0x1000, 0x2000 | P);
	put64(r, 0x2000, 0x3000 | P);
	put64(r, 0x3000, 0x5000 | P);
	expect_gpa(r, &p, 0x00000123, 0x5123);
	expect_fail(r, &p, 0x40000000, NOT_PRESENT); /* PDPTE 1 */
	expect_fail(r, &p, 0x00200000, NOT_PRESENT); /* PDE 1 */
	expect_fail(r, &p, 0x00001000, NOT_PRESENT); /* PTE 1 */
	put64(r, 0x1000 + 8, 0x2000);		     /* address but no P */
	expect_fail(r, &p, 0x40000000, NOT_PRESENT);
	/* PD outside RAM */
	put64(r, 0x1000 + 16, 0x7FFFF000 | P);
	expect_fail(r, &p, 0x80000000, READ_FAIL);
}

/* ---- 4-level paging ---- */

/* Linear address from 4-level indices, sign-extended from bit 47. */
static uint64_t la4(uint64_t l4, uint64_t l3, uint64_t l2, uint64_t l1,
		    uint64_t off)
{
	uint64_t v = (l4 << 39) | (l3 << 30) | (l2 << 21) | (l1 << 12) | off;

	if (v & (1ull << 47))
		v |= 0xFFFF000000000000ull;
	return v;
}

static void test_4level_4k(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {
	    .cr0 = PG, .cr3 = 0x1000 | 0x5 /* PCID */, .cr4 = PAE, .efer = LMA};

	/* kernel direct map style address: PML4 index 273 */
	uint64_t gla = la4(273, 0, 0x91, 0x145, 0x678);
	assert_int_equal(gla, 0xFFFF888012345678ull);
	put64(r, 0x1000 + 273 * 8, 0x2000 | P | RW);
	put64(r, 0x2000 + 0 * 8, 0x3000 | P | RW);
	put64(r, 0x3000 + 0x91 * 8, 0x4000 | P | RW);
	/* leaf with XD and protection-key/ignored bits 62:52 set */
	put64(r, 0x4000 + 0x145 * 8,
	      XD | (0x7FFull << 52) | 0x000FFFFFFFFFF000ull | P);
	expect_gpa(r, &p, gla, 0x000FFFFFFFFFF678ull);
	/* low half: PML4 index 0 */
	put64(r, 0x1000, 0x5000 | P);
	put64(r, 0x5000 + 511 * 8, 0x6000 | P);
	put64(r, 0x6000 + 511 * 8, 0x7000 | P);
	put64(r, 0x7000 + 511 * 8, 0xFEE00000ull | P);
	expect_gpa(r, &p, la4(0, 511, 511, 511, 0x300), 0xFEE00300ull);
	/* highest canonical address */
	put64(r, 0x1000 + 511 * 8, 0x5000 | P);
	expect_gpa(r, &p, 0xFFFFFFFFFFFFFFFFull, 0xFEE00FFFull);
	/* CR3 bits 63:52 (e.g. LAM controls) are not address bits */
	p.cr3 = (3ull << 61) | 0x1000;
	expect_gpa(r, &p, gla, 0x000FFFFFFFFFF678ull);
	assert_int_equal(r->reads % 4, 0);
}

static void test_4level_large(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {
	    .cr0 = PG, .cr3 = 0x1000, .cr4 = PAE, .efer = LMA};

	put64(r, 0x1000 + 1 * 8, 0x2000 | P);
	/* 1 GiB page: PDPTE 5 */
	put64(r, 0x2000 + 5 * 8, XD | 0x0000004080000000ull | P | PS);
	expect_gpa(r, &p, la4(1, 5, 0x1AB, 0x1CD, 0xEF),
		   0x0000004080000000ull | (0x1ABull << 21) | (0x1CDull << 12) |
		       0xEF);
	/* 2 MiB page: PDPTE 6 -> PD at 0x3000, PDE 7 */
	put64(r, 0x2000 + 6 * 8, 0x3000 | P);
	put64(r, 0x3000 + 7 * 8, 0x00000000FEC00000ull | P | PS);
	expect_gpa(r, &p, la4(1, 6, 7, 0x1FF, 0xFFF), 0xFEDFFFFFull);
	expect_gpa(r, &p, la4(1, 6, 7, 0, 0), 0xFEC00000ull);
	/* bit 12 of a large leaf is PAT, not an address bit */
	put64(r, 0x2000 + 8 * 8, 0x0000000200000000ull | PAT_LARGE | P | PS);
	expect_gpa(r, &p, la4(1, 8, 0, 0, 0x123), 0x0000000200000123ull);
	put64(r, 0x3000 + 8 * 8, 0x0000000000400000ull | PAT_LARGE | P | PS);
	expect_gpa(r, &p, la4(1, 6, 8, 0, 0x456), 0x0000000000400456ull);
	/* PS in a PML4E is reserved */
	put64(r, 0x1000 + 2 * 8, 0x40000000ull | P | PS);
	expect_fail(r, &p, la4(2, 0, 0, 0, 0),
		    "PS set in PML4E/PML5E (reserved)");
}

static void test_4level_not_present(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {
	    .cr0 = PG, .cr3 = 0x1000, .cr4 = PAE, .efer = LMA};

	put64(r, 0x1000, 0x2000 | P);
	put64(r, 0x2000, 0x3000 | P);
	put64(r, 0x3000, 0x4000 | P);
	put64(r, 0x4000, 0x9000 | P);
	expect_gpa(r, &p, la4(0, 0, 0, 0, 0x10), 0x9010);
	expect_fail(r, &p, la4(1, 0, 0, 0, 0), NOT_PRESENT); /* PML4E */
	expect_fail(r, &p, la4(0, 1, 0, 0, 0), NOT_PRESENT); /* PDPTE */
	expect_fail(r, &p, la4(0, 0, 1, 0, 0), NOT_PRESENT); /* PDE */
	expect_fail(r, &p, la4(0, 0, 0, 1, 0), NOT_PRESENT); /* PTE */
	/* a PS bit without P is still not present */
	put64(r, 0x2000 + 8, 0x40000000 | PS);
	expect_fail(r, &p, la4(0, 1, 0, 0, 0), NOT_PRESENT);
	put64(r, 0x3000 + 8, 0x40000000 | PS);
	expect_fail(r, &p, la4(0, 0, 1, 0, 0), NOT_PRESENT);
}

static void test_4level_read_failure(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {
	    .cr0 = PG, .cr3 = 0x1000, .cr4 = PAE, .efer = LMA};

	/* each level's table outside RAM in turn */
	put64(r, 0x1000, 0x2000 | P);
	put64(r, 0x2000, 0x3000 | P);
	put64(r, 0x3000, 0x4000 | P);
	put64(r, 0x1000 + 8, 0x10000000 | P);
	expect_fail(r, &p, la4(1, 0, 0, 0, 0), READ_FAIL);
	put64(r, 0x2000 + 8, 0x10000000 | P);
	expect_fail(r, &p, la4(0, 1, 0, 0, 0), READ_FAIL);
	put64(r, 0x3000 + 8, 0x10000000 | P);
	expect_fail(r, &p, la4(0, 0, 1, 0, 0), READ_FAIL);
	p.cr3 = 0x00FFFFFFFFFFF000ull;
	expect_fail(r, &p, 0, READ_FAIL);
}

static void test_4level_noncanonical(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {
	    .cr0 = PG, .cr3 = 0x1000, .cr4 = PAE, .efer = LMA};

	expect_fail(r, &p, 0x0000800000000000ull, NONCANON);
	expect_fail(r, &p, 0xFFFF7FFFFFFFFFFFull, NONCANON);
	expect_fail(r, &p, 0x0001000000000000ull, NONCANON);
	expect_fail(r, &p, 0x8000000000000000ull, NONCANON);
	expect_fail(r, &p, 0x00FF800000000000ull, NONCANON);
	assert_int_equal(r->reads, 0);
	/* the boundaries themselves are canonical (and not present here) */
	expect_fail(r, &p, 0x00007FFFFFFFFFFFull, NOT_PRESENT);
	expect_fail(r, &p, 0xFFFF800000000000ull, NOT_PRESENT);
}

static void test_lma_without_pae(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {.cr0 = PG, .cr3 = 0x1000, .efer = LMA};

	expect_fail(r, &p, 0x1000, "EFER.LMA set without CR4.PAE");
	assert_int_equal(r->reads, 0);
}

/* ---- 5-level paging ---- */

static void test_5level(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {
	    .cr0 = PG, .cr3 = 0x1000, .cr4 = PAE | LA57, .efer = LMA};

	/* gla 0x0001000000001234: PML5 index 1; non-canonical in 4-level */
	put64(r, 0x1000 + 1 * 8, 0x2000 | P);
	put64(r, 0x2000, 0x3000 | P);
	put64(r, 0x3000, 0x4000 | P);
	put64(r, 0x4000, 0x5000 | P);
	put64(r, 0x5000 + 1 * 8, 0xABCDE000ull | P);
	expect_gpa(r, &p, 0x0001000000001234ull, 0xABCDE234ull);
	/* top of the address space: PML5 index 511 */
	put64(r, 0x1000 + 511 * 8, 0x6000 | P);
	put64(r, 0x6000 + 511 * 8, 0x7000 | P);
	/* 1 GiB page under PML4E 511 */
	put64(r, 0x7000 + 511 * 8, 0x0000008000000000ull | P | PS);
	expect_gpa(r, &p, 0xFFFFFFFFFFFFFFFFull, 0x000000803FFFFFFFull);
	/* 2 MiB page: PDPTE 510 -> PD 0x8000, PDE 3 */
	put64(r, 0x7000 + 510 * 8, 0x8000 | P);
	put64(r, 0x8000 + 3 * 8, 0x00200000 | P | PS);
	expect_gpa(r, &p, 0xFFFFFFFF80612345ull, 0x00212345ull);
	/* canonical in 5-level: 57 significant bits */
	expect_fail(r, &p, 0x0100000000000000ull, NONCANON);
	expect_fail(r, &p, 0xFEFFFFFFFFFFFFFFull, NONCANON);
	/* not present PML5E, and PS in a PML5E */
	expect_fail(r, &p, 0x0002000000000000ull, NOT_PRESENT);
	put64(r, 0x1000 + 3 * 8, 0x40000000 | P | PS);
	expect_fail(r, &p, 0x0003000000000000ull,
		    "PS set in PML4E/PML5E (reserved)");
	/* not present below the PML5E */
	expect_fail(r, &p, 0x0001008000000000ull, NOT_PRESENT); /* PML4E */
	expect_fail(r, &p, 0x0001000000002000ull, NOT_PRESENT); /* PTE */
	/* PML5 table outside RAM */
	p.cr3 = 0x40000000;
	expect_fail(r, &p, 0, READ_FAIL);
}

/* An instruction straddling two pages: the caller walks each page. */
static void test_page_crossing(void **state)
{
	struct ram *r = *state;
	struct guest_paging p = {
	    .cr0 = PG, .cr3 = 0x1000, .cr4 = PAE, .efer = LMA};

	put64(r, 0x1000, 0x2000 | P);
	put64(r, 0x2000, 0x3000 | P);
	put64(r, 0x3000, 0x4000 | P);
	put64(r, 0x4000 + 0x10 * 8, 0x0000000000AB0000ull | P);
	put64(r, 0x4000 + 0x11 * 8, 0x0000000000CD0000ull | P);
	uint64_t rip = 0x10FFD;
	expect_gpa(r, &p, rip, 0xAB0FFD);
	expect_gpa(r, &p, (rip + 0x1000) & ~0xFFFull, 0xCD0000);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ram_setup, ram_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_no_paging),
	    T(test_32bit_4k),
	    T(test_32bit_4m),
	    T(test_32bit_read_failure),
	    T(test_pae_4k_and_2m),
	    T(test_pae_not_present),
	    T(test_4level_4k),
	    T(test_4level_large),
	    T(test_4level_not_present),
	    T(test_4level_read_failure),
	    T(test_4level_noncanonical),
	    T(test_lma_without_pae),
	    T(test_5level),
	    T(test_page_crossing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
