/* Unit tests for hv/linux_boot.c: load synthetic bzImages into a guest
 * buffer and read the zero page, command line, GDT, kernel and initrd back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "hv/load/linux_boot.h"
#include "hv/load/memmap.h"
#include "tests/unit/test_util.h"

#define RAM_SIZE (32u << 20)
#define IMG_CAP	 0x8000u
#define PM_LEN	 0x2345u /* protected-mode payload bytes */
#define MIB	 0x100000ull

static uint8_t ram[RAM_SIZE];
static uint8_t img[IMG_CAP];
static uint8_t initrd[16u << 20];
static char long_cmdline[LINUX_CMDLINE_MAX + 1];

/* ---- synthetic bzImage -------------------------------------------------- */

struct kspec {
	uint8_t setup_sects;
	uint8_t jump; /* displacement byte at 0x201 */
	uint16_t boot_flag;
	uint32_t magic;
	uint16_t version;
	uint8_t loadflags;
	uint8_t relocatable;
	uint32_t kernel_alignment;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t cmdline_size;
	uint32_t initrd_addr_max;
	uint16_t xloadflags;
	size_t pm_len;
};

/* A Debian-like 64-bit kernel: protocol 2.15, relocatable, 2 MiB aligned,
 * prefers 16 MiB, needs 4 MiB. */
static struct kspec good_spec(void)
{
	return (struct kspec){
	    .setup_sects = 1,
	    .jump = 0x6A, /* header ends at 0x26C */
	    .boot_flag = LINUX_BOOT_FLAG,
	    .magic = LINUX_HDRS_MAGIC,
	    .version = 0x020F,
	    .loadflags = LINUX_LOADED_HIGH,
	    .relocatable = 1,
	    .kernel_alignment = 0x200000,
	    .pref_address = 0x1000000,
	    .init_size = 0x400000,
	    .cmdline_size = 2047,
	    .initrd_addr_max = 0x7FFFFFFF,
	    .xloadflags =
		LINUX_XLF_KERNEL_64 | LINUX_XLF_CAN_BE_LOADED_ABOVE_4G,
	    .pm_len = PM_LEN,
	};
}

