/* Unit tests for drivers/acpi_build.c and drivers/acpi_madt.c: build the
 * partition's ACPI tables into a buffer standing in for guest memory at
 * 0xF0000, check them field by field, read them back with the MADT reader,
 * then feed the reader broken tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hv/vdev/acpi_build.h"
#include "drivers/acpi/madt.h"
#include "tests/unit/test_util.h"

#define BASE	 0xF0000u
#define MEM_SIZE 0x10000u /* the BIOS area, [0xF0000, 0x100000) */
#define FILL	 0xCC

static uint8_t mem[MEM_SIZE];

/* ---- checksums (sum8, fix_sum8 and rdNN/wrNN: tests/bytes.h) ---------- */

/* Re-seals a System Description Table at offset off after an edit. */
static void reseal(uint32_t off)
{
	fix_sum8(mem + off, rd32(mem + off + 4), 9);
}

static void reseal_rsdp(void)
{
	fix_sum8(mem, 20, 8);
	fix_sum8(mem, 36, 32);
}

/* Offset in mem of guest-physical gpa, which must be inside it. */
static uint32_t off_of(uint64_t gpa)
{
	assert_true(gpa >= BASE && gpa < BASE + MEM_SIZE);
	return (uint32_t)(gpa - BASE);
}

/* ---- the platform ----------------------------------------------------- */

static struct acpi_platform platform(unsigned ncpus)
{
	return (struct acpi_platform){
	    .ncpus = ncpus,
	    .lapic_addr = 0xFEE00000u,
	    .pic = true,
	    .pm1a_evt_port = 0x600,
	    .pm1a_cnt_port = 0x604,
	    .pm_tmr_port = 0x608,
	    .sci_irq = 9,
	    .reset_port = 0xCF9,
	    .s5_slp_typ = 5,
	    .oem_id = "BLKHD ",
	};
}

static size_t build(const struct acpi_platform *p)
{
	uint64_t rsdp = 0;
	size_t used = 0;
	const char *why = NULL;

	memset(mem, FILL, sizeof(mem));
	if (acpi_build(mem, sizeof(mem), BASE, p, &rsdp, &used, &why) != 0)
		fail_msg("acpi_build: %s", why);
	assert_int_equal(rsdp, BASE);
	assert_int_equal(used, ACPI_BUILD_SIZE(p->ncpus));
	return used;
}

/* ---- map callback for the reader -------------------------------------- *
 * Every mapping is a malloc'd copy of exactly the requested length, so
 * ASan reports any read past what the reader asked for. */

#define MAX_MAPS 4096

struct mapper {
	uint64_t base;
	size_t size; /* bytes of mem that are "mapped" */
	unsigned n;
	void *maps[MAX_MAPS];
};

static const void *map_cb(uint64_t pa, size_t len, void *ctx)
{
	struct mapper *m = ctx;
	void *copy;

	if (m->n == MAX_MAPS)
		fail_msg("reader mapped more than %d ranges", MAX_MAPS);
	if (pa < m->base || pa - m->base > m->size ||
	    len > m->size - (pa - m->base))
		return NULL;
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, mem + (pa - m->base), len);
	m->maps[m->n++] = copy;
	return copy;
}

static int find_ids(size_t mapped, uint32_t *ids, unsigned max, unsigned *count,
		    const char **why)
{
	struct mapper *m = calloc(1, sizeof(*m));
	int rc;

	assert_non_null(m);
	m->base = BASE;
	m->size = mapped;
	*why = NULL;
	rc = acpi_find_apic_ids(BASE, map_cb, m, ids, max, count, why);
	for (unsigned i = 0; i < m->n; i++)
		free(m->maps[i]);
	free(m);
	if (rc == 0)
		assert_true(*count <= max);
	else
		assert_non_null(*why);
	return rc;
}

/* Expects the reader to fail on mem, with [BASE, BASE + mapped) mapped,
 * for a reason containing what. */
static void expect_reader_error_mapped(size_t mapped, const char *what)
{
	uint32_t ids[300];
	unsigned count = 12345;
	const char *why;

	assert_int_equal(find_ids(mapped, ids, 300, &count, &why), -1);
	if (!strstr(why, what))
		fail_msg("expected \"%s\", got \"%s\"", what, why);
	assert_int_equal(count, 0);
}

static void expect_reader_error(const char *what)
{
	expect_reader_error_mapped(MEM_SIZE, what);
}

/* ---- checks of the built tables --------------------------------------- */

static void check_header(uint32_t off, const char *sig, uint32_t len,
			 uint8_t rev)
{
	const uint8_t *t = mem + off;

	assert_memory_equal(t, sig, 4);
	assert_int_equal(rd32(t + 4), len);
	assert_int_equal(t[8], rev);
	assert_int_equal(sum8(t, len), 0);
	assert_memory_equal(t + 10, "BLKHD ", 6);
	assert_memory_equal(t + 16, "BULKHEAD", 8);
	assert_int_equal(rd32(t + 24), 1);
	assert_memory_equal(t + 28, "BLKH", 4);
	assert_int_equal(rd32(t + 32), 1);
}

