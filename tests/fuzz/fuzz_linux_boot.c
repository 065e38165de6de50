/* libFuzzer harness: Linux bzImage loader (hv/linux_boot.c).
 *
 * Input: flags(1) ram_size(4) initrd_len(3) cmdline_len(3) e820_count(1)
 * rsdp(8), then the bzImage itself (the rest). Guest RAM is a 4 MiB heap
 * block; the RAM size, initrd, command line and memory map come from the
 * prefix. A model of the rules in linux_boot.h predicts success and where
 * the kernel and initrd go; before the call all of RAM is ASan-poisoned
 * except what a successful load may write (the loader window, the kernel
 * and the initrd) - everything when it must fail - so any other access is
 * reported. Properties besides that:
 * - linux_probe agrees with linux_load about the header and version;
 * - success: out matches the model, the initrd is at the highest allowed
 *   aligned address, the zero page holds exactly the documented fields,
 *   the command line, GDT, kernel (+ zeroed rest of init_size) and initrd
 *   bytes are in place;
 * - failure: out is untouched except ram_needed, which is non-zero only for
 *   LINUX_ERR_RAM_TOO_SMALL; then the kernel fits in exactly ram_needed
 *   bytes of RAM and not in one byte less. */
#include <sanitizer/asan_interface.h>

#include "hv/load/linux_boot.h"
#include "tests/fuzz/fuzz_util.h"

#define RAM_CAP	 (4u << 20)
#define MIB	 0x100000ull
#define FOUR_GIB (1ull << 32)
#define CMD_POOL (LINUX_CMDLINE_MAX + 16u) /* longest command line + 1 */
#define PREFIX	 20u

#define F_CMDLINE_NULL (1u << 0)
#define F_INITRD_NULL  (1u << 1)
#define F_E820_NULL    (1u << 2)

static uint8_t *ram;   /* RAM_CAP bytes */
static uint8_t *src;   /* RAM_CAP bytes of initrd data, patterned */
static char *cmd_pool; /* 'a'..'z' ... NUL */
static struct mm_entry e820[LINUX_E820_MAX + 1];
static const uint8_t zeros[4096];
static const uint8_t elf_magic[4] = {0x7F, 'E', 'L', 'F'};

struct model {
	bool ok;
	bool too_small; /* fails with LINUX_ERR_RAM_TOO_SMALL */
	uint64_t need;	/* then: the RAM the kernel needs */
	uint64_t klo, khi, ilo, ihi;
};

/* The setup header as the loader sees it: bytes 0x1F1.., zero-padded. */
static struct linux_setup_header read_hdr(const uint8_t *img, size_t len)
{
	struct linux_setup_header h;
	size_t n = len > LINUX_HDR_START ? len - LINUX_HDR_START : 0;

	memset(&h, 0, sizeof(h));
	memcpy(&h, img + LINUX_HDR_START, n < sizeof(h) ? n : sizeof(h));
	return h;
}

/* Highest 4 KiB-aligned start >= 1 MiB for len bytes ending at or below
 * top and not overlapping [klo, khi). */
static bool highest_initrd(uint64_t top, uint64_t len, uint64_t klo,
			   uint64_t khi, uint64_t *start)
{
	uint64_t s;

	if (len > top)
		return false;
	s = (top - len) & ~0xFFFull;
	if (s < khi && s + len > klo) {
		/* Every aligned start from here up to top - len overlaps the
		 * kernel: the next candidate ends at or below klo. */
		if (len > klo)
			return false;
		s = (klo - len) & ~0xFFFull;
	}
	if (s < MIB)
		return false;
	*start = s;
	return true;
}

