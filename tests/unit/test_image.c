/* Unit tests for hv/image.c: image detection, Multiboot ELF / a.out kludge
 * loading and raw real-mode loading, with synthetic images. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/load/image.h"
#include "tests/unit/test_util.h"

#define RAM_SIZE  (4u << 20)
#define IMG_CAP	  0x6000u
#define PT_LOAD	  1u
#define PT_NOTE	  4u
#define PT_AOUT16 (1u << 16)

static uint8_t ram[RAM_SIZE];
static uint8_t img[IMG_CAP];

static struct guest_mem fresh_mem(void)
{
	memset(ram, 0xCC, sizeof(ram));
	return (struct guest_mem){ram, sizeof(ram)};
}

/* ---- synthetic image builder ------------------------------------------ */

struct seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct elf_spec {
	int cls; /* 32 or 64 */
	uint64_t entry;
	unsigned nsegs;
	struct seg segs[4];
	size_t mb_off; /* multiboot header offset */
	uint32_t mb_flags;
};

#define PHOFF 64u
#define MB_AT 0x200u

static uint8_t seg_fill(unsigned i)
{
	return (uint8_t)(0xA0 + i);
}

/* Writes a valid Multiboot header (magic, flags, checksum) at off. */
static void put_mb_header(uint8_t *buf, size_t off, uint32_t flags)
{
	wr32(buf + off, MB_HEADER_MAGIC);
	wr32(buf + off + 4, flags);
	wr32(buf + off + 8, (uint32_t)(0u - MB_HEADER_MAGIC - flags));
}

static size_t phdr_at(const struct elf_spec *s, unsigned i)
{
	return PHOFF + i * (s->cls == 64 ? 56u : 32u);
}

/* Builds the image into img[] and returns its length. */
static size_t build_elf(const struct elf_spec *s)
{
	size_t len = s->mb_off + 12;

	memset(img, 0, sizeof(img));
	img[0] = 0x7F;
	memcpy(img + 1, "ELF", 3);
	img[4] = s->cls == 64 ? 2 : 1;
	img[5] = 1;	   /* little-endian */
	img[6] = 1;	   /* EV_CURRENT */
	wr16(img + 16, 2); /* ET_EXEC */
	wr16(img + 18, s->cls == 64 ? 62 : 3);
	wr32(img + 20, 1);
	if (s->cls == 64) {
		wr64(img + 24, s->entry);
		wr64(img + 32, PHOFF);
		wr16(img + 52, 64);
		wr16(img + 54, 56);
		wr16(img + 56, (uint16_t)s->nsegs);
	} else {
		wr32(img + 24, (uint32_t)s->entry);
		wr32(img + 28, PHOFF);
		wr16(img + 40, 52);
		wr16(img + 42, 32);
		wr16(img + 44, (uint16_t)s->nsegs);
	}
	for (unsigned i = 0; i < s->nsegs; i++) {
		const struct seg *g = &s->segs[i];
		uint8_t *p = img + phdr_at(s, i);

		wr32(p, g->type);
		if (s->cls == 64) {
			wr64(p + 8, g->offset);
			wr64(p + 16, g->vaddr);
			wr64(p + 24, g->paddr);
			wr64(p + 32, g->filesz);
			wr64(p + 40, g->memsz);
		} else {
			wr32(p + 4, (uint32_t)g->offset);
			wr32(p + 8, (uint32_t)g->vaddr);
			wr32(p + 12, (uint32_t)g->paddr);
			wr32(p + 16, (uint32_t)g->filesz);
			wr32(p + 20, (uint32_t)g->memsz);
		}
		if (g->type == PT_LOAD && g->offset + g->filesz <= IMG_CAP) {
			memset(img + g->offset, seg_fill(i), g->filesz);
			if (g->offset + g->filesz > len)
				len = g->offset + g->filesz;
		}
	}
	put_mb_header(img, s->mb_off, s->mb_flags);
	return len;
}

