/* Everything the core needs from the loader. After ExitBootServices the
 * core never calls UEFI: this structure is the whole hand-over. */
#ifndef BH_BOOT_INFO_H
#define BH_BOOT_INFO_H

#include "hv/load/config.h"
#include "hv/load/part_load.h"

#define BI_MAX_CPUS CFG_MAX_CPUS

struct bi_partition {
	uint64_t ram_hpa;	 /* host-physical base of guest-physical 0 */
	uint64_t ram_size;	 /* bytes, multiple of 2 MiB */
	uint64_t snap_hpa;	 /* its snapshot's copy of RAM, or 0 */
	struct part_images imgs; /* pristine files, kept for resets */
	struct part_boot boot;	 /* how the boot vCPU starts */
	bool refused;		 /* its image could not be loaded */
	char why[160];		 /* ... and why */
};

struct boot_info {
	uint32_t ncpus; /* CPUs reported by firmware, index 0 = BSP */
	uint32_t apic_id[BI_MAX_CPUS];
	uint64_t tsc_khz;   /* measured against the firmware's Stall() */
	uint64_t heap_base; /* page-aligned, below 4 GiB */
	uint64_t heap_size;
	uint64_t trampoline_pa; /* one 4 KiB page below 1 MiB for AP start */
	uint64_t phys_top;	/* identity-map [0, phys_top) */
	uint16_t console_port;
	uint8_t backend; /* the loader's pick: 1 VMX, 2 SVM (arch/x86_64/lib/
			    virt_pick.h, enum virt_backend) */
	struct bh_config cfg;
	struct bi_partition parts[CFG_MAX_PARTS];
};

/* The core's entry point, called once on the BSP after ExitBootServices. */
void core_main(struct boot_info *bi) __attribute__((noreturn));

#endif
