/* Linux x86 boot protocol loader. See linux_boot.h. */
#include "hv/load/linux_boot.h"
#include "hv/lib/binfmt.h"

#define FOUR_GIB (1ull << 32)

_Static_assert(LINUX_BOOT_PARAMS_GPA >= LINUX_LOW_START &&
		   LINUX_BOOT_PARAMS_GPA + sizeof(struct linux_boot_params) <=
		       LINUX_GDT_GPA,
	       "zero page overflows its slot");
_Static_assert(LINUX_GDT_GPA + LINUX_GDT_LIMIT + 1 <= LINUX_CMDLINE_GPA,
	       "GDT overflows its slot");
_Static_assert(LINUX_LOW_END <= MM_EBDA_START && LINUX_LOW_END <= 0x9F000u,
	       "loader window not in usable conventional RAM");
_Static_assert(LINUX_LOW_END <= LINUX_KERNEL_MIN,
	       "kernel and initrd could overlap the loader window");
_Static_assert(LINUX_HDR_MAX_END <= LINUX_BP_OFF(e820_table),
	       "copied setup header would overwrite the e820 table");
_Static_assert(LINUX_HDR_MAX_END <= LINUX_SECTOR_SIZE * 2,
	       "setup header must lie in the first two sectors");

/* What the loader uses from a validated setup header. */
struct linux_hdr {
	struct linux_setup_header raw; /* bytes 0x1F1..0x26C, 0-padded */
	size_t hdr_end;		       /* end of the header to copy */
	size_t pm_off;		       /* protected-mode kernel in the file */
	size_t pm_len;
};

static bool is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int parse_hdr(const uint8_t *img, size_t len, struct linux_hdr *h,
		     uint16_t *version, const char **why)
{
	const struct linux_setup_header *r = &h->raw;
	size_t n, sects;

	if (!img)
		return bh_fail(why, "bad arguments");
	if (len < LINUX_HDR_MIN_END)
		return bh_fail(why, "image too short for a Linux setup header");
	memset(&h->raw, 0, sizeof(h->raw));
	n = len - LINUX_HDR_START;
	if (n > sizeof(h->raw))
		n = sizeof(h->raw);
	memcpy(&h->raw, img + LINUX_HDR_START, n);

	if (r->boot_flag != LINUX_BOOT_FLAG)
		return bh_fail(why, "bad boot flag (no 0xAA55 at 0x1FE)");
	if (r->header != LINUX_HDRS_MAGIC)
		return bh_fail(why,
			       "no \"HdrS\" magic at 0x202 (not a bzImage)");
	if (version)
		*version = r->version;
	if (r->version < LINUX_MIN_VERSION)
		return bh_fail(why, "boot protocol older than 2.12 (Linux 3.8) "
				    "is not supported");
	/* The jump at 0x200 skips the header: it ends at 0x202 + its
	 * displacement byte. */
	h->hdr_end = 0x202u + img[0x201];
	if (h->hdr_end < LINUX_HDR_MIN_END)
		return bh_fail(why, "setup header shorter than protocol 2.12 "
				    "requires");
	if (h->hdr_end > LINUX_HDR_MAX_END)
		h->hdr_end = LINUX_HDR_MAX_END;
	if (!(r->loadflags & LINUX_LOADED_HIGH))
		return bh_fail(why, "kernel does not load high (LOADED_HIGH "
				    "clear): zImage not supported");
	sects = r->setup_sects ? r->setup_sects : LINUX_SETUP_SECTS0;
	h->pm_off = (sects + 1) * LINUX_SECTOR_SIZE;
	if (h->pm_off >= len)
		return bh_fail(why, "protected-mode kernel missing "
				    "(setup_sects past end of file)");
	h->pm_len = len - h->pm_off;
	if (h->pm_len > r->init_size)
		return bh_fail(why, "init_size smaller than the protected-mode "
				    "kernel");
	if (r->relocatable_kernel && !is_pow2(r->kernel_alignment))
		return bh_fail(why, "kernel_alignment is not a power of two");
	return 0;
}