static uint8_t pm_byte(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static size_t pm_off(const struct kspec *s)
{
	return ((s->setup_sects ? s->setup_sects : 4u) + 1u) * 512u;
}

/* Builds the image into img[] and returns its length. Loader-owned fields
 * and the bytes around the header carry junk the loader must not pass on. */
static size_t build(const struct kspec *s)
{
	size_t off = pm_off(s);

	memset(img, 0x5C, sizeof(img)); /* setup code, junk */
	img[0x1EF] = 0xFF;		/* would be a nonzero sentinel */
	img[0x1F1] = s->setup_sects;
	wr16(img + 0x1F2, 1);	   /* root_flags */
	wr32(img + 0x1F4, 0x0234); /* syssize */
	wr16(img + 0x1FA, 0xFFFF); /* vid_mode */
	wr16(img + 0x1FC, 0x0801); /* root_dev */
	wr16(img + 0x1FE, s->boot_flag);
	img[0x200] = 0xEB;
	img[0x201] = s->jump;
	wr32(img + 0x202, s->magic);
	wr16(img + 0x206, s->version);
	wr16(img + 0x20E, 0x3A00); /* kernel_version */
	img[0x210] = 0x42;	   /* type_of_loader */
	img[0x211] = (uint8_t)(s->loadflags | LINUX_QUIET_FLAG |
			       LINUX_KEEP_SEGMENTS | LINUX_KASLR_FLAG);
	wr32(img + 0x214, 0x100000);   /* code32_start */
	wr32(img + 0x218, 0x12345678); /* ramdisk_image */
	wr32(img + 0x21C, 0x9ABC);     /* ramdisk_size */
	wr16(img + 0x224, 0x1234);     /* heap_end_ptr */
	img[0x226] = 7;		       /* ext_loader_ver */
	img[0x227] = 8;		       /* ext_loader_type */
	wr32(img + 0x228, 0xDEAD0000); /* cmd_line_ptr */
	wr32(img + 0x22C, s->initrd_addr_max);
	wr32(img + 0x230, s->kernel_alignment);
	img[0x234] = s->relocatable;
	img[0x235] = 21; /* min_alignment */
	wr16(img + 0x236, s->xloadflags);
	wr32(img + 0x238, s->cmdline_size);
	wr32(img + 0x23C, 3);		  /* hardware_subarch */
	wr64(img + 0x240, 0xABCDEF);	  /* hardware_subarch_data */
	wr32(img + 0x248, 0x3A5);	  /* payload_offset */
	wr32(img + 0x24C, 0x1F00);	  /* payload_length */
	wr64(img + 0x250, 0x77777777ull); /* setup_data */
	wr64(img + 0x258, s->pref_address);
	wr32(img + 0x260, s->init_size);
	wr32(img + 0x264, 0x190); /* handover_offset */
	wr32(img + 0x268, 0x100); /* kernel_info_offset */
	memset(img + 0x26C, 0xEE, 0x400 - 0x26C);
	assert_true(off + s->pm_len <= IMG_CAP);
	for (size_t i = 0; i < s->pm_len; i++)
		img[off + i] = pm_byte(i);
	return off + s->pm_len;
}

/* ---- guest memory and loader inputs ------------------------------------ */

static struct mm_entry map[LINUX_E820_MAX + 1];
static unsigned nmap;

static struct guest_mem fresh_mem(uint64_t size)
{
	assert_true(size <= RAM_SIZE);
	memset(ram, 0xCC, sizeof(ram));
	assert_int_equal(memmap_build(size, map, BH_ARRAY_SIZE(map), &nmap), 0);
	return (struct guest_mem){ram, size};
}

static struct linux_load_in make_in(size_t len)
{
	return (struct linux_load_in){
	    .kernel = img,
	    .kernel_len = len,
	    .initrd = initrd,
	    .initrd_len = 0x1800,
	    .cmdline = "console=ttyS0 root=/dev/vda1 quiet",
	    .rsdp_gpa = 0xE0000,
	    .e820 = map,
	    .ne820 = nmap,
	};
}

static struct linux_boot_params read_bp(void)
{
	struct linux_boot_params bp;

	memcpy(&bp, ram + LINUX_BOOT_PARAMS_GPA, sizeof(bp));
	return bp;
}

static const char *guest_str(uint64_t gpa)
{
	return ram_str(ram, RAM_SIZE, gpa);
}

static void assert_ram_untouched(void)
{
	assert_ram_filled(ram, RAM_SIZE, 0xCC);
}

static void assert_pm_loaded(const struct kspec *s, uint64_t at)
{
	for (size_t i = 0; i < s->pm_len; i++)
		if (ram[at + i] != pm_byte(i))
			fail_msg("kernel byte %#zx wrong", i);
	for (size_t i = s->pm_len; i < s->init_size; i++)
		if (ram[at + i] != 0)
			fail_msg("kernel byte %#zx not zeroed", i);
}

/* Runs linux_load expecting an error; checks nothing was written to guest
 * memory nor to *out except ram_needed. Returns ram_needed. */
static uint64_t expect_load_err(struct guest_mem *mem,
				const struct linux_load_in *in,
				const char *reason)
{
	struct linux_load_out out, ref;
	const char *why = NULL;

	memset(&out, 0xA5, sizeof(out));
	ref = out;
	assert_int_equal(linux_load(mem, in, &out, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_ram_untouched();
	ref.ram_needed = out.ram_needed;
	assert_memory_equal(&out, &ref, sizeof(out));
	if (strcmp(reason, LINUX_ERR_RAM_TOO_SMALL) != 0)
		assert_int_equal(out.ram_needed, 0);
	return out.ram_needed;
}

/* A load error that depends on RAM or placement, not the header alone. */
static void expect_spec_err(const struct kspec *s, const char *reason)
{
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in = make_in(build(s));

	expect_load_err(&mem, &in, reason);
	assert_int_equal(linux_probe(img, in.kernel_len, NULL, NULL), 0);
}

/* A header error: linux_probe reports it too. */
static void expect_hdr_err(const struct kspec *s, const char *reason)
{
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in = make_in(build(s));
	uint16_t version = 0x1234;
	const char *why = NULL;

	expect_load_err(&mem, &in, reason);
	assert_int_equal(linux_probe(img, in.kernel_len, &version, &why), -1);
	assert_string_equal(why, reason);
	/* The version is only reported once "HdrS" was seen. */
	if (s->magic == LINUX_HDRS_MAGIC && s->boot_flag == LINUX_BOOT_FLAG)
		assert_int_equal(version, s->version);
	else
		assert_int_equal(version, 0x1234);
}

static void load_ok(struct guest_mem *mem, const struct linux_load_in *in,
		    struct linux_load_out *out)
{
	const char *why = NULL;

	memset(out, 0xA5, sizeof(*out));
	if (linux_load(mem, in, out, &why) != 0)
		fail_msg("linux_load failed: %s", why);
	assert_int_equal(out->ram_needed, 0);
}

/* ---- good loads ----------------------------------------------------------
 */

static void test_good_pref(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in = make_in(build(&s));
	struct linux_load_out out;
	struct linux_boot_params bp;
	const struct linux_setup_header *h = &bp.hdr;

	(void)state;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.entry32, 0x1000000);
	assert_int_equal(out.boot_params, LINUX_BOOT_PARAMS_GPA);
	assert_int_equal(out.boot_params, 0x10000);
	assert_int_equal(out.gdt_gpa, 0x11000);
	assert_int_equal(out.gdt_limit, 31);
	assert_int_equal(out.version, 0x020F);
	assert_int_equal(out.xloadflags, 3);
	assert_int_equal(out.kernel_lo, 0x1000000);
	assert_int_equal(out.kernel_hi, 0x1400000);
	/* Highest 4 KiB-aligned spot below the end of RAM. */
	assert_int_equal(out.initrd_lo, RAM_SIZE - 0x2000);
	assert_int_equal(out.initrd_hi, RAM_SIZE - 0x2000 + 0x1800);

	/* Kernel and initrd contents; nothing around them touched. */
	assert_pm_loaded(&s, out.kernel_lo);
	assert_int_equal(ram[out.kernel_lo - 1], 0xCC);
	assert_int_equal(ram[out.kernel_hi], 0xCC);
	assert_memory_equal(ram + out.initrd_lo, initrd, 0x1800);
	assert_int_equal(ram[out.initrd_lo - 1], 0xCC);
	assert_int_equal(ram[out.initrd_hi], 0xCC);
	assert_int_equal(ram[RAM_SIZE - 1], 0xCC);
	/* The setup code is not loaded anywhere; low memory outside the
	 * window is untouched, the window is zeroed. */
	assert_int_equal(ram[0], 0xCC);
	assert_int_equal(ram[0x7000], 0xCC);
	assert_int_equal(ram[LINUX_LOW_START - 1], 0xCC);
	assert_int_equal(ram[LINUX_LOW_END], 0xCC);
	assert_int_equal(ram[0xFFFFF], 0xCC);
	assert_int_equal(ram[LINUX_LOW_END - 1], 0);
	assert_int_equal(ram[0x11020], 0);

	bp = read_bp();
	/* Loader-written fields. */
	assert_int_equal(h->type_of_loader, 0xFF);
	assert_int_equal(h->loadflags, LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
	assert_int_equal(h->heap_end_ptr, 0xFE00);
	assert_int_equal(h->ext_loader_ver, 0);
	assert_int_equal(h->ext_loader_type, 0);
	assert_int_equal(h->code32_start, 0x1000000);
	assert_int_equal(h->cmd_line_ptr, LINUX_CMDLINE_GPA);
	assert_int_equal(bp.ext_cmd_line_ptr, 0);
	assert_string_equal(guest_str(h->cmd_line_ptr), in.cmdline);
	assert_int_equal(h->ramdisk_image, out.initrd_lo);
	assert_int_equal(h->ramdisk_size, 0x1800);
	assert_int_equal(bp.ext_ramdisk_image, 0);
	assert_int_equal(bp.ext_ramdisk_size, 0);
	assert_int_equal(h->setup_data, 0);
	assert_int_equal(h->hardware_subarch, 0);
	assert_int_equal(h->hardware_subarch_data, 0);
	assert_int_equal(bp.acpi_rsdp_addr, 0xE0000);
	assert_int_equal(rd64(ram + LINUX_BOOT_PARAMS_GPA + 0x70), 0xE0000);
	/* Kernel-owned fields copied from the image. */
	assert_int_equal(h->setup_sects, 1);
	assert_int_equal(h->root_flags, 1);
	assert_int_equal(h->syssize, 0x234);
	assert_int_equal(h->vid_mode, 0xFFFF);
	assert_int_equal(h->root_dev, 0x0801);
	assert_int_equal(h->boot_flag, 0xAA55);
	assert_int_equal(h->jump, 0x6AEB);
	assert_int_equal(h->header, LINUX_HDRS_MAGIC);
	assert_int_equal(h->version, 0x020F);
	assert_int_equal(h->kernel_version, 0x3A00);
	assert_int_equal(h->initrd_addr_max, 0x7FFFFFFF);
	assert_int_equal(h->kernel_alignment, 0x200000);
	assert_int_equal(h->relocatable_kernel, 1);
	assert_int_equal(h->min_alignment, 21);
	assert_int_equal(h->xloadflags, 3);
	assert_int_equal(h->cmdline_size, 2047);
	assert_int_equal(h->payload_offset, 0x3A5);
	assert_int_equal(h->payload_length, 0x1F00);
	assert_int_equal(h->pref_address, 0x1000000);
	assert_int_equal(h->init_size, 0x400000);
	assert_int_equal(h->handover_offset, 0x190);
	assert_int_equal(h->kernel_info_offset, 0x100);
	/* Nothing outside the header comes from the image. */
	assert_int_equal(bp.sentinel, 0);
	assert_int_equal(bp.pad_1f0, 0);
	for (size_t i = 0; i < sizeof(bp.pad_26c); i++)
		assert_int_equal(bp.pad_26c[i], 0);
	for (size_t i = 0; i < sizeof(bp.screen_info); i++)
		assert_int_equal(bp.screen_info[i], 0);

	/* e820: a copy of the caller's map. */
	assert_int_equal(bp.e820_entries, nmap);
	assert_int_equal(nmap, 4);
	for (unsigned i = 0; i < nmap; i++) {
		assert_int_equal(bp.e820_table[i].addr, map[i].addr);
		assert_int_equal(bp.e820_table[i].size, map[i].len);
		assert_int_equal(bp.e820_table[i].type, map[i].type);
	}
	assert_int_equal(bp.e820_table[3].addr, 0x100000);
	assert_int_equal(bp.e820_table[3].size, RAM_SIZE - 0x100000);
	assert_int_equal(bp.e820_table[3].type, 1);
	/* Raw offsets: entry 1 at 0x2D0 + 20. */
	assert_int_equal(rd64(ram + LINUX_BOOT_PARAMS_GPA + 0x2D0 + 20),
			 0x9FC00);
	assert_int_equal(ram[LINUX_BOOT_PARAMS_GPA + 0x1E8], 4);
	assert_int_equal(bp.e820_table[4].addr, 0);
}

static void test_gdt(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in = make_in(build(&s));
	struct linux_load_out out;
	static const uint8_t want[32] = {
	    0,	  0,	0, 0, 0, 0,    0,    0,	   /* null */
	    0,	  0,	0, 0, 0, 0,    0,    0,	   /* null */
	    0xFF, 0xFF, 0, 0, 0, 0x9A, 0xCF, 0x00, /* 0x10 code */
	    0xFF, 0xFF, 0, 0, 0, 0x92, 0xCF, 0x00, /* 0x18 data */
	};

	(void)state;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.gdt_limit + 1, sizeof(want));
	assert_memory_equal(ram + out.gdt_gpa, want, sizeof(want));
	assert_int_equal(rd64(ram + out.gdt_gpa + LINUX_BOOT_CS),
			 0x00CF9A000000FFFFull);
	assert_int_equal(rd64(ram + out.gdt_gpa + LINUX_BOOT_DS),
			 0x00CF92000000FFFFull);
	/* Everything lives in the window, clear of the AP trampoline. */
	assert_true(out.gdt_gpa >= LINUX_LOW_START &&
		    out.gdt_gpa + out.gdt_limit < LINUX_LOW_END);
	assert_true(out.boot_params >= 0x8000 &&
		    out.boot_params + 4096 <= LINUX_GDT_GPA);
	assert_true(LINUX_LOW_END <= 0x9F000);
}

static void test_probe(void **state)
{
	struct kspec s = good_spec();
	size_t len = build(&s);
	uint16_t version = 0;
	const char *why = NULL;

	(void)state;
	assert_int_equal(linux_probe(img, len, &version, &why), 0);
	assert_int_equal(version, 0x020F);
	assert_int_equal(linux_probe(img, len, NULL, NULL), 0);
	/* A version is reported even when it is refused. */
	s.version = 0x0204;
	len = build(&s);
	version = 0;
	assert_int_equal(linux_probe(img, len, &version, &why), -1);
	assert_int_equal(version, 0x0204);
	assert_int_equal(linux_probe(img, len, NULL, NULL), -1);
	/* ... but not without the magic. */
	s.magic = 0x53726447;
	len = build(&s);
	version = 0x1111;
	assert_int_equal(linux_probe(img, len, &version, &why), -1);
	assert_int_equal(version, 0x1111);
	assert_int_equal(linux_probe(NULL, len, &version, &why), -1);
	assert_string_equal(why, "bad arguments");
	/* Agrees with image_detect on a good image. */
	s = good_spec();
	len = build(&s);
	assert_int_equal(image_detect(img, len), IMAGE_BZIMAGE);
}

static void test_no_initrd_no_cmdline(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in = make_in(build(&s));
	struct linux_load_out out;
	struct linux_boot_params bp;

	(void)state;
	in.initrd = NULL;
	in.initrd_len = 0;
	in.cmdline = NULL;
	in.rsdp_gpa = 0;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.initrd_lo, 0);
	assert_int_equal(out.initrd_hi, 0);
	bp = read_bp();
	assert_int_equal(bp.hdr.ramdisk_image, 0);
	assert_int_equal(bp.hdr.ramdisk_size, 0);
	assert_int_equal(bp.acpi_rsdp_addr, 0);
	assert_int_equal(bp.hdr.cmd_line_ptr, LINUX_CMDLINE_GPA);
	assert_string_equal(guest_str(bp.hdr.cmd_line_ptr), "");
	assert_int_equal(ram[RAM_SIZE - 1], 0xCC);

	/* An initrd pointer with length 0 is no initrd either. */
	mem = fresh_mem(RAM_SIZE);
	in.initrd = initrd;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.initrd_lo, 0);
	assert_int_equal(read_bp().hdr.ramdisk_image, 0);
}