/* A good ELF32 kernel: one segment at 1 MiB, 0x100 file bytes + bss. */
static struct elf_spec good32(void)
{
	return (struct elf_spec){
	    .cls = 32,
	    .entry = 0x100010,
	    .nsegs = 1,
	    .segs = {{PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x2000}},
	    .mb_off = MB_AT,
	    .mb_flags = MB_FLAG_ALIGN | MB_FLAG_MEMINFO,
	};
}

/* A good higher-half ELF64 kernel with a note and two load segments. */
static struct elf_spec good64(void)
{
	return (struct elf_spec){
	    .cls = 64,
	    .entry = 0xFFFFFFFF80100020ull,
	    .nsegs = 3,
	    .segs =
		{
		    {PT_NOTE, 0xFFFFFFFFull, 0, 0, 0x10, 0x10},
		    {PT_LOAD, 0x1000, 0xFFFFFFFF80100000ull, 0x100000, 0x800,
		     0x800},
		    {PT_LOAD, 0x2000, 0xFFFFFFFF80200000ull, 0x200000, 0x100,
		     0x3000},
		},
	    .mb_off = MB_AT,
	    .mb_flags = MB_FLAG_MEMINFO,
	};
}

static const char *load_err(size_t len)
{
	struct guest_mem mem = fresh_mem();
	struct image_entry e;
	const char *why = NULL;

	assert_int_equal(mb_elf_load(img, len, &mem, &e, &why), -1);
	assert_non_null(why);
	/* Validation precedes any write: guest memory is untouched. */
	for (size_t i = 0; i < RAM_SIZE; i += 4096)
		assert_int_equal(ram[i], 0xCC);
	return why;
}

static void expect_err(size_t len, const char *reason)
{
	assert_string_equal(load_err(len), reason);
}

static void expect_spec_err(const struct elf_spec *s, const char *reason)
{
	expect_err(build_elf(s), reason);
}

/* ---- good loads ------------------------------------------------------- */

static void test_elf32_good(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);
	struct guest_mem mem = fresh_mem();
	struct image_entry e;
	const char *why = NULL;

	(void)state;
	assert_int_equal(mb_elf_load(img, len, &mem, &e, &why), 0);
	assert_int_equal(e.kind, IMAGE_MULTIBOOT_ELF);
	assert_int_equal(e.entry, 0x100010);
	assert_int_equal(e.load_lo, 0x100000);
	assert_int_equal(e.load_hi, 0x102000);
	for (unsigned i = 0; i < 0x100; i++)
		assert_int_equal(ram[0x100000 + i], seg_fill(0));
	for (unsigned i = 0x100; i < 0x2000; i++)
		assert_int_equal(ram[0x100000 + i], 0);
	assert_int_equal(ram[0x102000], 0xCC);
	assert_int_equal(ram[0xFFFFF], 0xCC);
}

static void test_elf64_good_higher_half(void **state)
{
	struct elf_spec s = good64();
	size_t len = build_elf(&s);
	struct guest_mem mem = fresh_mem();
	struct image_entry e;

	(void)state;
	assert_int_equal(mb_elf_load(img, len, &mem, &e, NULL), 0);
	assert_int_equal(e.kind, IMAGE_MULTIBOOT_ELF);
	assert_int_equal(e.entry, 0x100020); /* vaddr -> paddr */
	assert_int_equal(e.load_lo, 0x100000);
	assert_int_equal(e.load_hi, 0x203000);
	assert_int_equal(ram[0x100000], seg_fill(1));
	assert_int_equal(ram[0x1007FF], seg_fill(1));
	assert_int_equal(ram[0x100800], 0xCC);
	assert_int_equal(ram[0x2000FF], seg_fill(2));
	assert_int_equal(ram[0x200100], 0);
	assert_int_equal(ram[0x202FFF], 0);
	assert_int_equal(ram[0x203000], 0xCC);
}

static void test_elf_segment_at_end_of_ram(void **state)
{
	struct elf_spec s = good32();
	struct guest_mem mem = fresh_mem();
	struct image_entry e;
	size_t len;

	(void)state;
	s.segs[0].paddr = s.segs[0].vaddr = RAM_SIZE - 0x2000;
	s.entry = RAM_SIZE - 1;
	len = build_elf(&s);
	assert_int_equal(mb_elf_load(img, len, &mem, &e, NULL), 0);
	assert_int_equal(e.load_hi, RAM_SIZE);
	assert_int_equal(e.entry, RAM_SIZE - 1);
}