static void check_gas_io(const uint8_t *g, uint16_t port, uint8_t bits,
			 uint8_t access)
{
	assert_int_equal(g[0], 1); /* system I/O */
	assert_int_equal(g[1], bits);
	assert_int_equal(g[2], 0);
	assert_int_equal(g[3], access);
	assert_int_equal(rd64(g + 4), port);
}

static void check_set(unsigned ncpus)
{
	struct acpi_platform p = platform(ncpus);
	size_t used = build(&p);
	const uint8_t *r = mem, *f, *m, *e;
	uint32_t rsdt, xsdt, fadt, madt, facs, dsdt;
	static const char *const sigs[] = {"FACP", "APIC"};
	static const uint8_t s5[ACPI_DSDT_AML_LEN] = {
	    0x08, '_',	'S',  '5',  '_',  0x12, 0x08,
	    0x04, 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00};
	uint32_t ids[ACPI_MAX_CPUS];
	unsigned count;
	const char *why;

	for (size_t i = used; i < MEM_SIZE; i++)
		if (mem[i] != FILL)
			fail_msg("wrote past the table set at offset %#zx", i);

	/* RSDP */
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum8(r, 20), 0);
	assert_int_equal(sum8(r, 36), 0);
	assert_memory_equal(r + 9, "BLKHD ", 6);
	assert_int_equal(r[15], 2);
	assert_int_equal(rd32(r + 20), 36);
	rsdt = off_of(rd32(r + 16));
	xsdt = off_of(rd64(r + 24));
	assert_int_equal(rsdt, ACPI_RSDT_OFF);
	assert_int_equal(xsdt, ACPI_XSDT_OFF);

	/* RSDT and XSDT: FADT then MADT, the same tables. */
	check_header(rsdt, "RSDT", 36 + 2 * 4, 1);
	check_header(xsdt, "XSDT", 36 + 2 * 8, 1);
	for (unsigned i = 0; i < 2; i++) {
		uint32_t a = off_of(rd32(mem + rsdt + 36 + 4 * i));
		uint32_t b = off_of(rd64(mem + xsdt + 36 + 8 * i));

		assert_int_equal(a, b);
		assert_true(a + 36 <= used);
		assert_memory_equal(mem + a, sigs[i], 4);
	}
	fadt = off_of(rd64(mem + xsdt + 36));
	madt = off_of(rd64(mem + xsdt + 44));
	assert_int_equal(fadt, ACPI_FADT_OFF);
	assert_int_equal(madt, ACPI_MADT_OFF);

	/* FADT */
	check_header(fadt, "FACP", 276, 6);
	f = mem + fadt;
	facs = off_of(rd32(f + 36));
	assert_int_equal(facs, ACPI_FACS_OFF);
	assert_int_equal((BASE + facs) % 64, 0);
	assert_int_equal(rd64(f + 132), 0); /* X_FIRMWARE_CTRL */
	dsdt = off_of(rd32(f + 40));
	assert_int_equal(rd64(f + 140), BASE + dsdt);
	assert_int_equal(dsdt, ACPI_DSDT_OFF);
	assert_int_equal(rd16(f + 46), 9);	 /* SCI_INT */
	assert_int_equal(rd32(f + 48), 0);	 /* SMI_CMD */
	assert_int_equal(f[52] | f[53], 0);	 /* ACPI_ENABLE/DISABLE */
	assert_int_equal(rd32(f + 56), 0x600);	 /* PM1a_EVT_BLK */
	assert_int_equal(rd32(f + 60), 0);	 /* PM1b_EVT_BLK */
	assert_int_equal(rd32(f + 64), 0x604);	 /* PM1a_CNT_BLK */
	assert_int_equal(rd32(f + 68), 0);	 /* PM1b_CNT_BLK */
	assert_int_equal(rd32(f + 72), 0);	 /* PM2_CNT_BLK */
	assert_int_equal(rd32(f + 76), 0x608);	 /* PM_TMR_BLK */
	assert_int_equal(rd32(f + 80), 0);	 /* GPE0_BLK */
	assert_int_equal(f[88], 4);		 /* PM1_EVT_LEN */
	assert_int_equal(f[89], 2);		 /* PM1_CNT_LEN */
	assert_int_equal(f[90], 0);		 /* PM2_CNT_LEN */
	assert_int_equal(f[91], 4);		 /* PM_TMR_LEN */
	assert_int_equal(f[92], 0);		 /* GPE0_BLK_LEN */
	assert_true(rd16(f + 96) > 100);	 /* no C2 */
	assert_true(rd16(f + 98) > 1000);	 /* no C3 */
	assert_int_equal(f[108], 0);		 /* CENTURY */
	assert_int_equal(rd16(f + 109), 0x000D); /* legacy, no VGA/MSI */
	assert_int_equal(rd32(f + 112), 0x0575); /* FADT flags */
	assert_int_equal(rd32(f + 112) & (1u << 20), 0);    /* not HW-reduced */
	assert_int_not_equal(rd32(f + 112) & (1u << 8), 0); /* 32-bit timer */
	check_gas_io(f + 116, 0xCF9, 8, 1);		    /* RESET_REG */
	assert_int_equal(f[128], 0x06);			    /* RESET_VALUE */
	assert_int_equal(f[131], 0);			    /* minor version */
	check_gas_io(f + 148, 0x600, 32, 2);		    /* X_PM1a_EVT_BLK */
	assert_int_equal(rd64(f + 160 + 4), 0);		    /* X_PM1b_EVT_BLK */
	check_gas_io(f + 172, 0x604, 16, 2);		    /* X_PM1a_CNT_BLK */
	check_gas_io(f + 208, 0x608, 32, 3);		    /* X_PM_TMR_BLK */
	assert_int_equal(rd64(f + 220 + 4), 0);		    /* X_GPE0_BLK */
	assert_memory_equal(f + 268, "Bulkhead", 8);

	/* FACS: no checksum, 64 bytes, version 2, everything else zero. */
	assert_memory_equal(mem + facs, "FACS", 4);
	assert_int_equal(rd32(mem + facs + 4), 64);
	assert_int_equal(mem[facs + 32], 2);
	for (unsigned i = 8; i < 64; i++)
		if (i != 32)
			assert_int_equal(mem[facs + i], 0);

	/* DSDT: Name (_S5_, Package () {5, 5, 0, 0}) */
	check_header(dsdt, "DSDT", 36 + sizeof(s5), 2);
	assert_memory_equal(mem + dsdt + 36, s5, sizeof(s5));

	/* MADT */
	check_header(madt, "APIC", 44 + 8 * ncpus + 6, 4);
	m = mem + madt;
	assert_int_equal(rd32(m + 36), 0xFEE00000u);
	assert_int_equal(rd32(m + 40), 1); /* PCAT_COMPAT */
	e = m + 44;
	for (unsigned i = 0; i < ncpus; i++, e += 8) {
		assert_int_equal(e[0], 0);
		assert_int_equal(e[1], 8);
		assert_int_equal(e[2], i); /* processor UID */
		assert_int_equal(e[3], i); /* APIC ID */
		assert_int_equal(rd32(e + 4), 1);
	}
	assert_int_equal(e[0], 4);
	assert_int_equal(e[1], 6);
	assert_int_equal(e[2], 0xFF);
	assert_int_equal(rd16(e + 3), 0);
	assert_int_equal(e[5], 1); /* LINT1 */
	assert_int_equal(e + 6 - mem, used);

	/* The reader agrees, with only the table set mapped. */
	memset(ids, 0xEE, sizeof(ids));
	assert_int_equal(find_ids(used, ids, ACPI_MAX_CPUS, &count, &why), 0);
	assert_int_equal(count, ncpus);
	for (unsigned i = 0; i < ncpus; i++)
		assert_int_equal(ids[i], i);
	/* An exactly sized id array is enough. */
	assert_int_equal(find_ids(used, ids, ncpus, &count, &why), 0);
	assert_int_equal(count, ncpus);
}