/* The minimal RAM the kernel reports as needed is enough. */
static void test_relocate(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(16 * MIB);
	struct linux_load_in in = make_in(build(&s));
	struct linux_load_out out;

	(void)state;
	/* 16 MiB + 4 MiB does not fit in 16 MiB: lowest 2 MiB-aligned
	 * address >= 1 MiB. */
	load_ok(&mem, &in, &out);
	assert_int_equal(out.entry32, 0x200000);
	assert_int_equal(out.kernel_lo, 0x200000);
	assert_int_equal(out.kernel_hi, 0x600000);
	assert_int_equal(read_bp().hdr.code32_start, 0x200000);
	assert_pm_loaded(&s, 0x200000);
	assert_int_equal(ram[0x1FFFFF], 0xCC);
	assert_int_equal(out.initrd_lo, 16 * MIB - 0x2000);

	/* Exactly enough RAM. */
	mem = fresh_mem(0x600000);
	in = make_in(in.kernel_len);
	in.initrd_len = 0;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x200000);

	/* 4 KiB alignment: right at 1 MiB. */
	s.kernel_alignment = 0x1000;
	mem = fresh_mem(16 * MIB);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x100000);
	assert_pm_loaded(&s, 0x100000);

	/* pref_address below 1 MiB is not used. */
	s = good_spec();
	s.pref_address = 0x90000;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x200000);
	assert_int_equal(ram[0x90000], 0xCC);

	/* pref_address 0 means 1 MiB (loaded there if it fits). */
	s.pref_address = 0;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x100000);

	/* pref_address near the top of the address space. */
	s.pref_address = 0xFFFFFFFFFFFFF000ull;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x200000);
}

