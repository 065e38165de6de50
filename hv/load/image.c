/* Guest kernel image detection and loading. See image.h. */
#include "hv/load/image.h"

#define ELF_EHDR32_SIZE	    52u
#define ELF_EHDR64_SIZE	    64u
#define ELF_PHDR32_SIZE	    32u
#define ELF_PHDR64_SIZE	    56u
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

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int mb_find_header(const uint8_t *img, size_t len, struct mb_header *h,
			  const char **why)
{
	size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
	bool bad_sum = false;

	for (size_t off = 0; off + MB_HEADER_SIZE <= limit; off += 4) {
		const uint8_t *p = img + off;
		uint32_t flags, sum;

		if (rd32(p) != MB_HEADER_MAGIC)
			continue;
		flags = rd32(p + 4);
		sum = rd32(p + 8);
		if ((uint32_t)(MB_HEADER_MAGIC + flags + sum) != 0) {
			bad_sum = true;
			continue;
		}
		h->off = off;
		h->flags = flags;
		if (flags & MB_FLAG_AOUT) {
			if (off + MB_HEADER_AOUT_SIZE > limit)
				return fail(why, "multiboot header address "
						 "fields truncated");
			h->header_addr = rd32(p + 12);
			h->load_addr = rd32(p + 16);
			h->load_end_addr = rd32(p + 20);
			h->bss_end_addr = rd32(p + 24);
			h->entry_addr = rd32(p + 28);
		}
		return 0;
	}
	if (bad_sum)
		return fail(why, "multiboot header checksum mismatch");
	return fail(why, "no multiboot header in the first 8192 bytes");
}

enum image_kind image_detect(const uint8_t *img, size_t len)
{
	struct mb_header h;