static void test_build_1cpu(void **state)
{
	(void)state;
	check_set(1);
}

static void test_build_2cpus(void **state)
{
	(void)state;
	check_set(2);
	assert_int_equal(ACPI_BUILD_SIZE(2), 0x292);
}

static void test_build_8cpus(void **state)
{
	(void)state;
	check_set(8);
}

static void test_build_255cpus(void **state)
{
	(void)state;
	check_set(255);
	assert_int_equal(ACPI_BUILD_SIZE_IOAPIC(255), ACPI_BUILD_MAX_SIZE);
}

/* With an I/O APIC the MADT gains its entry and the IRQ 0 -> GSI 2
 * override, checksummed with the rest. */
static void test_build_ioapic(void **state)
{
	(void)state;
	struct acpi_platform p = platform(2);
	p.ioapic_addr = 0xFEC00000u;
	p.ioapic_id = 2;
	uint8_t buf[4096];
	uint64_t rsdp;
	size_t used;
	const char *why = NULL;
	assert_int_equal(
	    acpi_build(buf, sizeof(buf), 0xF0000, &p, &rsdp, &used, &why), 0);
	assert_int_equal(used, ACPI_BUILD_SIZE_IOAPIC(2));
	const uint8_t *m = buf + ACPI_MADT_OFF;
	uint32_t len = rd32(m + 4);
	assert_int_equal(len, ACPI_MADT_LEN(2) + ACPI_MADT_IOAPIC_EXTRA);
	assert_int_equal(sum8(m, len), 0);
	const uint8_t *io = m + ACPI_MADT_LEN(2);
	assert_int_equal(io[0], 1);
	assert_int_equal(io[1], 12);
	assert_int_equal(io[2], 2);
	assert_int_equal(rd32(io + 4), 0xFEC00000u);
	const uint8_t *iso = io + 12;
	assert_int_equal(iso[0], 2);
	assert_int_equal(iso[3], 0);
	assert_int_equal(iso[4], 2);
}