static void test_elf_zero_memsz_segment_skipped(void **state)
{
	struct elf_spec s = good32();
	struct guest_mem mem = fresh_mem();
	struct image_entry e;
	size_t len;

	(void)state;
	/* An empty PT_LOAD anywhere (even in low memory) is ignored. */
	s.nsegs = 2;
	s.segs[1] = (struct seg){PT_LOAD, 0, 0x1000, 0x1000, 0, 0};
	len = build_elf(&s);
	assert_int_equal(mb_elf_load(img, len, &mem, &e, NULL), 0);
	assert_int_equal(e.load_lo, 0x100000);
}

static void test_mb_header_flags(void **state)
{
	struct elf_spec s = good32();
	struct guest_mem mem = fresh_mem();
	struct image_entry e;
	const char *why = NULL;

	(void)state;
	/* Video mode (bit 2) and unknown optional bits are accepted. */
	s.mb_flags = MB_FLAG_VIDEO | MB_FLAG_ALIGN | (1u << 20);
	assert_int_equal(mb_elf_load(img, build_elf(&s), &mem, &e, &why), 0);
	/* Unknown required bits are not. */
	for (unsigned bit = 3; bit < 16; bit++) {
		s.mb_flags = 1u << bit;
		expect_spec_err(&s, "unsupported required multiboot flags");
	}
}

static void test_mb_header_position(void **state)
{
	struct elf_spec s = good32();
	struct guest_mem mem = fresh_mem();
	struct image_entry e;
	const char *why = NULL;

	(void)state;
	/* Last fully contained position. */
	s.mb_off = MB_SEARCH_LIMIT - 12;
	assert_int_equal(mb_elf_load(img, build_elf(&s), &mem, &e, &why), 0);
	/* Straddling the limit. */
	s.mb_off = MB_SEARCH_LIMIT - 8;
	expect_spec_err(&s, "no multiboot header in the first 8192 bytes");
	/* Beyond the limit. */
	s.mb_off = MB_SEARCH_LIMIT;
	expect_spec_err(&s, "no multiboot header in the first 8192 bytes");
	/* Not 4-byte aligned. */
	s.mb_off = MB_AT + 2;
	expect_spec_err(&s, "no multiboot header in the first 8192 bytes");
}

static void test_mb_header_missing(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);

	(void)state;
	memset(img + MB_AT, 0, 12);
	expect_err(len, "no multiboot header in the first 8192 bytes");
}

static void test_mb_header_bad_checksum(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);

	(void)state;
	img[MB_AT + 8] ^= 1;
	expect_err(len, "multiboot header checksum mismatch");
	/* A later valid header is still found. */
	put_mb_header(img, MB_AT + 16, MB_FLAG_MEMINFO);
	{
		struct guest_mem mem = fresh_mem();
		struct image_entry e;

		assert_int_equal(mb_elf_load(img, len, &mem, &e, NULL), 0);
	}
}

/* ---- ELF header errors ------------------------------------------------ */

static void test_elf_bad_magic(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);

	(void)state;
	img[1] = 'X';
	expect_err(len, "not an ELF image");
	/* Too short to hold e_ident at all (header at 0). */
	memset(img, 0, sizeof(img));
	put_mb_header(img, 0, 0);
	expect_err(12, "not an ELF image");
}

static void test_elf_bad_ident(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);

	(void)state;
	img[4] = 3;
	expect_err(len, "unsupported ELF class");
	img[4] = 0;
	expect_err(len, "unsupported ELF class");
	img[4] = 1;
	img[5] = 2;
	expect_err(len, "ELF is not little-endian");
	img[5] = 1;
	img[6] = 0;
	expect_err(len, "unsupported ELF version");
}