int linux_probe(const uint8_t *img, size_t len, uint16_t *version,
		const char **why)
{
	struct linux_hdr h;

	return parse_hdr(img, len, &h, version, why);
}

/* Chooses the kernel's load address (see linux_boot.h). When the kernel
 * does not fit in RAM, *need is set to the smallest RAM size it fits in. */
static int place_kernel(const struct linux_hdr *h, uint64_t ram, uint64_t *lo,
			uint64_t *need, const char **why)
{
	const struct linux_setup_header *r = &h->raw;
	uint64_t limit = ram < FOUR_GIB ? ram : FOUR_GIB;
	uint64_t pref = r->pref_address ? r->pref_address : LINUX_KERNEL_MIN;
	uint64_t pend, base, bend;
	bool pref_ok;

	pref_ok =
	    pref >= LINUX_KERNEL_MIN &&
	    !__builtin_add_overflow(pref, (uint64_t)r->init_size, &pend) &&
	    pend <= FOUR_GIB;
	if (pref_ok && pend <= limit) {
		*lo = pref;
		return 0;
	}
	if (!r->relocatable_kernel) {
		if (pref < LINUX_KERNEL_MIN)
			return bh_fail(why, "non-relocatable kernel wants to "
					    "load below 1 MiB");
		if (!pref_ok)
			return bh_fail(why, "non-relocatable kernel wants to "
					    "load above 4 GiB");
		*need = pend;
		return bh_fail(why, LINUX_ERR_RAM_TOO_SMALL);
	}
	/* kernel_alignment <= 2^31: neither sum can overflow. */
	base = BH_ALIGN_UP((uint64_t)LINUX_KERNEL_MIN, r->kernel_alignment);
	bend = base + r->init_size;
	if (bend > FOUR_GIB)
		return bh_fail(why,
			       "kernel init_size does not fit below 4 GiB");
	if (bend > ram) {
		*need = pref_ok && pend < bend ? pend : bend;
		return bh_fail(why, LINUX_ERR_RAM_TOO_SMALL);
	}
	*lo = base;
	return 0;
}

/* Highest aligned start for len bytes ending at or below top, at or above
 * LINUX_KERNEL_MIN, outside [klo, khi). Returns false if there is none. */
static bool fit_initrd(uint64_t top, uint64_t len, uint64_t klo, uint64_t khi,
		       uint64_t *start)
{
	uint64_t s;

	if (len > top)
		return false;
	s = (top - len) & ~(uint64_t)(LINUX_INITRD_ALIGN - 1);
	if (s < khi && s + len > klo) {
		if (len > klo)
			return false;
		s = (klo - len) & ~(uint64_t)(LINUX_INITRD_ALIGN - 1);
	}
	if (s < LINUX_KERNEL_MIN)
		return false;
	*start = s;
	return true;
}

static int place_initrd(const struct linux_hdr *h, uint64_t ram, uint64_t len,
			uint64_t klo, uint64_t khi, uint64_t *start,
			const char **why)
{
	uint64_t cap = (uint64_t)h->raw.initrd_addr_max + 1;

	if (cap > FOUR_GIB)
		cap = FOUR_GIB;
	if (fit_initrd(ram < cap ? ram : cap, len, klo, khi, start))
		return 0;
	if (ram > cap)
		return bh_fail(why, "initrd does not fit below the kernel's "
				    "initrd_addr_max");
	return bh_fail(why, "initrd does not fit in partition RAM");
}

static void write_gdt(uint8_t *p)
{
	const uint64_t gdt[LINUX_GDT_ENTRIES] = {0, 0, LINUX_GDT_CODE,
						 LINUX_GDT_DATA};

	for (unsigned i = 0; i < LINUX_GDT_ENTRIES; i++)
		le_wr64(p + i * 8, gdt[i]);
}

int linux_load(struct guest_mem *mem, const struct linux_load_in *in,
	       struct linux_load_out *out, const char **why)
{
	struct linux_hdr h;
	struct linux_boot_params *bp;
	const char *cmdline;
	uint64_t klo = 0, khi, ilo = 0, ihi = 0, need = 0;
	uint16_t version = 0;
	size_t clen;

