/* Loading a partition's images into its RAM: used by the UEFI loader at
 * boot and by the core when a partition resets (from the pristine copies
 * of the files it keeps). Pure logic over guest memory. */
#ifndef BH_LOADER_H
#define BH_LOADER_H

#include "hv/load/config.h"
#include "hv/load/image.h"

struct part_image {
	const uint8_t *data;
	uint64_t len;
};

struct part_images {
	struct part_image kernel, initrd;
	struct part_image modules[CFG_MAX_MODULES];
	unsigned nmodules;
};

/* The boot vCPU's first state, as its image format prescribes: the
 * core applies it as it is, knowing no format. */
struct boot_cpu {
	bool real_mode; /* 16-bit real mode at cs:eip, else 32-bit flat */
	uint16_t cs;	/* real mode: code segment */
	uint32_t eip;
	uint16_t code_sel, data_sel; /* protected mode; 0 = 0x08/0x10 */
	uint32_t gdt_base;	     /* 0 = no GDT */
	uint16_t gdt_limit;
	uint32_t eax, ebx, esi;
};

/* Where and how the boot vCPU starts. */
struct part_boot {
	enum image_kind kind;
	struct boot_cpu cpu;
	bool pc_platform; /* the virtual PC (cfg platform; Linux, Multiboot) */
};

/* Scrubs the partition's RAM and loads its images; 0, or -1 with a
 * reason in err (the partition's config line is the caller's). */
int part_load(const struct cfg_partition *cfg, unsigned nvcpus,
	      const struct part_images *imgs, struct guest_mem *mem,
	      struct part_boot *out, char *err, size_t errlen);

#endif