	if (!img)
		return IMAGE_UNKNOWN;
	if (len >= 4 && memcmp(img, elf_magic, 4) == 0)
		return IMAGE_MULTIBOOT_ELF;
	if (len >= 0x206 && rd16(img + 0x1FE) == 0xAA55 &&
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
		return fail(why, "multiboot load_addr above header_addr");
	delta = h->header_addr - h->load_addr;
	if (delta > h->off)
		return fail(why, "multiboot header_addr inconsistent with "
				 "header offset");
	fstart = h->off - delta;
	if (h->load_end_addr == 0) {
		fsize = len - fstart;
	} else {
		if (h->load_end_addr < h->load_addr)
			return fail(why, "multiboot load_end_addr below "
					 "load_addr");
		fsize = h->load_end_addr - h->load_addr;
		if (fsize > len - fstart)
			return fail(why, "multiboot load range beyond image");
	}
	mend = (uint64_t)h->load_addr + fsize;
	if (h->bss_end_addr != 0) {
		if (h->bss_end_addr < mend)
			return fail(why, "multiboot bss_end_addr below load "
					 "end");
		mend = h->bss_end_addr;
	}
	if (h->load_addr < MB_LOAD_MIN)
		return fail(why, "load address overlaps the low 1 MiB");
	if (mend > mem->size)
		return fail(why, "load range outside guest RAM");
	if (h->entry_addr < h->load_addr || h->entry_addr >= mend)
		return fail(why, "entry point outside loaded range");

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
	uint64_t table, end;

	if (len < 16 || memcmp(img, elf_magic, 4) != 0)
		return fail(why, "not an ELF image");
	if (img[4] == ELFCLASS32)
		ef->is64 = false;
	else if (img[4] == ELFCLASS64)
		ef->is64 = true;
	else
		return fail(why, "unsupported ELF class");
	if (img[5] != ELFDATA2LSB)
		return fail(why, "ELF is not little-endian");
	if (img[6] != EV_CURRENT)
		return fail(why, "unsupported ELF version");
	if (len < (ef->is64 ? ELF_EHDR64_SIZE : ELF_EHDR32_SIZE))
		return fail(why, "ELF header truncated");
	if (rd16(img + 16) != ET_EXEC)
		return fail(why, "ELF is not an executable (ET_EXEC)");
	if (rd16(img + 18) != (ef->is64 ? EM_X86_64 : EM_386))
		return fail(why, "ELF machine does not match its class");
	if (ef->is64) {
		ef->entry = rd64(img + 24);
		ef->phoff = rd64(img + 32);
		ef->phentsize = rd16(img + 54);
		ef->phnum = rd16(img + 56);
	} else {
		ef->entry = rd32(img + 24);
		ef->phoff = rd32(img + 28);
		ef->phentsize = rd16(img + 42);
		ef->phnum = rd16(img + 44);
	}
	if (ef->phnum == 0)
		return fail(why, "ELF has no program headers");
	if (ef->phnum == PN_XNUM)
		return fail(why, "ELF extended program header count "
				 "unsupported");
	if (ef->phentsize < (ef->is64 ? ELF_PHDR64_SIZE : ELF_PHDR32_SIZE))
		return fail(why, "ELF program header entry too small");
	/* Both factors are below 2^16: the product cannot overflow. */
	table = (uint64_t)ef->phentsize * ef->phnum;
	if (__builtin_add_overflow(ef->phoff, table, &end) || end > len)
		return fail(why, "ELF program headers outside image");
	return 0;
}

/* Reads program header i; elf_parse checked the table lies in the image. */
static void elf_phdr_read(const uint8_t *img, const struct elf_file *ef,
			  uint32_t i, struct elf_phdr *ph)
{
	const uint8_t *p = img + ef->phoff + (uint64_t)i * ef->phentsize;

	ph->type = rd32(p);
	if (ef->is64) {
		ph->offset = rd64(p + 8);
		ph->vaddr = rd64(p + 16);
		ph->paddr = rd64(p + 24);
		ph->filesz = rd64(p + 32);
		ph->memsz = rd64(p + 40);
	} else {
		ph->offset = rd32(p + 4);
		ph->vaddr = rd32(p + 8);
		ph->paddr = rd32(p + 12);
		ph->filesz = rd32(p + 16);
		ph->memsz = rd32(p + 20);
	}
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
			return fail(why, "ELF segment file size exceeds "
					 "memory size");
		if (__builtin_add_overflow(ph.offset, ph.filesz, &end) ||
		    end > len)
			return fail(why, "ELF segment outside image");
		if (ph.memsz == 0)
			continue;
		if (__builtin_add_overflow(ph.paddr, ph.memsz, &end))
			return fail(why, "ELF segment address overflows");
		if (ph.paddr < MB_LOAD_MIN)
			return fail(why, "ELF segment overlaps the low 1 MiB");
		if (end > mem->size)
			return fail(why, "ELF segment outside guest RAM");
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
		return fail(why, "ELF has no loadable segments");
	if (!have_entry)
		return fail(why, "entry point outside loaded segments");
	if (entry > UINT32_MAX)
		return fail(why, "entry point above 4 GiB");

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
		return fail(why, "bad arguments");
	if (mb_find_header(img, len, &h, why) != 0)
		return -1;
	if (h.flags & MB_REQUIRED_MASK & ~MB_SUPPORTED)
		return fail(why, "unsupported required multiboot flags");
	if (h.flags & MB_FLAG_AOUT)
		return aout_load(img, len, &h, mem, out, why);
	return elf_load(img, len, mem, out, why);
}

int raw_load(const uint8_t *img, size_t len, uint32_t addr,
	     struct guest_mem *mem, struct image_entry *out, const char **why)
{
	uint64_t end;

	if (!img || !mem || !mem->base || !out)
		return fail(why, "bad arguments");
	if (len == 0)
		return fail(why, "empty image");
	if (addr >= RAW_LOAD_LIMIT)
		return fail(why, "raw load address at or above 0xA0000");
	if (__builtin_add_overflow((uint64_t)addr, (uint64_t)len, &end) ||
	    end > RAW_LOAD_LIMIT)
		return fail(why, "raw image extends past 0xA0000");
	if (end > mem->size)
		return fail(why, "raw image outside guest RAM");
	memcpy(mem->base + addr, img, len);
	out->kind = IMAGE_RAW;
	out->entry = addr;
	out->load_lo = addr;
	out->load_hi = end;
	return 0;
}
