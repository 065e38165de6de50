/* Guest kernel image detection and loading. See image.h. */
#include "hv/load/image.h"
#include "hv/lib/binfmt.h"

#define ELFCLASS32	    1u
#define ELFCLASS64	    2u
#define ELFDATA2LSB	    1u
#define EV_CURRENT	    1u
#define ET_EXEC		    2u
#define EM_386		    3u
#define EM_X86_64	    62u
#define PT_LOAD		    1u
#define PN_XNUM		    0xFFFFu
#define MB_HEADER_SIZE	    12u /* magic, flags, checksum */
#define MB_HEADER_AOUT_SIZE 32u /* + header/load/load_end/bss_end/entry */
#define MB_REQUIRED_MASK    0xFFFFu
#define MB_SUPPORTED	    (MB_FLAG_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_VIDEO)

struct mb_header {
	size_t off; /* offset of the header in the image */
	uint32_t flags;
	/* valid only with MB_FLAG_AOUT */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	uint32_t entry_addr;
};

struct elf_file {
	bool is64;
	uint64_t entry;
	uint64_t phoff;
	uint32_t phentsize;
	uint32_t phnum;
};

struct elf_phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static const uint8_t elf_magic[4] = {0x7F, 'E', 'L', 'F'};

/* Where ELF32 and ELF64 differ, indexed by is64: the header sizes, the
 * machine that goes with the class, and the offsets of e_phoff,
 * e_phentsize and e_phnum (e_entry is at 24 in both). */
static const struct elf_layout {
	unsigned ehdr_size, phdr_size, machine;
	unsigned phoff, phentsize, phnum;
} elf_layout[2] = {
    {52, 32, EM_386, 28, 42, 44},
    {64, 56, EM_X86_64, 32, 54, 56},
};

/* An address-sized field: 4 bytes in ELF32, 8 in ELF64. */
static uint64_t rd_addr(const uint8_t *p, bool is64)
{
	return is64 ? le_rd64(p) : le_rd32(p);
}

static int mb_find_header(const uint8_t *img, size_t len, struct mb_header *h,
			  const char **why)
{
	size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
	bool bad_sum = false;

	for (size_t off = 0; off + MB_HEADER_SIZE <= limit; off += 4) {
		const uint8_t *p = img + off;
		uint32_t flags, sum;

		if (le_rd32(p) != MB_HEADER_MAGIC)
			continue;
		flags = le_rd32(p + 4);
		sum = le_rd32(p + 8);
		if ((uint32_t)(MB_HEADER_MAGIC + flags + sum) != 0) {
			bad_sum = true;
			continue;
		}
		h->off = off;
		h->flags = flags;
		if (flags & MB_FLAG_AOUT) {
			if (off + MB_HEADER_AOUT_SIZE > limit)
				return bh_fail(why, "multiboot header address "
						    "fields truncated");
			h->header_addr = le_rd32(p + 12);
			h->load_addr = le_rd32(p + 16);
			h->load_end_addr = le_rd32(p + 20);
			h->bss_end_addr = le_rd32(p + 24);
			h->entry_addr = le_rd32(p + 28);
		}
		return 0;
	}
	if (bad_sum)
		return bh_fail(why, "multiboot header checksum mismatch");
	return bh_fail(why, "no multiboot header in the first 8192 bytes");
}

enum image_kind image_detect(const uint8_t *img, size_t len)
{
	struct mb_header h;

	if (!img)
		return IMAGE_UNKNOWN;
	if (len >= 4 && memcmp(img, elf_magic, 4) == 0)
		return IMAGE_MULTIBOOT_ELF;
	if (len >= 0x206 && le_rd16(img + 0x1FE) == 0xAA55 &&
	    memcmp(img + 0x202, "HdrS", 4) == 0)
		return IMAGE_BZIMAGE;
	if (mb_find_header(img, len, &h, NULL) == 0 && (h.flags & MB_FLAG_AOUT))
		return IMAGE_MULTIBOOT_ELF;
	return IMAGE_UNKNOWN;
}

