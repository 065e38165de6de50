/* Guest kernel image detection and loading (Multiboot v1, raw real-mode).
 * Pure logic: compiled into the core and unit-tested on the host. Every
 * image is untrusted: all offsets, sizes and counts are checked, and errors
 * are reported with a short static reason string. */
#ifndef BH_IMAGE_H
#define BH_IMAGE_H

#include "hv/lib/lib.h"

/* A partition's RAM: host buffer backing guest-physical [0, size). */
struct guest_mem {
	uint8_t *base;
	uint64_t size;
};

enum image_kind {
	IMAGE_UNKNOWN,
	IMAGE_MULTIBOOT_ELF, /* Multiboot v1 kernel, load with mb_elf_load */
	IMAGE_BZIMAGE,	     /* Linux bzImage (detected only) */
	IMAGE_RAW,	     /* raw real-mode image, never detected */
};

struct image_entry {
	enum image_kind kind;
	uint32_t entry;	  /* guest-physical entry point */
	uint64_t load_lo; /* guest-physical range the image occupies: */
	uint64_t load_hi; /* [load_lo, load_hi) */
};

#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_SEARCH_LIMIT 8192u	   /* header must lie in the first 8 KiB */
#define MB_FLAG_ALIGN	(1u << 0)  /* page-align modules */
#define MB_FLAG_MEMINFO (1u << 1)  /* wants mem_* and mmap_* */
#define MB_FLAG_VIDEO	(1u << 2)  /* video mode (accepted, ignored) */
#define MB_FLAG_AOUT	(1u << 16) /* address fields valid (a.out kludge) */
#define MB_LOAD_MIN	0x100000u  /* kernels load at or above 1 MiB */
#define RAW_LOAD_LIMIT	0xA0000u   /* raw images end below the VGA hole */

/* Classifies an image by its magic numbers:
 *   "\x7fELF" at 0                          -> IMAGE_MULTIBOOT_ELF
 *   0xAA55 at 0x1FE and "HdrS" at 0x202     -> IMAGE_BZIMAGE
 *   otherwise a valid Multiboot header with the a.out kludge flag (bit 16)
 *   in the first 8 KiB (flat binary kernel) -> IMAGE_MULTIBOOT_ELF
 *   otherwise                               -> IMAGE_UNKNOWN
 * Only magic numbers are checked; the loader validates the rest. */
enum image_kind image_detect(const uint8_t *img, size_t len);

/* Loads a Multiboot v1 kernel into mem. The image must carry a valid
 * Multiboot header (magic, 4-byte aligned, within the first 8192 bytes,
 * magic + flags + checksum == 0) whose required flags (bits 0-15) are a
 * subset of ALIGN|MEMINFO|VIDEO.
 * - If flag bit 16 (a.out kludge) is set, the header's address fields are
 *   used (as GRUB does), for ELF and non-ELF images alike.
 * - Otherwise the image must be a little-endian ET_EXEC ELF, either
 *   ELFCLASS32/EM_386 or ELFCLASS64/EM_X86_64. Each PT_LOAD segment is
 *   copied to p_paddr (file bytes, then zeros up to p_memsz). The entry point
 *   is e_entry translated from p_vaddr to p_paddr of the segment holding it.
 * Every loaded range must lie inside [MB_LOAD_MIN, mem->size) (the low 1 MiB
 * holds the Multiboot info structures), and the entry point must be inside a
 * loaded range and below 4 GiB. Everything is validated before guest memory
 * is written. On success fills *out (kind IMAGE_MULTIBOOT_ELF) and returns
 * 0; on error returns -1 and sets *why (if why is not NULL). */
int mb_elf_load(const uint8_t *img, size_t len, struct guest_mem *mem,
		struct image_entry *out, const char **why);

/* Copies a raw 16-bit image to linear address addr: requires len > 0,
 * addr + len <= RAW_LOAD_LIMIT (0xA0000) and inside mem. Entry = addr,
 * kind IMAGE_RAW. Returns 0, or -1 with *why (if why is not NULL). */
int raw_load(const uint8_t *img, size_t len, uint32_t addr,
	     struct guest_mem *mem, struct image_entry *out, const char **why);

#endif