static struct model predict(const struct linux_setup_header *h, bool header_ok,
			    const struct linux_load_in *in, uint64_t ram_size)
{
	struct model m = {0};
	uint64_t limit = ram_size < FOUR_GIB ? ram_size : FOUR_GIB;
	uint64_t pref = h->pref_address ? h->pref_address : MIB;
	uint64_t pend = pref + h->init_size, base, bend, top;
	bool pref_ok = pref >= MIB && pref <= FOUR_GIB && pend <= FOUR_GIB;
	size_t clen = in->cmdline ? strlen(in->cmdline) : 0;

	if (!in->kernel || (!in->initrd && in->initrd_len) || !header_ok)
		return m;
	if (clen > h->cmdline_size || clen >= LINUX_CMDLINE_MAX)
		return m;
	if (!in->e820 || in->ne820 == 0 || in->ne820 > LINUX_E820_MAX)
		return m;
	if (pref_ok && pend <= limit) {
		m.klo = pref;
	} else if (!h->relocatable_kernel) {
		m.too_small = pref_ok;
		m.need = pend;
		return m;
	} else {
		base = (MIB + h->kernel_alignment - 1) &
		       ~((uint64_t)h->kernel_alignment - 1);
		bend = base + h->init_size;
		if (bend > FOUR_GIB)
			return m;
		if (bend > ram_size) {
			m.too_small = true;
			m.need = pref_ok && pend < bend ? pend : bend;
			return m;
		}
		m.klo = base;
	}
	m.khi = m.klo + h->init_size;
	if (in->initrd_len) {
		top = (uint64_t)h->initrd_addr_max + 1;
		if (top > FOUR_GIB)
			top = FOUR_GIB;
		if (top > ram_size)
			top = ram_size;
		if (!highest_initrd(top, in->initrd_len, m.klo, m.khi, &m.ilo))
			return m;
		m.ihi = m.ilo + in->initrd_len;
	}
	m.ok = true;
	return m;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += sizeof(zeros)) {
		size_t k = n - i < sizeof(zeros) ? n - i : sizeof(zeros);

		if (memcmp(p + i, zeros, k) != 0)
			return false;
	}
	return true;
}

static void check_zero_page(const struct linux_load_in *in,
			    const struct model *m)
{
	const uint8_t *zp = ram + LINUX_BOOT_PARAMS_GPA;
	const struct linux_boot_params *bp = (const void *)zp;
	struct linux_setup_header want;
	size_t hdr_end = 0x202u + in->kernel[0x201];
	size_t e820_end = LINUX_BP_OFF(e820_table) +
			  in->ne820 * sizeof(struct linux_e820_entry);

	if (hdr_end > LINUX_HDR_MAX_END)
		hdr_end = LINUX_HDR_MAX_END;
	/* Before the header: only acpi_rsdp_addr and e820_entries. */
	CHECK(all_zero(zp, LINUX_BP_OFF(acpi_rsdp_addr)));
	CHECK(bp->acpi_rsdp_addr == in->rsdp_gpa);
	CHECK(all_zero(zp + LINUX_BP_OFF(acpi_rsdp_addr) + 8,
		       LINUX_BP_OFF(e820_entries) -
			   (LINUX_BP_OFF(acpi_rsdp_addr) + 8)));
	CHECK(bp->e820_entries == in->ne820);
	CHECK(all_zero(zp + LINUX_BP_OFF(e820_entries) + 1,
		       LINUX_HDR_START - (LINUX_BP_OFF(e820_entries) + 1)));

	/* The header: the image's bytes up to hdr_end, then the fields the
	 * loader sets, then zeros up to the e820 table. */
	memset(&want, 0, sizeof(want));
	memcpy(&want, in->kernel + LINUX_HDR_START,
	       hdr_end - LINUX_HDR_START < sizeof(want)
		   ? hdr_end - LINUX_HDR_START
		   : sizeof(want));
	want.type_of_loader = LINUX_LOADER_ID;
	want.loadflags = LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	want.heap_end_ptr = LINUX_HEAP_END;
	want.ext_loader_ver = 0;
	want.ext_loader_type = 0;
	want.code32_start = (uint32_t)m->klo;
	want.cmd_line_ptr = LINUX_CMDLINE_GPA;
	want.ramdisk_image = (uint32_t)m->ilo;
	want.ramdisk_size = (uint32_t)in->initrd_len;
	want.setup_data = 0;
	want.hardware_subarch = 0;
	want.hardware_subarch_data = 0;
	CHECK(memcmp(&bp->hdr, &want, sizeof(want)) == 0);
	if (hdr_end > LINUX_HDR_START + sizeof(want))
		CHECK(memcmp(zp + LINUX_HDR_START + sizeof(want),
			     in->kernel + LINUX_HDR_START + sizeof(want),
			     hdr_end - LINUX_HDR_START - sizeof(want)) == 0);
	CHECK(all_zero(zp + hdr_end, LINUX_BP_OFF(e820_table) - hdr_end));
	CHECK(bp->ext_ramdisk_image == 0 && bp->ext_ramdisk_size == 0 &&
	      bp->ext_cmd_line_ptr == 0 && bp->sentinel == 0);

	for (unsigned i = 0; i < in->ne820; i++) {
		CHECK(bp->e820_table[i].addr == in->e820[i].addr);
		CHECK(bp->e820_table[i].size == in->e820[i].len);
		CHECK(bp->e820_table[i].type == in->e820[i].type);
	}
	CHECK(all_zero(zp + e820_end, sizeof(*bp) - e820_end));
}

