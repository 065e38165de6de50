/* Multiboot v1 boot information builder.
 * Pure logic: compiled into the core and unit-tested on the host.
 *
 * Everything the loader writes for the kernel, except module data, lives
 * in a fixed window of usable conventional RAM, guest-physical
 * [MB_WINDOW_START, MB_WINDOW_END) = [0x8000, 0x80000), zeroed first:
 *
 *   0x08000  struct mb_info (116 bytes)                 MB_INFO_GPA
 *   0x08100  boot loader name "Bulkhead\0"              MB_LOADER_NAME_GPA
 *   0x08200  memory map, struct mb_mmap_entry[]         MB_MMAP_GPA
 *   0x08400  module list, struct mb_module[64]          MB_MODS_GPA
 *   0x08800  command line, NUL-terminated (<= 30 KiB)   MB_CMDLINE_GPA
 *   0x10000  module strings, packed, NUL-terminated     MB_MODSTR_GPA
 *   0x80000  end of window
 *
 * Module data are copied to guest RAM at or above 1 MiB, starting at the
 * first page boundary at or after kernel->load_hi, each module starting on
 * a page boundary, in order. mod_end is exclusive (start + length).
 *
 * The kernel is entered with EAX = MB_BOOT_MAGIC, EBX = the info address. */
#ifndef BH_MBINFO_H
#define BH_MBINFO_H

#include "hv/load/image.h"

#define MB_BOOT_MAGIC 0x2BADB002u

#define MB_WINDOW_START	   0x8000u
#define MB_INFO_GPA	   0x8000u
#define MB_LOADER_NAME_GPA 0x8100u
#define MB_MMAP_GPA	   0x8200u
#define MB_MODS_GPA	   0x8400u
#define MB_CMDLINE_GPA	   0x8800u
#define MB_MODSTR_GPA	   0x10000u
#define MB_WINDOW_END	   0x80000u

#define MB_MAX_MODULES	((MB_CMDLINE_GPA - MB_MODS_GPA) / 16u) /* 64 */
#define MB_CMDLINE_MAX	(MB_MODSTR_GPA - MB_CMDLINE_GPA)       /* incl. NUL */
#define MB_LOADER_NAME	"Bulkhead"
#define MB_MODULE_ALIGN 4096u
#define MB_MODULE_MIN	0x100000u /* modules never go below 1 MiB */

/* mb_info.flags */
#define MB_INFO_MEMORY	    (1u << 0)
#define MB_INFO_BOOTDEV	    (1u << 1)
#define MB_INFO_CMDLINE	    (1u << 2)
#define MB_INFO_MODS	    (1u << 3)
#define MB_INFO_MMAP	    (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB */
	uint32_t mem_upper; /* KiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length; /* bytes */
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint8_t color_info[6];
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size; /* of the rest of the entry: 20 */
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start;
	uint32_t mod_end; /* exclusive */
	uint32_t string;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct mb_info) == 116, "mb_info size");
_Static_assert(__builtin_offsetof(struct mb_info, mmap_length) == 44,
	       "mb_info mmap_length");
_Static_assert(__builtin_offsetof(struct mb_info, boot_loader_name) == 64,
	       "mb_info boot_loader_name");
_Static_assert(__builtin_offsetof(struct mb_info, framebuffer_addr) == 88,
	       "mb_info framebuffer_addr");
_Static_assert(__builtin_offsetof(struct mb_info, color_info) == 110,
	       "mb_info color_info");
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "mb_mmap_entry size");
_Static_assert(__builtin_offsetof(struct mb_mmap_entry, base_addr) == 4,
	       "mb_mmap_entry base_addr");
_Static_assert(__builtin_offsetof(struct mb_mmap_entry, type) == 20,
	       "mb_mmap_entry type");
_Static_assert(sizeof(struct mb_module) == 16, "mb_module size");

struct mb_module_in {
	const uint8_t *data;
	size_t len;
	const char *string; /* NULL = "" */
};

/* Builds the Multiboot v1 information for a kernel loaded into mem (see the
 * layout above): flags MEMORY | CMDLINE | MODS | MMAP | LOADER_NAME,
 * mem_lower/mem_upper and the memory map from memmap_build(mem->size),
 * cmdline (NULL = ""), and nmods modules copied into RAM above the kernel.
 * The kernel's range must be inside RAM and must not overlap the window.
 * Everything is validated before guest memory is written. Returns 0 and
 * sets *info_gpa (= MB_INFO_GPA), or -1 with *why (if why is not NULL). */
int mb_build_info(struct guest_mem *mem, const struct image_entry *kernel,
		  const char *cmdline, const struct mb_module_in *mods,
		  unsigned nmods, uint32_t *info_gpa, const char **why);

#endif