static void test_build_variants(void **state)
{
	struct acpi_platform p = platform(3);
	const uint8_t *f = mem + ACPI_FADT_OFF;
	uint8_t buf[ACPI_BUILD_SIZE(3)];
	uint64_t rsdp;
	size_t used;

	(void)state;
	p.pic = false;
	p.pm_tmr_port = 0;
	p.reset_port = 0;
	p.s5_slp_typ = 0;
	memcpy(p.oem_id, "AB\0\0\0\0", 7);
	build(&p);
	assert_int_equal(rd32(mem + ACPI_MADT_OFF + 40), 0);
	assert_int_equal(rd32(f + 76), 0);
	assert_int_equal(f[91], 0);
	for (unsigned i = 0; i < 12; i++) {
		assert_int_equal(f[208 + i], 0); /* X_PM_TMR_BLK */
		assert_int_equal(f[116 + i], 0); /* RESET_REG */
	}
	assert_int_equal(f[128], 0);
	assert_int_equal(rd32(f + 112), 0x0175); /* no RESET_REG_SUP */
	assert_memory_equal(mem + 9, "AB    ", 6);
	assert_memory_equal(mem + ACPI_MADT_OFF + 10, "AB    ", 6);
	assert_int_equal(mem[ACPI_DSDT_OFF + 36 + 9], 0);
	assert_int_equal(mem[ACPI_DSDT_OFF + 36 + 11], 0);
	assert_int_equal(sum8(mem + ACPI_DSDT_OFF, ACPI_DSDT_LEN), 0);

	/* Exactly sized buffer, tables ending just below 4 GiB, why NULL. */
	memset(buf, FILL, sizeof(buf));
	p = platform(3);
	assert_int_equal(acpi_build(buf, sizeof(buf), 0x100000000ull - 0x300,
				    &p, &rsdp, &used, NULL),
			 0);
	assert_int_equal(rsdp, 0x100000000ull - 0x300);
	assert_int_equal(used, sizeof(buf));
	assert_int_equal(rd32(buf + 16), 0xFFFFFD00u + ACPI_RSDT_OFF);
	assert_int_equal(rd64(buf + 24), 0xFFFFFD00u + ACPI_XSDT_OFF);
	assert_int_equal(rd32(buf + ACPI_FADT_OFF + 40),
			 0xFFFFFD00u + ACPI_DSDT_OFF);
	assert_int_equal(sum8(buf, 36), 0);
}

static void expect_build_error(const struct acpi_platform *p, size_t size,
			       uint64_t base, const char *what)
{
	uint64_t rsdp = 777;
	size_t used = 888;
	const char *why = NULL;

	memset(mem, FILL, sizeof(mem));
	assert_int_equal(acpi_build(mem, size, base, p, &rsdp, &used, &why),
			 -1);
	assert_non_null(why);
	if (!strstr(why, what))
		fail_msg("expected \"%s\", got \"%s\"", what, why);
	assert_int_equal(rsdp, 777);
	assert_int_equal(used, 888);
	for (size_t i = 0; i < MEM_SIZE; i++)
		if (mem[i] != FILL)
			fail_msg("failed build wrote at offset %#zx", i);
	/* why is optional */
	assert_int_equal(acpi_build(mem, size, base, p, &rsdp, &used, NULL),
			 -1);
}

