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

/* Where and how the boot vCPU starts. */
struct part_boot {
	enum image_kind kind;
	uint32_t entry;	   /* EIP (Multiboot, Linux) or linear address (raw) */
	uint32_t info;	   /* EBX (Multiboot info) or ESI (Linux zero page) */
	uint32_t gdt_base; /* Linux: the boot GDT; 0 otherwise */
	uint16_t gdt_limit;
	bool pc_platform; /* the guest gets ACPI, PIC, PM timer (Linux) */
};

/* Platform constants of the PC a Linux partition sees. */
#define PLAT_ACPI_GPA  0xF0000u
#define PLAT_ACPI_SIZE 0x10000u
#define PLAT_PM1A_EVT  0x600u
#define PLAT_PM1A_CNT  0x604u
#define PLAT_PM_TMR    0x608u
#define PLAT_SCI_IRQ   9u
#define PLAT_S5_TYP    5u

/* Scrubs the partition's RAM and loads its images; 0, or -1 with a
 * reason in err (the partition's config line is the caller's). */
int part_load(const struct cfg_partition *cfg, unsigned nvcpus,
	      const struct part_images *imgs, struct guest_mem *mem,
	      struct part_boot *out, char *err, size_t errlen);

#endif