static void test_elf_bad_type_machine(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);

	(void)state;
	wr16(img + 16, 3); /* ET_DYN */
	expect_err(len, "ELF is not an executable (ET_EXEC)");
	wr16(img + 16, 2);
	wr16(img + 18, 62); /* EM_X86_64 in an ELF32 */
	expect_err(len, "ELF machine does not match its class");
	s = good64();
	len = build_elf(&s);
	wr16(img + 18, 3); /* EM_386 in an ELF64 */
	expect_err(len, "ELF machine does not match its class");
}

static void test_elf_header_truncated(void **state)
{
	(void)state;
	/* ELF64 cut at 56 bytes, multiboot header inside the cut image. */
	memset(img, 0, sizeof(img));
	img[0] = 0x7F;
	memcpy(img + 1, "ELF", 3);
	img[4] = 2;
	img[5] = 1;
	img[6] = 1;
	put_mb_header(img, 40, 0);
	expect_err(56, "ELF header truncated");
	/* ELF32 cut at 48. */
	img[4] = 1;
	put_mb_header(img, 36, 0);
	expect_err(48, "ELF header truncated");
}

static void test_elf_phdr_table_errors(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);

	(void)state;
	wr16(img + 44, 0);
	expect_err(len, "ELF has no program headers");
	wr16(img + 44, 0xFFFF);
	expect_err(len, "ELF extended program header count unsupported");
	wr16(img + 44, 0xFFFE); /* huge count: table runs past the file */
	expect_err(len, "ELF program headers outside image");
	wr16(img + 44, 1);
	wr16(img + 42, 31);
	expect_err(len, "ELF program header entry too small");
	wr16(img + 42, 32);
	wr32(img + 28, (uint32_t)len - 31); /* truncated table */
	expect_err(len, "ELF program headers outside image");
	wr32(img + 28, (uint32_t)len - 32); /* exactly fits: parses */
	assert_string_not_equal(load_err(len),
				"ELF program headers outside image");
	wr32(img + 28, 0xFFFFFFF0u);
	expect_err(len, "ELF program headers outside image");
	/* Large phentsize times count beyond the file. */
	wr32(img + 28, PHOFF);
	wr16(img + 42, 0xFFFF);
	wr16(img + 44, 2);
	expect_err(len, "ELF program headers outside image");

	s = good64();
	len = build_elf(&s);
	wr64(img + 32, UINT64_MAX - 8); /* phoff + size overflows */
	expect_err(len, "ELF program headers outside image");
	wr64(img + 32, PHOFF);
	wr16(img + 54, 55);
	expect_err(len, "ELF program header entry too small");
}

/* ---- segment errors --------------------------------------------------- */

static void test_elf_segment_outside_file(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);

	(void)state;
	/* filesz one past the end of the file */
	wr32(img + phdr_at(&s, 0) + 16, (uint32_t)(len - 0x1000 + 1));
	expect_err(len, "ELF segment outside image");
	/* offset past the end */
	s = good32();
	len = build_elf(&s);
	wr32(img + phdr_at(&s, 0) + 4, (uint32_t)len);
	expect_err(len, "ELF segment outside image");
	/* 32-bit offset + size beyond any file */
	wr32(img + phdr_at(&s, 0) + 4, 0xFFFFFFFFu);
	expect_err(len, "ELF segment outside image");
	/* 64-bit offset + size overflows */
	s = good64();
	len = build_elf(&s);
	wr64(img + phdr_at(&s, 1) + 8, UINT64_MAX - 0x10);
	expect_err(len, "ELF segment outside image");
}

static void test_elf_segment_memsz_lt_filesz(void **state)
{
	struct elf_spec s = good32();

	(void)state;
	s.segs[0].memsz = s.segs[0].filesz - 1;
	expect_spec_err(&s, "ELF segment file size exceeds memory size");
}

static void test_elf_segment_outside_ram(void **state)
{
	struct elf_spec s = good32();

	(void)state;
	s.segs[0].paddr = s.segs[0].vaddr = RAM_SIZE - 0x1000;
	s.entry = s.segs[0].paddr;
	expect_spec_err(&s, "ELF segment outside guest RAM");
	s.segs[0].paddr = s.segs[0].vaddr = 0xFFFFF000u; /* 32-bit: no wrap */
	s.entry = s.segs[0].paddr;
	expect_spec_err(&s, "ELF segment outside guest RAM");

	s = good64();
	s.segs[2].paddr = UINT64_MAX - 0x10;
	expect_spec_err(&s, "ELF segment address overflows");
	s.segs[2].paddr = RAM_SIZE;
	expect_spec_err(&s, "ELF segment outside guest RAM");
}

