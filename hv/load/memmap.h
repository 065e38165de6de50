/* Guest-physical memory map of a partition (e820 / Multiboot style).
 * Pure logic: compiled into the core and unit-tested on the host. */
#ifndef BH_MEMMAP_H
#define BH_MEMMAP_H

#include "hv/lib/lib.h"
#include "hv/vdev/pcmap.h"

#define MM_TYPE_RAM	 1u /* usable RAM */
#define MM_TYPE_RESERVED 2u /* reserved */

/* Fixed PC-like low-memory layout every partition sees. */
#define MM_EBDA_START  0x9FC00u	    /* end of conventional usable RAM */
#define MM_EBDA_END    0xA0000u	    /* start of the VGA hole */
#define MM_BIOS_START  PC_BIOS_AREA /* BIOS area (reserved) */
#define MM_HIGH_START  0x100000u    /* 1 MiB: start of upper RAM */
#define MM_MIN_RAM     BH_MIB(2)
#define MM_MAX_ENTRIES 4u /* entries memmap_build produces */

struct mm_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type; /* MM_TYPE_* */
};

/* Builds the memory map of a partition with ram_size bytes of RAM at
 * guest-physical [0, ram_size):
 *   [0x00000, 0x9FC00)   usable     conventional memory
 *   [0x9FC00, 0xA0000)   reserved   EBDA
 *   [0xF0000, 0x100000)  reserved   BIOS area
 *   [0x100000, ram_size) usable     upper memory
 * [0xA0000, 0xF0000) is a hole (not listed). Entries are sorted by address.
 * Returns 0 and sets *count, or -1 if ram_size < 2 MiB or max is smaller
 * than MM_MAX_ENTRIES (out and *count are then untouched). */
int memmap_build(uint64_t ram_size, struct mm_entry *out, unsigned max,
		 unsigned *count);

/* Multiboot mem_lower: KiB of conventional memory (always 639). */
uint32_t memmap_mem_lower_kib(uint64_t ram_size);

/* Multiboot mem_upper: KiB of RAM above 1 MiB, capped to UINT32_MAX;
 * 0 if ram_size <= 1 MiB. */
uint32_t memmap_mem_upper_kib(uint64_t ram_size);

#endif