static void test_build_errors(void **state)
{
	struct acpi_platform p = platform(2);
	uint64_t rsdp;
	size_t used;
	const char *why = NULL;

	(void)state;
	assert_int_equal(acpi_build(NULL, 4096, BASE, &p, &rsdp, &used, &why),
			 -1);
	assert_int_equal(acpi_build(mem, 4096, BASE, NULL, &rsdp, &used, &why),
			 -1);
	assert_int_equal(acpi_build(mem, 4096, BASE, &p, NULL, &used, &why),
			 -1);
	assert_int_equal(acpi_build(mem, 4096, BASE, &p, &rsdp, NULL, &why),
			 -1);

	expect_build_error(&p, ACPI_BUILD_SIZE(2) - 1, BASE, "too small");
	expect_build_error(&p, 0, BASE, "too small");
	p.ncpus = 255;
	expect_build_error(&p, ACPI_BUILD_SIZE(254), BASE, "too small");
	p.ncpus = 0;
	expect_build_error(&p, MEM_SIZE, BASE, "no vCPUs");
	p.ncpus = 256;
	expect_build_error(&p, MEM_SIZE, BASE, "255");
	p.ncpus = 100000;
	expect_build_error(&p, MEM_SIZE, BASE, "255");

	p = platform(2);
	expect_build_error(&p, MEM_SIZE, BASE + 16, "aligned");
	expect_build_error(&p, MEM_SIZE, 0x100000000ull - 0x280, "4 GiB");
	expect_build_error(&p, MEM_SIZE, 0xFFFFFFFFFFFFFFC0ull, "4 GiB");
	p.lapic_addr = 0;
	expect_build_error(&p, MEM_SIZE, BASE, "APIC");
	p = platform(2);
	p.pm1a_evt_port = 0;
	expect_build_error(&p, MEM_SIZE, BASE, "required");
	p = platform(2);
	p.pm1a_cnt_port = 0;
	expect_build_error(&p, MEM_SIZE, BASE, "required");
	p = platform(2);
	p.pm_tmr_port = 0x602; /* overlaps PM1a_EVT */
	expect_build_error(&p, MEM_SIZE, BASE, "overlap");
	p = platform(2);
	p.reset_port = 0x605; /* overlaps PM1a_CNT */
	expect_build_error(&p, MEM_SIZE, BASE, "overlap");
	p = platform(2);
	p.pm1a_cnt_port = 0x5FF; /* 0x5FF-0x600 overlaps PM1a_EVT */
	expect_build_error(&p, MEM_SIZE, BASE, "overlap");
	p = platform(2);
	p.pm1a_evt_port = 0xFFFE;
	expect_build_error(&p, MEM_SIZE, BASE, "wraps");
	p = platform(2);
	p.sci_irq = 0;
	expect_build_error(&p, MEM_SIZE, BASE, "SCI");
	p.sci_irq = 2;
	expect_build_error(&p, MEM_SIZE, BASE, "SCI");
	p.sci_irq = 16;
	expect_build_error(&p, MEM_SIZE, BASE, "SCI");
	p = platform(2);
	p.s5_slp_typ = 8;
	expect_build_error(&p, MEM_SIZE, BASE, "SLP_TYP");
	p = platform(2);
	p.oem_id[2] = '\n';
	expect_build_error(&p, MEM_SIZE, BASE, "OEM");
	p.oem_id[2] = (char)0x80;
	expect_build_error(&p, MEM_SIZE, BASE, "OEM");

	/* Adjacent blocks and the boundary values are fine. */
	p = platform(2);
	p.pm1a_cnt_port = 0x604;
	p.pm_tmr_port = 0xFFFC;
	p.sci_irq = 15;
	p.s5_slp_typ = 7;
	memcpy(p.oem_id, "~ !\"#$", 7);
	assert_int_equal(
	    acpi_build(mem, MEM_SIZE, BASE, &p, &rsdp, &used, &why), 0);
	p.sci_irq = 1;
	p.pm_tmr_port = 0x606;
	assert_int_equal(
	    acpi_build(mem, MEM_SIZE, BASE, &p, &rsdp, &used, &why), 0);
}

/* ---- the reader on good and broken tables ----------------------------- */

/* Appends an entry to the MADT (the last table) and reseals it. */
static void madt_append(const uint8_t *entry, uint8_t len)
{
	uint8_t *m = mem + ACPI_MADT_OFF;
	uint32_t mlen = rd32(m + 4);

	memcpy(m + mlen, entry, len);
	wr32(m + 4, mlen + len);
	reseal(ACPI_MADT_OFF);
}

static void madt_append_x2apic(uint32_t id, uint32_t flags)
{
	uint8_t e[16] = {9, 16};

	wr32(e + 4, id);
	wr32(e + 8, flags);
	wr32(e + 12, id); /* UID */
	madt_append(e, sizeof(e));
}