static void test_elf_segment_low_memory(void **state)
{
	struct elf_spec s = good32();

	(void)state;
	s.segs[0].paddr = s.segs[0].vaddr = 0xFF000;
	s.entry = 0xFF000;
	expect_spec_err(&s, "ELF segment overlaps the low 1 MiB");
	s.segs[0].paddr = s.segs[0].vaddr = 0;
	s.entry = 0;
	expect_spec_err(&s, "ELF segment overlaps the low 1 MiB");
}

static void test_elf_no_loadable_segments(void **state)
{
	struct elf_spec s = good32();

	(void)state;
	s.segs[0].type = PT_NOTE;
	expect_spec_err(&s, "ELF has no loadable segments");
	s.segs[0].type = PT_LOAD;
	s.segs[0].filesz = s.segs[0].memsz = 0;
	expect_spec_err(&s, "ELF has no loadable segments");
}

static void test_elf_entry_outside(void **state)
{
	struct elf_spec s = good32();

	(void)state;
	s.entry = 0x102000; /* one past the segment */
	expect_spec_err(&s, "entry point outside loaded segments");
	s.entry = 0xFFFFF;
	expect_spec_err(&s, "entry point outside loaded segments");
	s = good64();
	s.entry = 0x100020; /* physical, but not a virtual address */
	expect_spec_err(&s, "entry point outside loaded segments");
}

static void test_elf_entry_above_4g(void **state)
{
	struct elf_spec s = good64();
	size_t len;
	/* Pretend the guest has 8 GiB; validation fails before any write. */
	struct guest_mem mem = {ram, BH_GIB(8)};
	struct image_entry e;
	const char *why = NULL;

	(void)state;
	s.nsegs = 1;
	s.segs[0] = (struct seg){PT_LOAD,	 0x1000, 0x100000000ull,
				 0x100000000ull, 0x10,	 0x10};
	s.entry = 0x100000000ull;
	len = build_elf(&s);
	memset(ram, 0xCC, sizeof(ram));
	assert_int_equal(mb_elf_load(img, len, &mem, &e, &why), -1);
	assert_string_equal(why, "entry point above 4 GiB");
}

static void test_bad_arguments(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);
	struct guest_mem mem = fresh_mem();
	struct guest_mem nobase = {NULL, RAM_SIZE};
	struct image_entry e;
	const char *why = NULL;

	(void)state;
	assert_int_equal(mb_elf_load(NULL, len, &mem, &e, &why), -1);
	assert_string_equal(why, "bad arguments");
	assert_int_equal(mb_elf_load(img, len, NULL, &e, &why), -1);
	assert_int_equal(mb_elf_load(img, len, &nobase, &e, &why), -1);
	assert_int_equal(mb_elf_load(img, len, &mem, NULL, &why), -1);
	assert_int_equal(mb_elf_load(img, 0, &mem, &e, NULL), -1);
	assert_int_equal(raw_load(NULL, 1, 0x7C00, &mem, &e, &why), -1);
	assert_string_equal(why, "bad arguments");
	assert_int_equal(raw_load(img, 1, 0x7C00, &nobase, &e, &why), -1);
	assert_int_equal(raw_load(img, 1, 0x7C00, &mem, NULL, NULL), -1);
}

/* ---- a.out kludge ----------------------------------------------------- */

/* A flat kernel: header at 0x40 of a 0x800-byte file loaded at 0x200000,
 * bss up to 0x201000, entry 0x200100. */
#define FLAT_LEN  0x800u
#define FLAT_HDR  0x40u
#define FLAT_LOAD 0x200000u