static void test_setup_sects_zero(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in;
	struct linux_load_out out;

	(void)state;
	s.setup_sects = 0; /* means 4: payload at 0xA00 */
	in = make_in(build(&s));
	assert_int_equal(in.kernel_len, 0xA00 + PM_LEN);
	load_ok(&mem, &in, &out);
	assert_pm_loaded(&s, out.kernel_lo);
	assert_int_equal(read_bp().hdr.setup_sects, 0);

	/* A big setup area, and a one-byte payload. */
	s.setup_sects = 0x30;
	s.pm_len = 1;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	assert_int_equal(in.kernel_len, 0x31 * 512 + 1);
	load_ok(&mem, &in, &out);
	assert_pm_loaded(&s, out.kernel_lo);
}

static void test_nonrelocatable(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem;
	struct linux_load_in in;
	struct linux_load_out out;

	(void)state;
	s.relocatable = 0;
	s.kernel_alignment = 0; /* unused when not relocatable */

	/* Fits at pref_address. */
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x1000000);

	/* Does not fit: needs pref_address + init_size. */
	mem = fresh_mem(16 * MIB);
	in = make_in(in.kernel_len);
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x1400000);
	mem = fresh_mem(0x1400000 - 1);
	in = make_in(in.kernel_len);
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x1400000);
	mem = fresh_mem(0x1400000);
	in = make_in(in.kernel_len);
	in.initrd_len = 0;
	load_ok(&mem, &in, &out);

	/* pref_address 0 means 1 MiB. */
	s.pref_address = 0;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x100000);

	/* Below 1 MiB or above 4 GiB: never. */
	s.pref_address = 0x80000;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	expect_load_err(&mem, &in,
			"non-relocatable kernel wants to load below 1 MiB");
	s.pref_address = 0xFFFFF000;
	in = make_in(build(&s));
	expect_load_err(&mem, &in,
			"non-relocatable kernel wants to load above 4 GiB");
	s.pref_address = 0xFFFFFFFFFFFFF000ull; /* overflows */
	in = make_in(build(&s));
	expect_load_err(&mem, &in,
			"non-relocatable kernel wants to load above 4 GiB");
}