static void check_loaded(const struct linux_load_in *in,
			 const struct linux_load_out *out,
			 const struct model *m, uint16_t version)
{
	const struct linux_setup_header h =
	    read_hdr(in->kernel, in->kernel_len);
	size_t sects = h.setup_sects ? h.setup_sects : LINUX_SETUP_SECTS0;
	size_t pm_off = (sects + 1) * LINUX_SECTOR_SIZE;
	size_t pm_len = in->kernel_len - pm_off;
	uint8_t gdt[32];

	CHECK(out->entry32 == m->klo && out->kernel_lo == m->klo);
	CHECK(out->kernel_hi == m->khi);
	CHECK(out->initrd_lo == m->ilo && out->initrd_hi == m->ihi);
	CHECK(out->boot_params == LINUX_BOOT_PARAMS_GPA);
	CHECK(out->gdt_gpa == LINUX_GDT_GPA);
	CHECK(out->gdt_limit == LINUX_GDT_LIMIT);
	CHECK(out->version == version && version >= LINUX_MIN_VERSION);
	CHECK(out->xloadflags == h.xloadflags);
	CHECK(out->ram_needed == 0);
	CHECK(m->klo >= LINUX_KERNEL_MIN && m->khi <= FOUR_GIB);

	check_zero_page(in, m);
	CHECK(strcmp((char *)ram + LINUX_CMDLINE_GPA,
		     in->cmdline ? in->cmdline : "") == 0);
	for (unsigned i = 0; i < 8; i++) {
		gdt[i] = gdt[8 + i] = 0;
		gdt[16 + i] = (uint8_t)(LINUX_GDT_CODE >> (8 * i));
		gdt[24 + i] = (uint8_t)(LINUX_GDT_DATA >> (8 * i));
	}
	CHECK(memcmp(ram + LINUX_GDT_GPA, gdt, sizeof(gdt)) == 0);
	CHECK(memcmp(ram + m->klo, in->kernel + pm_off, pm_len) == 0);
	CHECK(all_zero(ram + m->klo + pm_len, h.init_size - pm_len));
	if (in->initrd_len)
		CHECK(memcmp(ram + m->ilo, in->initrd, in->initrd_len) == 0);
}

/* One linux_load with RAM of ram_size bytes, checked against the model.
 * Returns the model (for the ram_needed follow-up). */