static void build_flat(uint32_t header_addr, uint32_t load_addr,
		       uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	uint8_t *h = img + FLAT_HDR;

	for (unsigned i = 0; i < FLAT_LEN; i++)
		img[i] = (uint8_t)(i * 7 + 1);
	put_mb_header(img, FLAT_HDR, MB_FLAG_AOUT | MB_FLAG_MEMINFO);
	wr32(h + 12, header_addr);
	wr32(h + 16, load_addr);
	wr32(h + 20, load_end);
	wr32(h + 24, bss_end);
	wr32(h + 28, entry);
}

static void build_good_flat(void)
{
	build_flat(FLAT_LOAD + FLAT_HDR, FLAT_LOAD, FLAT_LOAD + FLAT_LEN,
		   FLAT_LOAD + 0x1000, FLAT_LOAD + 0x100);
}

static void test_aout_good(void **state)
{
	struct guest_mem mem = fresh_mem();
	struct image_entry e;

	(void)state;
	build_good_flat();
	assert_int_equal(image_detect(img, FLAT_LEN), IMAGE_MULTIBOOT_ELF);
	assert_int_equal(mb_elf_load(img, FLAT_LEN, &mem, &e, NULL), 0);
	assert_int_equal(e.kind, IMAGE_MULTIBOOT_ELF);
	assert_int_equal(e.entry, FLAT_LOAD + 0x100);
	assert_int_equal(e.load_lo, FLAT_LOAD);
	assert_int_equal(e.load_hi, FLAT_LOAD + 0x1000);
	assert_memory_equal(ram + FLAT_LOAD, img, FLAT_LEN);
	for (unsigned i = FLAT_LEN; i < 0x1000; i++)
		assert_int_equal(ram[FLAT_LOAD + i], 0);
	assert_int_equal(ram[FLAT_LOAD + 0x1000], 0xCC);

	/* load_end 0 = whole file, bss_end 0 = no bss; the header may sit
	 * past the start of the loaded part of the file. */
	mem = fresh_mem();
	build_flat(FLAT_LOAD + 0x20, FLAT_LOAD, 0, 0, FLAT_LOAD);
	assert_int_equal(mb_elf_load(img, FLAT_LEN, &mem, &e, NULL), 0);
	assert_int_equal(e.load_hi, FLAT_LOAD + FLAT_LEN - 0x20);
	assert_memory_equal(ram + FLAT_LOAD, img + 0x20, FLAT_LEN - 0x20);
	assert_int_equal(ram[FLAT_LOAD + FLAT_LEN - 0x20], 0xCC);
}

static void test_aout_overrides_elf(void **state)
{
	struct elf_spec s = good32();
	size_t len;
	struct guest_mem mem = fresh_mem();
	struct image_entry e;

	(void)state;
	s.mb_flags = MB_FLAG_AOUT;
	len = build_elf(&s);
	/* file offset 0 -> 0x300000, whole file, entry at 0x300000 */
	wr32(img + MB_AT + 12, 0x300000 + MB_AT);
	wr32(img + MB_AT + 16, 0x300000);
	wr32(img + MB_AT + 20, 0);
	wr32(img + MB_AT + 24, 0);
	wr32(img + MB_AT + 28, 0x300000);
	assert_int_equal(mb_elf_load(img, len, &mem, &e, NULL), 0);
	assert_int_equal(e.entry, 0x300000);
	assert_int_equal(e.load_lo, 0x300000);
	assert_int_equal(e.load_hi, 0x300000 + len);
	assert_int_equal(ram[0x300000], 0x7F);
	assert_int_equal(ram[0x100000], 0xCC);
}