static void test_ram_too_small(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(0x600000 - 1);
	struct linux_load_in in = make_in(build(&s));

	(void)state;
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x600000);
	/* Below 1 MiB of RAM (no memory map needed to fail). */
	mem.size = 0x80000;
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x600000);
	mem.size = 0;
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x600000);

	/* Huge alignment and no usable pref_address: the needed RAM follows
	 * the alignment. */
	s.kernel_alignment = 0x10000000;
	s.pref_address = 0x90000;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x10400000);
	/* With a usable pref_address, less RAM would do. */
	s.pref_address = 0x1000000;
	mem = fresh_mem(16 * MIB);
	in = make_in(build(&s));
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x1400000);
	/* ... unless pref_address would fit in less. */
	s.init_size = 0x7FFFFFFF;
	s.kernel_alignment = 0x80000000;
	in = make_in(build(&s));
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x1000000ull + 0x7FFFFFFF);
	s.kernel_alignment = 0x200000;
	in = make_in(build(&s));
	assert_int_equal(expect_load_err(&mem, &in, LINUX_ERR_RAM_TOO_SMALL),
			 0x200000ull + 0x7FFFFFFF);
}

static void test_init_size_huge(void **state)
{
	struct kspec s = good_spec();

	(void)state;
	s.init_size = 0xFFFFFFFF;
	expect_spec_err(&s, "kernel init_size does not fit below 4 GiB");
	s.init_size = 0xFFE00000; /* 2 MiB + this is exactly 4 GiB */
	expect_spec_err(&s, LINUX_ERR_RAM_TOO_SMALL);
	s.init_size = 0xFFE00001;
	expect_spec_err(&s, "kernel init_size does not fit below 4 GiB");
	s.relocatable = 0;
	expect_spec_err(&s, "non-relocatable kernel wants to load above 4 GiB");
	s.init_size = PM_LEN - 1;
	expect_hdr_err(&s, "init_size smaller than the protected-mode kernel");
	s.relocatable = 1;
	s.init_size = 0;
	expect_hdr_err(&s, "init_size smaller than the protected-mode kernel");
	s.init_size = PM_LEN; /* exactly the payload: fine */
	{
		struct guest_mem mem = fresh_mem(RAM_SIZE);
		struct linux_load_in in = make_in(build(&s));
		struct linux_load_out out;

		load_ok(&mem, &in, &out);
		assert_int_equal(out.kernel_hi - out.kernel_lo, PM_LEN);
		assert_int_equal(ram[out.kernel_hi], 0xCC);
	}
}

/* ---- header errors -------------------------------------------------------
 */

static void test_short_file(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in = make_in(build(&s));
	const char *why = NULL;

	(void)state;
	in.kernel_len = 0x267;
	expect_load_err(&mem, &in, "image too short for a Linux setup header");
	in.kernel_len = 0;
	expect_load_err(&mem, &in, "image too short for a Linux setup header");
	assert_int_equal(linux_probe(img, 0x267, NULL, &why), -1);
	assert_string_equal(why, "image too short for a Linux setup header");
	/* Header complete but no payload. */
	in.kernel_len = 0x400;
	expect_load_err(&mem, &in,
			"protected-mode kernel missing (setup_sects past end "
			"of file)");
	in.kernel_len = 0x268;
	expect_load_err(&mem, &in,
			"protected-mode kernel missing (setup_sects past end "
			"of file)");
	/* One payload byte: fine. */
	s.init_size = 1;
	in.kernel_len = build(&s) - PM_LEN + 1;
	{
		struct linux_load_out out;

		load_ok(&mem, &in, &out);
		assert_int_equal(ram[out.kernel_lo], pm_byte(0));
	}
}