	if (!mem || !mem->base || !in || !out)
		return bh_fail(why, "bad arguments");
	out->ram_needed = 0;
	if (!in->kernel || (!in->initrd && in->initrd_len))
		return bh_fail(why, "bad arguments");
	if (parse_hdr(in->kernel, in->kernel_len, &h, &version, why) != 0)
		return -1;
	cmdline = in->cmdline ? in->cmdline : "";
	clen = strlen(cmdline);
	if (clen > h.raw.cmdline_size)
		return bh_fail(why, "command line longer than the kernel's "
				    "cmdline_size");
	if (clen >= LINUX_CMDLINE_MAX)
		return bh_fail(why, "command line too long");
	if (!in->e820 || in->ne820 == 0)
		return bh_fail(why, "no memory map");
	if (in->ne820 > LINUX_E820_MAX)
		return bh_fail(why, "memory map has more than 128 entries");
	if (place_kernel(&h, mem->size, &klo, &need, why) != 0) {
		out->ram_needed = need;
		return -1;
	}
	khi = klo + h.raw.init_size;
	if (in->initrd_len) {
		if (place_initrd(&h, mem->size, in->initrd_len, klo, khi, &ilo,
				 why) != 0)
			return -1;
		ihi = ilo + in->initrd_len;
	}

	/* Validated: the window, then the kernel and the initrd. Both lie at
	 * or above 1 MiB, inside RAM, below 4 GiB and do not overlap. */
	memset(mem->base + LINUX_LOW_START, 0, LINUX_LOW_END - LINUX_LOW_START);
	bp = (struct linux_boot_params *)(mem->base + LINUX_BOOT_PARAMS_GPA);
	/* hdr_end <= LINUX_HDR_MAX_END < pm_off < kernel_len: in the file. */
	memcpy(&bp->hdr, in->kernel + LINUX_HDR_START,
	       h.hdr_end - LINUX_HDR_START);
	bp->hdr.type_of_loader = LINUX_LOADER_ID;
	bp->hdr.loadflags = LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = LINUX_HEAP_END;
	bp->hdr.ext_loader_ver = 0;
	bp->hdr.ext_loader_type = 0;
	bp->hdr.code32_start = (uint32_t)klo;
	bp->hdr.cmd_line_ptr = LINUX_CMDLINE_GPA;
	bp->ext_cmd_line_ptr = 0;
	bp->hdr.ramdisk_image = (uint32_t)ilo;
	bp->hdr.ramdisk_size = (uint32_t)in->initrd_len;
	bp->ext_ramdisk_image = (uint32_t)(ilo >> 32);
	bp->ext_ramdisk_size = (uint32_t)((uint64_t)in->initrd_len >> 32);
	bp->hdr.setup_data = 0;
	bp->hdr.hardware_subarch = 0;
	bp->hdr.hardware_subarch_data = 0;
	bp->acpi_rsdp_addr = in->rsdp_gpa;
	bp->e820_entries = (uint8_t)in->ne820;
	for (unsigned i = 0; i < in->ne820; i++) {
		bp->e820_table[i].addr = in->e820[i].addr;
		bp->e820_table[i].size = in->e820[i].len;
		bp->e820_table[i].type = in->e820[i].type;
	}
	memcpy(mem->base + LINUX_CMDLINE_GPA, cmdline, clen + 1);
	write_gdt(mem->base + LINUX_GDT_GPA);

	memcpy(mem->base + klo, in->kernel + h.pm_off, h.pm_len);
	memset(mem->base + klo + h.pm_len, 0, h.raw.init_size - h.pm_len);
	if (in->initrd_len)
		memcpy(mem->base + ilo, in->initrd, in->initrd_len);

	out->entry32 = (uint32_t)klo;
	out->boot_params = LINUX_BOOT_PARAMS_GPA;
	out->gdt_gpa = LINUX_GDT_GPA;
	out->gdt_limit = LINUX_GDT_LIMIT;
	out->version = version;
	out->xloadflags = h.raw.xloadflags;
	out->kernel_lo = klo;
	out->kernel_hi = khi;
	out->initrd_lo = ilo;
	out->initrd_hi = ihi;
	return 0;
}