static void test_aout_errors(void **state)
{
	(void)state;
	build_flat(FLAT_LOAD, FLAT_LOAD + 1, 0, 0, FLAT_LOAD + 1);
	expect_err(FLAT_LEN, "multiboot load_addr above header_addr");
	build_flat(FLAT_LOAD + FLAT_HDR + 4, FLAT_LOAD, 0, 0, FLAT_LOAD);
	expect_err(FLAT_LEN,
		   "multiboot header_addr inconsistent with header offset");
	build_flat(FLAT_LOAD + FLAT_HDR, FLAT_LOAD, FLAT_LOAD - 1, 0,
		   FLAT_LOAD);
	expect_err(FLAT_LEN, "multiboot load_end_addr below load_addr");
	build_flat(FLAT_LOAD + FLAT_HDR, FLAT_LOAD, FLAT_LOAD + FLAT_LEN + 1, 0,
		   FLAT_LOAD);
	expect_err(FLAT_LEN, "multiboot load range beyond image");
	build_flat(FLAT_LOAD + FLAT_HDR, FLAT_LOAD, FLAT_LOAD + 0x100,
		   FLAT_LOAD + 0xFF, FLAT_LOAD);
	expect_err(FLAT_LEN, "multiboot bss_end_addr below load end");
	build_flat(0x80000 + FLAT_HDR, 0x80000, 0, 0, 0x80000);
	expect_err(FLAT_LEN, "load address overlaps the low 1 MiB");
	build_flat(RAM_SIZE - 0x100 + FLAT_HDR, RAM_SIZE - 0x100, 0, 0,
		   RAM_SIZE - 0x100);
	expect_err(FLAT_LEN, "load range outside guest RAM");
	build_flat(FLAT_LOAD + FLAT_HDR, FLAT_LOAD, 0, 0xFFFFFFFFu, FLAT_LOAD);
	expect_err(FLAT_LEN, "load range outside guest RAM");
	build_flat(FLAT_LOAD + FLAT_HDR, FLAT_LOAD, 0, FLAT_LOAD + 0x1000,
		   FLAT_LOAD + 0x1000);
	expect_err(FLAT_LEN, "entry point outside loaded range");
	build_flat(FLAT_LOAD + FLAT_HDR, FLAT_LOAD, 0, 0, FLAT_LOAD - 1);
	expect_err(FLAT_LEN, "entry point outside loaded range");
	/* Address fields cut off by the end of the image. */
	build_good_flat();
	expect_err(FLAT_HDR + 28, "multiboot header address fields truncated");
	/* ... or by the 8 KiB limit. */
	memset(img, 0, sizeof(img));
	put_mb_header(img, MB_SEARCH_LIMIT - 16, MB_FLAG_AOUT);
	expect_err(IMG_CAP, "multiboot header address fields truncated");
}

/* ---- image_detect ----------------------------------------------------- */

static void test_detect(void **state)
{
	struct elf_spec s = good32();
	size_t len = build_elf(&s);

	(void)state;
	assert_int_equal(image_detect(img, len), IMAGE_MULTIBOOT_ELF);
	assert_int_equal(image_detect(img, 4), IMAGE_MULTIBOOT_ELF);
	assert_int_equal(image_detect(img, 3), IMAGE_UNKNOWN);
	assert_int_equal(image_detect(NULL, 100), IMAGE_UNKNOWN);
	assert_int_equal(image_detect(img, 0), IMAGE_UNKNOWN);

	memset(img, 0, sizeof(img));
	img[0x1FE] = 0x55;
	img[0x1FF] = 0xAA;
	memcpy(img + 0x202, "HdrS", 4);
	assert_int_equal(image_detect(img, 0x1000), IMAGE_BZIMAGE);
	assert_int_equal(image_detect(img, 0x206), IMAGE_BZIMAGE);
	assert_int_equal(image_detect(img, 0x205), IMAGE_UNKNOWN);
	img[0x1FE] = 0;
	assert_int_equal(image_detect(img, 0x1000), IMAGE_UNKNOWN);
	img[0x1FE] = 0x55;
	img[0x203] = 'x';
	assert_int_equal(image_detect(img, 0x1000), IMAGE_UNKNOWN);

	/* Flat binary with a Multiboot header but no a.out kludge. */
	memset(img, 0, sizeof(img));
	put_mb_header(img, 0x40, MB_FLAG_MEMINFO);
	assert_int_equal(image_detect(img, 0x100), IMAGE_UNKNOWN);
	put_mb_header(img, 0x40, MB_FLAG_AOUT);
	assert_int_equal(image_detect(img, 0x5F), IMAGE_UNKNOWN); /* trunc */
	assert_int_equal(image_detect(img, 0x60), IMAGE_MULTIBOOT_ELF);
	assert_int_equal(image_detect(img, 0x100), IMAGE_MULTIBOOT_ELF);
	img[0x48] ^= 1;
	assert_int_equal(image_detect(img, 0x100), IMAGE_UNKNOWN);
}