static void test_bad_boot_flag(void **state)
{
	struct kspec s = good_spec();

	(void)state;
	s.boot_flag = 0x55AA;
	expect_hdr_err(&s, "bad boot flag (no 0xAA55 at 0x1FE)");
	s.boot_flag = 0;
	expect_hdr_err(&s, "bad boot flag (no 0xAA55 at 0x1FE)");
}

static void test_bad_magic(void **state)
{
	struct kspec s = good_spec();

	(void)state;
	s.magic = 0x48647253; /* "SrdH" */
	expect_hdr_err(&s, "no \"HdrS\" magic at 0x202 (not a bzImage)");
}

static void test_old_version(void **state)
{
	struct kspec s = good_spec();
	const char *reason = "boot protocol older than 2.12 (Linux 3.8) is "
			     "not supported";
	struct guest_mem mem;
	struct linux_load_in in;
	struct linux_load_out out;

	(void)state;
	s.version = 0x020B;
	expect_hdr_err(&s, reason);
	s.version = 0x0100;
	expect_hdr_err(&s, reason);
	s.version = 0x020C; /* the oldest accepted */
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	assert_int_equal(out.version, 0x020C);
	s.version = 0x0300; /* future versions are backward compatible */
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
}

static void test_header_length(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem;
	struct linux_load_in in;
	struct linux_load_out out;
	struct linux_boot_params bp;

	(void)state;
	s.jump = 0x65; /* ends at 0x267: no room for handover_offset */
	expect_hdr_err(&s, "setup header shorter than protocol 2.12 requires");
	s.jump = 0;
	expect_hdr_err(&s, "setup header shorter than protocol 2.12 requires");

	/* A 2.12 header (ends at 0x268): kernel_info_offset not copied. */
	s.jump = 0x66;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	bp = read_bp();
	assert_int_equal(bp.hdr.handover_offset, 0x190);
	assert_int_equal(bp.hdr.kernel_info_offset, 0);

	/* A jump past the room in the zero page is capped at 0x290. */
	s.jump = 0xFF;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	bp = read_bp();
	assert_int_equal(bp.hdr.kernel_info_offset, 0x100);
	assert_int_equal(bp.pad_26c[0], 0xEE);
	assert_int_equal(bp.pad_26c[0x290 - 0x26C - 1], 0xEE);
	assert_int_equal(bp.pad_26c[0x290 - 0x26C], 0);
	assert_int_equal(ram[LINUX_BOOT_PARAMS_GPA + 0x290], 0);
}

static void test_loaded_high_clear(void **state)
{
	struct kspec s = good_spec();

	(void)state;
	s.loadflags = 0;
	expect_hdr_err(&s, "kernel does not load high (LOADED_HIGH clear): "
			   "zImage not supported");
}

static void test_setup_sects_past_eof(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in;
	const char *reason = "protected-mode kernel missing (setup_sects past "
			     "end of file)";

	(void)state;
	in = make_in(build(&s));
	img[0x1F1] = 0xFF; /* payload would start at 0x20000 */
	expect_load_err(&mem, &in, reason);
	/* Payload would start exactly at the end of the file. */
	img[0x1F1] = 0x12;
	in.kernel_len = 0x13 * 512;
	expect_load_err(&mem, &in, reason);
	/* One byte more and it loads. */
	in.kernel_len++;
	{
		struct linux_load_out out;

		load_ok(&mem, &in, &out);
		assert_int_equal(ram[out.kernel_lo], img[0x2600]);
		assert_int_equal(ram[out.kernel_lo + 1], 0);
	}
}

static void test_bad_alignment(void **state)
{
	struct kspec s = good_spec();

	(void)state;
	s.kernel_alignment = 0;
	expect_hdr_err(&s, "kernel_alignment is not a power of two");
	s.kernel_alignment = 0x300000;
	expect_hdr_err(&s, "kernel_alignment is not a power of two");
	s.kernel_alignment = 0xFFFFFFFF;
	expect_hdr_err(&s, "kernel_alignment is not a power of two");
}

/* ---- command line ------------------------------------------------------- */

static void test_cmdline_limits(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem;
	struct linux_load_in in;
	struct linux_load_out out;

	(void)state;
	/* Exactly cmdline_size characters (without the NUL): fine. */
	s.cmdline_size = 13;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	in.cmdline = "console=ttyS0";
	load_ok(&mem, &in, &out);
	assert_string_equal(guest_str(read_bp().hdr.cmd_line_ptr),
			    "console=ttyS0");
	/* One more: refused. */
	mem = fresh_mem(RAM_SIZE);
	in.cmdline = "console=ttyS0 ";
	expect_load_err(&mem, &in,
			"command line longer than the kernel's cmdline_size");
	s.cmdline_size = 0;
	in = make_in(build(&s));
	in.cmdline = "x";
	expect_load_err(&mem, &in,
			"command line longer than the kernel's cmdline_size");
	in.cmdline = "";
	load_ok(&mem, &in, &out);

	/* The loader's own slot: 64 KiB including the NUL. */
	s.cmdline_size = 0xFFFFFFFF;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	memset(long_cmdline, 'a', LINUX_CMDLINE_MAX);
	long_cmdline[LINUX_CMDLINE_MAX] = 0;
	in.cmdline = long_cmdline;
	expect_load_err(&mem, &in, "command line too long");
	long_cmdline[LINUX_CMDLINE_MAX - 1] = 0;
	load_ok(&mem, &in, &out);
	assert_string_equal(guest_str(LINUX_CMDLINE_GPA), long_cmdline);
	assert_int_equal(ram[LINUX_LOW_END - 1], 0);
	assert_int_equal(ram[LINUX_LOW_END], 0xCC);
}