/* Multiboot a.out kludge: the header's address fields describe the load. */
static int aout_load(const uint8_t *img, size_t len, const struct mb_header *h,
		     struct guest_mem *mem, struct image_entry *out,
		     const char **why)
{
	uint64_t delta, fstart, fsize, mend;

	if (h->load_addr > h->header_addr)
		return bh_fail(why, "multiboot load_addr above header_addr");
	delta = h->header_addr - h->load_addr;
	if (delta > h->off)
		return bh_fail(why, "multiboot header_addr inconsistent with "
				    "header offset");
	fstart = h->off - delta;
	if (h->load_end_addr == 0) {
		fsize = len - fstart;
	} else {
		if (h->load_end_addr < h->load_addr)
			return bh_fail(why, "multiboot load_end_addr below "
					    "load_addr");
		fsize = h->load_end_addr - h->load_addr;
		if (fsize > len - fstart)
			return bh_fail(why,
				       "multiboot load range beyond image");
	}
	mend = (uint64_t)h->load_addr + fsize;
	if (h->bss_end_addr != 0) {
		if (h->bss_end_addr < mend)
			return bh_fail(why, "multiboot bss_end_addr below load "
					    "end");
		mend = h->bss_end_addr;
	}
	if (h->load_addr < MB_LOAD_MIN)
		return bh_fail(why, "load address overlaps the low 1 MiB");
	if (mend > mem->size)
		return bh_fail(why, "load range outside guest RAM");
	if (h->entry_addr < h->load_addr || h->entry_addr >= mend)
		return bh_fail(why, "entry point outside loaded range");

	memcpy(mem->base + h->load_addr, img + fstart, (size_t)fsize);
	memset(mem->base + h->load_addr + fsize, 0,
	       (size_t)(mend - h->load_addr - fsize));
	out->kind = IMAGE_MULTIBOOT_ELF;
	out->entry = h->entry_addr;
	out->load_lo = h->load_addr;
	out->load_hi = mend;
	return 0;
}

static int elf_parse(const uint8_t *img, size_t len, struct elf_file *ef,
		     const char **why)
{
	const struct elf_layout *l;
	uint64_t table, end;

	if (len < 16 || memcmp(img, elf_magic, 4) != 0)
		return bh_fail(why, "not an ELF image");
	if (img[4] == ELFCLASS32)
		ef->is64 = false;
	else if (img[4] == ELFCLASS64)
		ef->is64 = true;
	else
		return bh_fail(why, "unsupported ELF class");
	if (img[5] != ELFDATA2LSB)
		return bh_fail(why, "ELF is not little-endian");
	if (img[6] != EV_CURRENT)
		return bh_fail(why, "unsupported ELF version");
	l = &elf_layout[ef->is64];
	if (len < l->ehdr_size)
		return bh_fail(why, "ELF header truncated");
	if (le_rd16(img + 16) != ET_EXEC)
		return bh_fail(why, "ELF is not an executable (ET_EXEC)");
	if (le_rd16(img + 18) != l->machine)
		return bh_fail(why, "ELF machine does not match its class");
	ef->entry = rd_addr(img + 24, ef->is64);
	ef->phoff = rd_addr(img + l->phoff, ef->is64);
	ef->phentsize = le_rd16(img + l->phentsize);
	ef->phnum = le_rd16(img + l->phnum);
	if (ef->phnum == 0)
		return bh_fail(why, "ELF has no program headers");
	if (ef->phnum == PN_XNUM)
		return bh_fail(why, "ELF extended program header count "
				    "unsupported");
	if (ef->phentsize < l->phdr_size)
		return bh_fail(why, "ELF program header entry too small");
	/* Both factors are below 2^16: the product cannot overflow. */
	table = (uint64_t)ef->phentsize * ef->phnum;
	if (__builtin_add_overflow(ef->phoff, table, &end) || end > len)
		return bh_fail(why, "ELF program headers outside image");
	return 0;
}

/* Reads program header i; elf_parse checked the table lies in the image.
 * p_offset, p_vaddr, p_paddr, p_filesz and p_memsz are the 1st to 5th
 * address-sized words after p_type (ELF64 keeps p_flags in word 0). */
static void elf_phdr_read(const uint8_t *img, const struct elf_file *ef,
			  uint32_t i, struct elf_phdr *ph)
{
	const uint8_t *p = img + ef->phoff + (uint64_t)i * ef->phentsize;
	unsigned w = ef->is64 ? 8 : 4;

	ph->type = le_rd32(p);
	ph->offset = rd_addr(p + w, ef->is64);
	ph->vaddr = rd_addr(p + 2 * w, ef->is64);
	ph->paddr = rd_addr(p + 3 * w, ef->is64);
	ph->filesz = rd_addr(p + 4 * w, ef->is64);
	ph->memsz = rd_addr(p + 5 * w, ef->is64);
}