static void test_reader_entry_kinds(void **state)
{
	struct acpi_platform p = platform(2);
	uint8_t lapic_ff[8] = {0, 8, 40, 0xFF, 1, 0, 0, 0};
	uint8_t lapic_online_capable[8] = {0, 8, 41, 7, 2, 0, 0, 0};
	uint8_t lapic_disabled[8] = {0, 8, 42, 8, 0, 0, 0, 0};
	uint8_t lapic_long[10] = {0, 10, 43, 9, 1, 0, 0, 0, 0xAA, 0xBB};
	uint8_t other[3] = {0x7F, 3, 0x55};
	uint8_t ioapic[12] = {1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0};
	uint32_t ids[8];
	unsigned count;
	const char *why;

	(void)state;
	build(&p);
	madt_append(ioapic, sizeof(ioapic));
	madt_append_x2apic(300, 1);
	madt_append_x2apic(301, 0);	    /* disabled */
	madt_append_x2apic(1, 1);	    /* duplicate of a type-0 entry */
	madt_append_x2apic(0xFFFFFFFFu, 1); /* invalid ID */
	madt_append(lapic_ff, 8);	    /* invalid ID */
	madt_append(lapic_online_capable, 8);
	madt_append(lapic_disabled, 8);
	madt_append(other, sizeof(other));
	madt_append(lapic_long, sizeof(lapic_long));
	madt_append_x2apic(0x10000, 3);

	assert_int_equal(find_ids(MEM_SIZE, ids, 8, &count, &why), 0);
	assert_int_equal(count, 5);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(ids[2], 300);
	assert_int_equal(ids[3], 9);
	assert_int_equal(ids[4], 0x10000);

	/* A duplicate does not count against max. */
	assert_int_equal(find_ids(MEM_SIZE, ids, 5, &count, &why), 0);
	assert_int_equal(count, 5);
	assert_int_equal(find_ids(MEM_SIZE, ids, 4, &count, &why), -1);
	assert_int_equal(count, 4);
	assert_int_equal(ids[3], 9);
}