/* ---- initrd ------------------------------------------------------------- */

static void test_initrd_placement(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem;
	struct linux_load_in in;
	struct linux_load_out out;

	(void)state;
	/* initrd_addr_max below the end of RAM: the initrd ends at or below
	 * initrd_addr_max + 1, which here is where the kernel starts. */
	s.initrd_addr_max = 0x1000FFF;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x1000000);
	assert_int_equal(out.initrd_lo, 0x1000000 - 0x2000);
	assert_true(out.initrd_hi - 1 <= s.initrd_addr_max);
	assert_true(out.initrd_hi <= out.kernel_lo);
	assert_memory_equal(ram + out.initrd_lo, initrd, 0x1800);

	/* Unaligned initrd_addr_max, clear of the kernel. */
	s.initrd_addr_max = 0xFFF7FF;
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	in.initrd_len = 0x1000;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.initrd_lo, 0xFFE000);
	assert_int_equal(out.initrd_hi, 0xFFF000);

	/* Not enough room above the kernel: goes below it. */
	s = good_spec();
	mem = fresh_mem(0x1400000 + 0x1000);
	in = make_in(build(&s));
	in.initrd_len = 0x3000;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x1000000);
	assert_int_equal(out.initrd_lo, 0x1000000 - 0x3000);
	assert_int_equal(out.initrd_hi, 0x1000000);
	assert_int_equal(read_bp().hdr.ramdisk_image, 0x1000000 - 0x3000);
	assert_int_equal(read_bp().hdr.ramdisk_size, 0x3000);
	assert_memory_equal(ram + out.initrd_lo, initrd, 0x3000);
	assert_pm_loaded(&s, out.kernel_lo);

	/* Exactly fits above the kernel. */
	mem = fresh_mem(0x1400000 + 0x3000);
	in = make_in(in.kernel_len);
	in.initrd_len = 0x3000;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.initrd_lo, 0x1400000);
	assert_memory_equal(ram + out.initrd_lo, initrd, 0x3000);
}

static void test_initrd_errors(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem;
	struct linux_load_in in;

	(void)state;
	/* Bigger than all RAM. */
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	in.initrd_len = RAM_SIZE + 1;
	expect_load_err(&mem, &in, "initrd does not fit in partition RAM");
	in.initrd_len = SIZE_MAX;
	expect_load_err(&mem, &in, "initrd does not fit in partition RAM");
	/* Fits neither above nor below the kernel (relocated to 2 MiB in
	 * 6 MiB + 4 KiB of RAM: 1 MiB below, 4 KiB above). */
	mem = fresh_mem(0x601000);
	in = make_in(in.kernel_len);
	in.initrd_len = 0x100001;
	expect_load_err(&mem, &in, "initrd does not fit in partition RAM");
	in.initrd_len = 0x100000; /* fits exactly below */
	{
		struct linux_load_out out;

		load_ok(&mem, &in, &out);
		assert_int_equal(out.kernel_lo, 0x200000);
		assert_int_equal(out.initrd_lo, 0x100000);
		assert_int_equal(out.initrd_hi, 0x200000);
	}

	/* initrd_addr_max is the binding limit. */
	s.initrd_addr_max = 0x1FFFFF; /* 2 MiB: 1 MiB above 1 MiB */
	mem = fresh_mem(RAM_SIZE);
	in = make_in(build(&s));
	in.initrd_len = 0x100001;
	expect_load_err(&mem, &in,
			"initrd does not fit below the kernel's "
			"initrd_addr_max");
	s.initrd_addr_max = 0xFFFFF; /* entirely below 1 MiB */
	in = make_in(build(&s));
	in.initrd_len = 1;
	expect_load_err(&mem, &in,
			"initrd does not fit below the kernel's "
			"initrd_addr_max");
	s.initrd_addr_max = 0;
	in = make_in(build(&s));
	expect_load_err(&mem, &in,
			"initrd does not fit below the kernel's "
			"initrd_addr_max");
	/* Kernel occupying [16, 20) MiB, initrd_addr_max inside it: only
	 * [1, 16) MiB is usable. */
	s.initrd_addr_max = 0x12FFFFF;
	in = make_in(build(&s));
	in.initrd_len = 0xF00000;
	{
		struct linux_load_out out;

		load_ok(&mem, &in, &out);
		assert_int_equal(out.initrd_lo, 0x100000);
	}
	mem = fresh_mem(RAM_SIZE);
	in.initrd_len = 0xF00001;
	expect_load_err(&mem, &in,
			"initrd does not fit below the kernel's "
			"initrd_addr_max");
}

/* ---- memory map and arguments ------------------------------------------- */

