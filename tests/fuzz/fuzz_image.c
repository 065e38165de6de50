/* libFuzzer harness: guest image detection and loading (hv/image.c).
 *
 * The whole input is the image for image_detect and mb_elf_load (into a
 * 4 MiB guest RAM); raw_load takes its load address from the first 4 bytes
 * (little-endian) and the rest as the image (into a 576 KiB guest RAM).
 * Guest RAM buffers are heap blocks of exactly their size, so ASan flags any
 * write past the end; the low 1 MiB of the Multiboot RAM is ASan-poisoned,
 * so any access to it by the loader is reported too. Properties:
 * - image_detect agrees with a model of its documented rules;
 * - mb_elf_load success: entry in [load_lo, load_hi), the range inside
 *   [1 MiB, RAM size), and the image was detected as loadable;
 * - raw_load succeeds exactly when its documented conditions hold, and then
 *   the image is at the address and out describes it. */
#include <sanitizer/asan_interface.h>

#include "hv/load/image.h"
#include "tests/fuzz/fuzz_util.h"

#define MB_RAM	(4u << 20)
#define RAW_RAM 0x90000u /* below RAW_LOAD_LIMIT: both limits reachable */

static struct guest_mem mb_mem, raw_mem;

/* image_detect as documented in image.h. */
static enum image_kind model_detect(const uint8_t *img, size_t len)
{
	size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
	static const uint8_t elf_magic[4] = {0x7F, 'E', 'L', 'F'};

	if (len >= 4 && memcmp(img, elf_magic, 4) == 0)
		return IMAGE_MULTIBOOT_ELF;
	if (len >= 0x206 && img[0x1FE] == 0x55 && img[0x1FF] == 0xAA &&
	    memcmp(img + 0x202, "HdrS", 4) == 0)
		return IMAGE_BZIMAGE;
	for (size_t off = 0; off + 12 <= limit; off += 4) {
		uint32_t flags = rd32(img + off + 4);

		if (rd32(img + off) != MB_HEADER_MAGIC ||
		    (uint32_t)(MB_HEADER_MAGIC + flags + rd32(img + off + 8)))
			continue;
		/* The first valid header decides; its address fields must
		 * be complete within the search window. */
		if ((flags & MB_FLAG_AOUT) && off + 32 <= limit)
			return IMAGE_MULTIBOOT_ELF;
		return IMAGE_UNKNOWN;
	}
	return IMAGE_UNKNOWN;
}

static struct guest_mem alloc_mem(uint64_t size)
{
	struct guest_mem m = {malloc(size), size};

	CHECK(m.base != NULL);
	memset(m.base, 0, size);
	return m;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mb_mem = alloc_mem(MB_RAM);
	raw_mem = alloc_mem(RAW_RAM);
	/* Multiboot kernels never touch the low 1 MiB. */
	ASAN_POISON_MEMORY_REGION(mb_mem.base, MB_LOAD_MIN);
	CHECK(image_detect(NULL, 0) == IMAGE_UNKNOWN);
	return 0;
}

static void fuzz_mb(const uint8_t *data, size_t size)
{
	struct image_entry out;
	const char *why = NULL;
	enum image_kind kind = image_detect(data, size);

	CHECK(kind == model_detect(data, size));
	memset(&out, 0xA5, sizeof(out));
	if (mb_elf_load(data, size, &mb_mem, &out, &why) != 0) {
		CHECK(why != NULL && why[0] != '\0');
		return;
	}
	CHECK(kind == IMAGE_MULTIBOOT_ELF || kind == IMAGE_BZIMAGE);
	CHECK(out.kind == IMAGE_MULTIBOOT_ELF);
	CHECK(out.load_lo >= MB_LOAD_MIN);
	CHECK(out.load_lo < out.load_hi);
	CHECK(out.load_hi <= mb_mem.size);
	CHECK(out.entry >= out.load_lo && out.entry < out.load_hi);
}

static void fuzz_raw(const uint8_t *data, size_t size)
{
	struct image_entry out;
	const char *why = NULL;
	uint32_t addr;
	const uint8_t *img;
	size_t len;
	bool ok;

	if (size < 4)
		return;
	addr = rd32(data);
	img = data + 4;
	len = size - 4;
	ok = len > 0 && addr < RAW_LOAD_LIMIT &&
	     (uint64_t)addr + len <= RAW_LOAD_LIMIT &&
	     (uint64_t)addr + len <= raw_mem.size;
	memset(&out, 0xA5, sizeof(out));
	if (raw_load(img, len, addr, &raw_mem, &out, &why) != 0) {
		CHECK(!ok);
		CHECK(why != NULL && why[0] != '\0');
		return;
	}
	CHECK(ok);
	CHECK(out.kind == IMAGE_RAW);
	CHECK(out.entry == addr);
	CHECK(out.load_lo == addr);
	CHECK(out.load_hi == (uint64_t)addr + len);
	CHECK(memcmp(raw_mem.base + addr, img, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_mb(data, size);
	fuzz_raw(data, size);
	return 0;
}