static int elf_load(const uint8_t *img, size_t len, struct guest_mem *mem,
		    struct image_entry *out, const char **why)
{
	struct elf_file ef;
	struct elf_phdr ph;
	uint64_t lo = UINT64_MAX, hi = 0, entry = 0, end;
	bool have_entry = false;
	unsigned nload = 0;

	if (elf_parse(img, len, &ef, why) != 0)
		return -1;

	/* Pass 1: validate every loadable segment and find the entry. */
	for (uint32_t i = 0; i < ef.phnum; i++) {
		elf_phdr_read(img, &ef, i, &ph);
		if (ph.type != PT_LOAD)
			continue;
		if (ph.filesz > ph.memsz)
			return bh_fail(why, "ELF segment file size exceeds "
					    "memory size");
		if (__builtin_add_overflow(ph.offset, ph.filesz, &end) ||
		    end > len)
			return bh_fail(why, "ELF segment outside image");
		if (ph.memsz == 0)
			continue;
		if (__builtin_add_overflow(ph.paddr, ph.memsz, &end))
			return bh_fail(why, "ELF segment address overflows");
		if (ph.paddr < MB_LOAD_MIN)
			return bh_fail(why,
				       "ELF segment overlaps the low 1 MiB");
		if (end > mem->size)
			return bh_fail(why, "ELF segment outside guest RAM");
		if (!have_entry && ef.entry >= ph.vaddr &&
		    ef.entry - ph.vaddr < ph.memsz) {
			entry = ph.paddr + (ef.entry - ph.vaddr);
			have_entry = true;
		}
		if (ph.paddr < lo)
			lo = ph.paddr;
		if (end > hi)
			hi = end;
		nload++;
	}
	if (nload == 0)
		return bh_fail(why, "ELF has no loadable segments");
	if (!have_entry)
		return bh_fail(why, "entry point outside loaded segments");
	if (entry > UINT32_MAX)
		return bh_fail(why, "entry point above 4 GiB");

	/* Pass 2: copy file bytes and zero the rest of each segment. */
	for (uint32_t i = 0; i < ef.phnum; i++) {
		elf_phdr_read(img, &ef, i, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		memcpy(mem->base + ph.paddr, img + ph.offset,
		       (size_t)ph.filesz);
		memset(mem->base + ph.paddr + ph.filesz, 0,
		       (size_t)(ph.memsz - ph.filesz));
	}
	out->kind = IMAGE_MULTIBOOT_ELF;
	out->entry = (uint32_t)entry;
	out->load_lo = lo;
	out->load_hi = hi;
	return 0;
}

int mb_elf_load(const uint8_t *img, size_t len, struct guest_mem *mem,
		struct image_entry *out, const char **why)
{
	struct mb_header h;

	if (!img || !mem || !mem->base || !out)
		return bh_fail(why, "bad arguments");
	if (mb_find_header(img, len, &h, why) != 0)
		return -1;
	if (h.flags & MB_REQUIRED_MASK & ~MB_SUPPORTED)
		return bh_fail(why, "unsupported required multiboot flags");
	if (h.flags & MB_FLAG_AOUT)
		return aout_load(img, len, &h, mem, out, why);
	return elf_load(img, len, mem, out, why);
}

int raw_load(const uint8_t *img, size_t len, uint32_t addr,
	     struct guest_mem *mem, struct image_entry *out, const char **why)
{
	uint64_t end;

	if (!img || !mem || !mem->base || !out)
		return bh_fail(why, "bad arguments");
	if (len == 0)
		return bh_fail(why, "empty image");
	if (addr >= RAW_LOAD_LIMIT)
		return bh_fail(why, "raw load address at or above 0xA0000");
	if (__builtin_add_overflow((uint64_t)addr, (uint64_t)len, &end) ||
	    end > RAW_LOAD_LIMIT)
		return bh_fail(why, "raw image extends past 0xA0000");
	if (end > mem->size)
		return bh_fail(why, "raw image outside guest RAM");
	memcpy(mem->base + addr, img, len);
	out->kind = IMAGE_RAW;
	out->entry = addr;
	out->load_lo = addr;
	out->load_hi = end;
	return 0;
}