static void test_e820(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct linux_load_in in = make_in(build(&s));
	struct linux_load_out out;
	struct linux_boot_params bp;

	(void)state;
	in.e820 = NULL;
	expect_load_err(&mem, &in, "no memory map");
	in.e820 = map;
	in.ne820 = 0;
	expect_load_err(&mem, &in, "no memory map");
	for (unsigned i = 0; i < BH_ARRAY_SIZE(map); i++)
		map[i] =
		    (struct mm_entry){i * 0x10000ull, 0x1000 + i, 1 + i % 2};
	in.ne820 = LINUX_E820_MAX + 1;
	expect_load_err(&mem, &in, "memory map has more than 128 entries");
	in.ne820 = LINUX_E820_MAX;
	load_ok(&mem, &in, &out);
	bp = read_bp();
	assert_int_equal(bp.e820_entries, 128);
	for (unsigned i = 0; i < LINUX_E820_MAX; i++) {
		assert_int_equal(bp.e820_table[i].addr, i * 0x10000ull);
		assert_int_equal(bp.e820_table[i].size, 0x1000 + i);
		assert_int_equal(bp.e820_table[i].type, 1 + i % 2);
	}
	/* The last entry ends right before the padding at 0xCD0. */
	assert_int_equal(ram[LINUX_BOOT_PARAMS_GPA + 0xCD0 - 4], 2);
	assert_int_equal(ram[LINUX_BOOT_PARAMS_GPA + 0xCD0], 0);
}

static void test_bad_arguments(void **state)
{
	struct kspec s = good_spec();
	struct guest_mem mem = fresh_mem(RAM_SIZE);
	struct guest_mem nobase = {NULL, RAM_SIZE};
	struct linux_load_in in = make_in(build(&s));
	struct linux_load_out out;
	const char *why = NULL;

	(void)state;
	assert_int_equal(linux_load(NULL, &in, &out, &why), -1);
	assert_string_equal(why, "bad arguments");
	assert_int_equal(linux_load(&nobase, &in, &out, &why), -1);
	assert_string_equal(why, "bad arguments");
	assert_int_equal(linux_load(&mem, NULL, &out, &why), -1);
	assert_string_equal(why, "bad arguments");
	assert_int_equal(linux_load(&mem, &in, NULL, &why), -1);
	assert_string_equal(why, "bad arguments");
	assert_int_equal(linux_load(&mem, &in, NULL, NULL), -1);
	in.kernel = NULL;
	expect_load_err(&mem, &in, "bad arguments");
	in.kernel = img;
	in.initrd = NULL;
	expect_load_err(&mem, &in, "bad arguments");
	assert_ram_untouched();
}

/* RAM above 4 GiB (sparse host mapping): kernel and initrd stay below
 * 4 GiB, the initrd as high as initrd_addr_max allows. */
static void test_ram_above_4g(void **state)
{
	const uint64_t size = 5ull << 30;
	struct kspec s = good_spec();
	struct linux_load_in in;
	struct linux_load_out out;
	struct guest_mem mem;
	struct mm_entry big[MM_MAX_ENTRIES];
	struct linux_boot_params bp;
	unsigned nbig;
	const char *why = NULL;
	void *p;

	(void)state;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	mem = (struct guest_mem){p, size};
	assert_int_equal(memmap_build(size, big, MM_MAX_ENTRIES, &nbig), 0);
	s.initrd_addr_max = 0xFFFFFFFF;
	in = make_in(build(&s));
	in.e820 = big;
	in.ne820 = nbig;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x1000000);
	assert_int_equal(out.initrd_lo, (4ull << 30) - 0x2000);
	assert_memory_equal(mem.base + out.initrd_lo, initrd, 0x1800);
	memcpy(&bp, mem.base + LINUX_BOOT_PARAMS_GPA, sizeof(bp));
	assert_int_equal(bp.e820_entries, 4);
	assert_int_equal(bp.e820_table[3].size, size - 0x100000);
	assert_int_equal(bp.hdr.ramdisk_image, (4ull << 30) - 0x2000);
	assert_int_equal(bp.ext_ramdisk_image, 0);

	/* A non-relocatable kernel preferring an address above 4 GiB. */
	s.relocatable = 0;
	s.pref_address = 4ull << 30;
	in = make_in(build(&s));
	in.e820 = big;
	in.ne820 = nbig;
	assert_int_equal(linux_load(&mem, &in, &out, &why), -1);
	assert_string_equal(why,
			    "non-relocatable kernel wants to load above 4 GiB");
	/* A relocatable one is moved below. */
	s.relocatable = 1;
	in = make_in(build(&s));
	in.e820 = big;
	in.ne820 = nbig;
	load_ok(&mem, &in, &out);
	assert_int_equal(out.kernel_lo, 0x200000);
	assert_int_equal(munmap(p, size), 0);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 5 + 1 + (i >> 12));

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_pref),
	    cmocka_unit_test(test_gdt),
	    cmocka_unit_test(test_probe),
	    cmocka_unit_test(test_no_initrd_no_cmdline),
	    cmocka_unit_test(test_relocate),
	    cmocka_unit_test(test_setup_sects_zero),
	    cmocka_unit_test(test_nonrelocatable),
	    cmocka_unit_test(test_ram_too_small),
	    cmocka_unit_test(test_init_size_huge),
	    cmocka_unit_test(test_short_file),
	    cmocka_unit_test(test_bad_boot_flag),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_old_version),
	    cmocka_unit_test(test_header_length),
	    cmocka_unit_test(test_loaded_high_clear),
	    cmocka_unit_test(test_setup_sects_past_eof),
	    cmocka_unit_test(test_bad_alignment),
	    cmocka_unit_test(test_cmdline_limits),
	    cmocka_unit_test(test_initrd_placement),
	    cmocka_unit_test(test_initrd_errors),
	    cmocka_unit_test(test_e820),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_ram_above_4g),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