static void test_reader_more_than_max(void **state)
{
	struct acpi_platform p = platform(8);
	uint32_t ids[8];
	unsigned count;
	const char *why;

	(void)state;
	build(&p);
	memset(ids, 0, sizeof(ids));
	assert_int_equal(find_ids(MEM_SIZE, ids, 4, &count, &why), -1);
	assert_non_null(strstr(why, "max"));
	assert_int_equal(count, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(ids[i], i);
	assert_int_equal(ids[4], 0); /* nothing stored past max */
	assert_int_equal(find_ids(MEM_SIZE, ids, 7, &count, &why), -1);
	assert_int_equal(count, 7);
	assert_int_equal(find_ids(MEM_SIZE, NULL, 0, &count, &why), -1);
	assert_int_equal(count, 0);
	assert_int_equal(find_ids(MEM_SIZE, ids, 8, &count, &why), 0);
	assert_int_equal(count, 8);
}

static void test_reader_rsdt_path(void **state)
{
	struct acpi_platform p = platform(2);
	uint32_t ids[4];
	unsigned count;
	const char *why;

	(void)state;
	/* ACPI 1.0 RSDP: the XSDT is ignored, even when broken. */
	build(&p);
	mem[15] = 0;
	reseal_rsdp();
	mem[ACPI_XSDT_OFF] = 'Q';
	assert_int_equal(find_ids(MEM_SIZE, ids, 4, &count, &why), 0);
	assert_int_equal(count, 2);

	/* Revision 2 without an XSDT address. */
	build(&p);
	wr64(mem + 24, 0);
	reseal_rsdp();
	mem[ACPI_XSDT_OFF] = 'Q';
	assert_int_equal(find_ids(MEM_SIZE, ids, 4, &count, &why), 0);
	assert_int_equal(count, 2);

	/* Neither: nothing to walk. */
	build(&p);
	mem[15] = 0;
	wr32(mem + 16, 0);
	reseal_rsdp();
	expect_reader_error("no root table");

	/* The RSDT path checks the RSDT. */
	build(&p);
	mem[15] = 0;
	reseal_rsdp();
	mem[ACPI_RSDT_OFF + 20]++;
	expect_reader_error("checksum");
	build(&p);
	mem[15] = 0;
	reseal_rsdp();
	memcpy(mem + ACPI_RSDT_OFF, "XSDT", 4);
	reseal(ACPI_RSDT_OFF);
	expect_reader_error("signature");
}

static void test_reader_bad_rsdp(void **state)
{
	struct acpi_platform p = platform(2);
	uint32_t ids[4];
	unsigned count = 99;
	const char *why;

	(void)state;
	build(&p);
	mem[3] = 'p';
	reseal_rsdp();
	expect_reader_error("RSDP signature");

	build(&p);
	mem[12]++; /* OEM ID, covered by both checksums */
	expect_reader_error("RSDP checksum");

	build(&p);
	mem[30]++; /* XSDT address high bytes: only the extended checksum */
	expect_reader_error("extended checksum");

	build(&p);
	wr32(mem + 20, 35);
	reseal_rsdp();
	expect_reader_error("RSDP length");
	build(&p);
	wr32(mem + 20, 0x100000);
	reseal_rsdp();
	expect_reader_error("RSDP length");
	build(&p);
	wr32(mem + 20, 4096); /* within bounds, but not mapped */
	reseal_rsdp();
	expect_reader_error_mapped(100, "RSDP outside");

	/* RSDP not mapped at all, or only its first 20 bytes. */
	build(&p);
	assert_int_equal(find_ids(0, ids, 4, &count, &why), -1);
	assert_non_null(strstr(why, "RSDP outside"));
	assert_int_equal(count, 0);
	assert_int_equal(find_ids(20, ids, 4, &count, &why), -1);
	assert_non_null(strstr(why, "RSDP outside"));
	/* A 20-byte-mapped ACPI 1.0 RSDP is fine up to its RSDT. */
	mem[15] = 0;
	reseal_rsdp();
	assert_int_equal(find_ids(20, ids, 4, &count, &why), -1);
	assert_non_null(strstr(why, "root table outside"));

	/* Bad arguments. */
	assert_int_equal(
	    acpi_find_apic_ids(BASE, NULL, NULL, ids, 4, &count, &why), -1);
	assert_int_equal(
	    acpi_find_apic_ids(BASE, map_cb, NULL, ids, 4, NULL, &why), -1);
	assert_int_equal(
	    acpi_find_apic_ids(BASE, map_cb, NULL, NULL, 4, &count, NULL), -1);
}

static void test_reader_bad_root(void **state)
{
	struct acpi_platform p = platform(2);
	uint32_t ids[4];
	unsigned count;
	const char *why;

	(void)state;
	build(&p);
	mem[ACPI_XSDT_OFF + 40]++;
	expect_reader_error("checksum");

	build(&p);
	wr32(mem + ACPI_XSDT_OFF + 4, 35);
	reseal(ACPI_XSDT_OFF);
	expect_reader_error("shorter");

	build(&p);
	wr32(mem + ACPI_XSDT_OFF + 4, 36 + 8 * ACPI_MADT_MAX_ROOT_ENTRIES + 8);
	expect_reader_error("implausibly long");

	build(&p);
	wr32(mem + ACPI_XSDT_OFF + 4, 1000);
	expect_reader_error_mapped(ACPI_XSDT_OFF + 500, "outside mapped");

	/* XSDT entry pointing outside mapped memory. */
	build(&p);
	wr64(mem + ACPI_XSDT_OFF + 36, 0x123456789000ull);
	reseal(ACPI_XSDT_OFF);
	expect_reader_error("entry outside mapped");
	build(&p);
	wr64(mem + ACPI_XSDT_OFF + 36, BASE + MEM_SIZE - 35);
	reseal(ACPI_XSDT_OFF);
	expect_reader_error("entry outside mapped");
	build(&p);
	wr64(mem + ACPI_XSDT_OFF + 36, BASE - 1);
	reseal(ACPI_XSDT_OFF);
	expect_reader_error("entry outside mapped");

	/* Null entries are skipped; a partial trailing entry is ignored. */
	build(&p);
	wr64(mem + ACPI_XSDT_OFF + 36, 0);
	wr32(mem + ACPI_XSDT_OFF + 4, ACPI_XSDT_LEN + 7);
	reseal(ACPI_XSDT_OFF);
	assert_int_equal(find_ids(MEM_SIZE, ids, 4, &count, &why), 0);
	assert_int_equal(count, 2);

	/* Header-only root table: no tables at all. */
	build(&p);
	wr32(mem + ACPI_XSDT_OFF + 4, 36);
	reseal(ACPI_XSDT_OFF);
	expect_reader_error("no MADT");
}

static void test_reader_madt_missing(void **state)
{
	struct acpi_platform p = platform(2);

	(void)state;
	build(&p);
	memcpy(mem + ACPI_MADT_OFF, "APIX", 4);
	reseal(ACPI_MADT_OFF);
	expect_reader_error("no MADT");

	/* The root table lists only the FADT. */
	build(&p);
	wr32(mem + ACPI_XSDT_OFF + 4, 44);
	reseal(ACPI_XSDT_OFF);
	expect_reader_error("no MADT");
}

static void test_reader_bad_madt(void **state)
{
	struct acpi_platform p = platform(2);
	const uint32_t len = (uint32_t)ACPI_MADT_LEN(2);
	uint8_t zero_len[2] = {0x7F, 0};
	uint8_t one_len[2] = {0, 1};
	uint8_t short_lapic[7] = {0, 7, 5, 5, 1, 0, 0};
	uint8_t short_x2apic[15] = {9, 15, 0, 0, 5, 0, 0, 0, 1};
	uint32_t ids[4];
	unsigned count;
	const char *why;

	(void)state;
	build(&p);
	mem[ACPI_MADT_OFF + 36]++;
	expect_reader_error("checksum");

	/* Truncated: the length runs past mapped memory. */
	build(&p);
	assert_int_equal(
	    find_ids(ACPI_MADT_OFF + len - 1, ids, 4, &count, &why), -1);
	assert_non_null(strstr(why, "outside mapped"));
	assert_int_equal(count, 0);
	build(&p);
	wr32(mem + ACPI_MADT_OFF + 4, MEM_SIZE);
	expect_reader_error("outside mapped");
	build(&p);
	wr32(mem + ACPI_MADT_OFF + 4, 0xFFFFFFFFu);
	expect_reader_error("implausibly long");

	/* Truncated: shorter than the fixed part. */
	build(&p);
	wr32(mem + ACPI_MADT_OFF + 4, 43);
	reseal(ACPI_MADT_OFF);
	expect_reader_error("shorter");

	/* Truncated: the last entry is cut. */
	build(&p);
	wr32(mem + ACPI_MADT_OFF + 4, len - 3);
	reseal(ACPI_MADT_OFF);
	expect_reader_error("overruns");
	build(&p);
	wr32(mem + ACPI_MADT_OFF + 4, len - 5);
	reseal(ACPI_MADT_OFF);
	expect_reader_error("inside an entry header");

	/* Entries that would never advance the walk. */
	build(&p);
	madt_append(zero_len, sizeof(zero_len));
	expect_reader_error("length below 2");
	build(&p);
	madt_append(one_len, sizeof(one_len));
	expect_reader_error("length below 2");
	build(&p);
	mem[ACPI_MADT_OFF + 44 + 1] = 0; /* first LAPIC entry */
	reseal(ACPI_MADT_OFF);
	expect_reader_error("length below 2");

	/* Entries too short for their type. */
	build(&p);
	madt_append(short_lapic, sizeof(short_lapic));
	expect_reader_error("local APIC entry too short");
	build(&p);
	madt_append(short_x2apic, sizeof(short_x2apic));
	expect_reader_error("x2APIC entry too short");

	/* Header only: valid, no processors. */
	build(&p);
	wr32(mem + ACPI_MADT_OFF + 4, 44);
	reseal(ACPI_MADT_OFF);
	assert_int_equal(find_ids(MEM_SIZE, ids, 4, &count, &why), 0);
	assert_int_equal(count, 0);
}

/* Random edits of a good table set, with the checksums repaired so that
 * the reader gets past them: it must never read outside what it mapped
 * (ASan checks every mapping), never loop, and keep *count <= max. */
static void test_reader_random_damage(void **state)
{
	struct acpi_platform p = platform(8);
	static uint8_t pristine[MEM_SIZE];
	uint32_t rng = 12345, ids[16];
	unsigned count, ok = 0;
	size_t used;
	const char *why;

	(void)state;
	used = build(&p);
	memcpy(pristine, mem, sizeof(mem));
	for (unsigned iter = 0; iter < 20000; iter++) {
		unsigned edits;

		memcpy(mem, pristine, sizeof(mem));
		rng = rng * 1103515245u + 12345u;
		edits = 1 + (rng >> 16) % 4;
		for (unsigned k = 0; k < edits; k++) {
			size_t at;

			rng = rng * 1103515245u + 12345u;
			at = (rng >> 8) % (used + 32);
			/* Favour the bytes the reader interprets. */
			if (k == 0 && (rng & 1))
				at = ACPI_MADT_OFF + (rng >> 12) % 80;
			rng = rng * 1103515245u + 12345u;
			mem[at] = (rng & 3) ? (uint8_t)(rng >> 16)
					    : (uint8_t)(mem[at] ^ 0x80);
		}
		reseal_rsdp();
		if (rd32(mem + ACPI_XSDT_OFF + 4) <= MEM_SIZE - ACPI_XSDT_OFF)
			reseal(ACPI_XSDT_OFF);
		if (rd32(mem + ACPI_MADT_OFF + 4) <= MEM_SIZE - ACPI_MADT_OFF)
			reseal(ACPI_MADT_OFF);
		if (find_ids(MEM_SIZE, ids, 16, &count, &why) == 0)
			ok++;
	}
	/* Both outcomes must have been exercised. */
	assert_true(ok > 100);
	assert_true(ok < 19900);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_1cpu),
	    cmocka_unit_test(test_build_2cpus),
	    cmocka_unit_test(test_build_8cpus),
	    cmocka_unit_test(test_build_255cpus),
	    cmocka_unit_test(test_build_ioapic),
	    cmocka_unit_test(test_build_variants),
	    cmocka_unit_test(test_build_errors),
	    cmocka_unit_test(test_reader_entry_kinds),
	    cmocka_unit_test(test_reader_more_than_max),
	    cmocka_unit_test(test_reader_rsdt_path),
	    cmocka_unit_test(test_reader_bad_rsdp),
	    cmocka_unit_test(test_reader_bad_root),
	    cmocka_unit_test(test_reader_madt_missing),
	    cmocka_unit_test(test_reader_bad_madt),
	    cmocka_unit_test(test_reader_random_damage),
	};
	alarm(120); /* a reader stuck in a loop fails instead of hanging */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