/* ---- raw_load --------------------------------------------------------- */

static void test_raw_good(void **state)
{
	struct guest_mem mem = fresh_mem();
	struct image_entry e;
	const char *why = NULL;

	(void)state;
	for (unsigned i = 0; i < 512; i++)
		img[i] = (uint8_t)i;
	assert_int_equal(raw_load(img, 512, 0x7C00, &mem, &e, &why), 0);
	assert_int_equal(e.kind, IMAGE_RAW);
	assert_int_equal(e.entry, 0x7C00);
	assert_int_equal(e.load_lo, 0x7C00);
	assert_int_equal(e.load_hi, 0x7E00);
	assert_memory_equal(ram + 0x7C00, img, 512);
	assert_int_equal(ram[0x7BFF], 0xCC);
	assert_int_equal(ram[0x7E00], 0xCC);
	/* Exactly up to the VGA hole. */
	assert_int_equal(raw_load(img, 0x100, 0x9FF00, &mem, &e, &why), 0);
	assert_int_equal(e.load_hi, 0xA0000);
	/* Address 0. */
	assert_int_equal(raw_load(img, 1, 0, &mem, &e, &why), 0);
}

static void test_raw_errors(void **state)
{
	struct guest_mem mem = fresh_mem();
	struct guest_mem small = {ram, 0x8000};
	struct image_entry e;
	const char *why = NULL;

	(void)state;
	assert_int_equal(raw_load(img, 0, 0x7C00, &mem, &e, &why), -1);
	assert_string_equal(why, "empty image");
	assert_int_equal(raw_load(img, 1, 0xA0000, &mem, &e, &why), -1);
	assert_string_equal(why, "raw load address at or above 0xA0000");
	assert_int_equal(raw_load(img, 1, 0xFFFFFFFFu, &mem, &e, &why), -1);
	assert_string_equal(why, "raw load address at or above 0xA0000");
	assert_int_equal(raw_load(img, 0x101, 0x9FF00, &mem, &e, &why), -1);
	assert_string_equal(why, "raw image extends past 0xA0000");
	assert_int_equal(raw_load(img, SIZE_MAX, 0x1000, &mem, &e, &why), -1);
	assert_string_equal(why, "raw image extends past 0xA0000");
	assert_int_equal(raw_load(img, 0x201, 0x7E00, &small, &e, &why), -1);
	assert_string_equal(why, "raw image outside guest RAM");
	assert_int_equal(raw_load(img, 0x200, 0x7E00, &small, &e, &why), 0);
	assert_int_equal(ram[0], 0xCC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_elf32_good),
	    cmocka_unit_test(test_elf64_good_higher_half),
	    cmocka_unit_test(test_elf_segment_at_end_of_ram),
	    cmocka_unit_test(test_elf_zero_memsz_segment_skipped),
	    cmocka_unit_test(test_mb_header_flags),
	    cmocka_unit_test(test_mb_header_position),
	    cmocka_unit_test(test_mb_header_missing),
	    cmocka_unit_test(test_mb_header_bad_checksum),
	    cmocka_unit_test(test_elf_bad_magic),
	    cmocka_unit_test(test_elf_bad_ident),
	    cmocka_unit_test(test_elf_bad_type_machine),
	    cmocka_unit_test(test_elf_header_truncated),
	    cmocka_unit_test(test_elf_phdr_table_errors),
	    cmocka_unit_test(test_elf_segment_outside_file),
	    cmocka_unit_test(test_elf_segment_memsz_lt_filesz),
	    cmocka_unit_test(test_elf_segment_outside_ram),
	    cmocka_unit_test(test_elf_segment_low_memory),
	    cmocka_unit_test(test_elf_no_loadable_segments),
	    cmocka_unit_test(test_elf_entry_outside),
	    cmocka_unit_test(test_elf_entry_above_4g),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_aout_good),
	    cmocka_unit_test(test_aout_overrides_elf),
	    cmocka_unit_test(test_aout_errors),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_raw_good),
	    cmocka_unit_test(test_raw_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