static struct model run(const struct linux_load_in *in, uint64_t ram_size,
			bool header_ok, uint16_t version)
{
	const struct linux_setup_header h =
	    read_hdr(in->kernel, in->kernel_len);
	struct model m = predict(&h, header_ok, in, ram_size);
	struct guest_mem mem = {ram, ram_size};
	struct linux_load_out out, untouched;
	const char *why = NULL;
	int r;

	/* What only a successful load may write stays accessible. */
	ASAN_POISON_MEMORY_REGION(ram, RAM_CAP);
	if (m.ok) {
		ASAN_UNPOISON_MEMORY_REGION(ram + LINUX_LOW_START,
					    LINUX_LOW_END - LINUX_LOW_START);
		ASAN_UNPOISON_MEMORY_REGION(ram + m.klo, m.khi - m.klo);
		ASAN_UNPOISON_MEMORY_REGION(ram + m.ilo, m.ihi - m.ilo);
	}
	memset(&out, 0xA5, sizeof(out));
	r = linux_load(&mem, in, &out, &why);
	ASAN_UNPOISON_MEMORY_REGION(ram, RAM_CAP);

	if (r != 0) {
		if (m.ok)
			fprintf(stderr, "unexpected failure: %s\n",
				why ? why : "(none)");
		CHECK(!m.ok);
		CHECK(why != NULL && why[0] != '\0');
		CHECK((strcmp(why, LINUX_ERR_RAM_TOO_SMALL) == 0) ==
		      m.too_small);
		CHECK(out.ram_needed == (m.too_small ? m.need : 0));
		CHECK(!m.too_small || m.need > ram_size);
		memset(&untouched, 0xA5, sizeof(untouched));
		untouched.ram_needed = out.ram_needed;
		CHECK(memcmp(&out, &untouched, sizeof(out)) == 0);
		return m;
	}
	if (!m.ok)
		fprintf(stderr, "unexpected success\n");
	CHECK(m.ok);
	check_loaded(in, &out, &m, version);
	return m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ram = calloc(1, RAM_CAP);
	src = malloc(RAM_CAP);
	cmd_pool = malloc(CMD_POOL);
	CHECK(ram && src && cmd_pool);
	fill_pattern(src, RAM_CAP, 151);
	fill_letters(cmd_pool, CMD_POOL, 'a');
	for (unsigned i = 0; i < BH_ARRAY_SIZE(e820); i++)
		e820[i] = (struct mm_entry){(uint64_t)i << 21, 0x1000u + i,
					    1u + i % 4};
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};
	struct linux_load_in in;
	unsigned flags;
	uint64_t ram_size;
	size_t clen;
	uint16_t version = 0, pversion = 0;
	const char *why = NULL;
	struct model m;
	bool header_ok;

	if (size < PREFIX)
		return 0;
	flags = (unsigned)take(&rd, 1);
	ram_size = take(&rd, 4) % (RAM_CAP + 1);
	memset(&in, 0, sizeof(in));
	in.initrd_len = take(&rd, 3) % (RAM_CAP + 1);
	in.initrd =
	    flags & F_INITRD_NULL ? NULL : src + (RAM_CAP - in.initrd_len);
	clen = take(&rd, 3) % CMD_POOL;
	in.cmdline =
	    flags & F_CMDLINE_NULL ? NULL : cmd_pool + (CMD_POOL - 1 - clen);
	in.ne820 = (unsigned)take(&rd, 1) % (LINUX_E820_MAX + 2);
	in.e820 = flags & F_E820_NULL ? NULL
				      : e820 + (BH_ARRAY_SIZE(e820) - in.ne820);
	in.rsdp_gpa = take(&rd, 8);
	in.kernel = rd.p;
	in.kernel_len = rd.n;

	/* linux_probe: the header check linux_load relies on. */
	header_ok = linux_probe(in.kernel, in.kernel_len, &version, &why) == 0;
	if (!header_ok)
		CHECK(why != NULL && why[0] != '\0');
	if (header_ok || version)
		CHECK(in.kernel_len >= 0x206 &&
		      memcmp(in.kernel + 0x202, "HdrS", 4) == 0);
	CHECK(linux_probe(in.kernel, in.kernel_len, &pversion, NULL) ==
	      (header_ok ? 0 : -1));
	CHECK(pversion == version);
	if (header_ok) {
		CHECK(version >= LINUX_MIN_VERSION);
		CHECK(image_detect(in.kernel, in.kernel_len) == IMAGE_BZIMAGE ||
		      memcmp(in.kernel, elf_magic, 4) == 0);
	}

	m = run(&in, ram_size, header_ok, version);
	/* ram_needed is the least RAM the kernel fits in. */
	if (m.too_small && m.need <= RAM_CAP) {
		struct model again = run(&in, m.need, header_ok, version);

		CHECK(!again.too_small);
		again = run(&in, m.need - 1, header_ok, version);
		CHECK(again.too_small);
	}
	return 0;
}
