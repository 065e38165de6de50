/* Guest-physical memory map of a partition. See memmap.h. */
#include "hv/load/memmap.h"

int memmap_build(uint64_t ram_size, struct mm_entry *out, unsigned max,
		 unsigned *count)
{
	if (ram_size < MM_MIN_RAM || !out || !count || max < MM_MAX_ENTRIES)
		return -1;
	out[0] = (struct mm_entry){0, MM_EBDA_START, MM_TYPE_RAM};
	out[1] = (struct mm_entry){MM_EBDA_START, MM_EBDA_END - MM_EBDA_START,
				   MM_TYPE_RESERVED};
	out[2] = (struct mm_entry){MM_BIOS_START, MM_HIGH_START - MM_BIOS_START,
				   MM_TYPE_RESERVED};
	out[3] = (struct mm_entry){MM_HIGH_START, ram_size - MM_HIGH_START,
				   MM_TYPE_RAM};
	*count = MM_MAX_ENTRIES;
	return 0;
}

uint32_t memmap_mem_lower_kib(uint64_t ram_size)
{
	(void)ram_size; /* the conventional-memory layout is fixed */
	return MM_EBDA_START / 1024u;
}

uint32_t memmap_mem_upper_kib(uint64_t ram_size)
{
	uint64_t kib;

	if (ram_size <= MM_HIGH_START)
		return 0;
	kib = (ram_size - MM_HIGH_START) / 1024u;
	return kib > UINT32_MAX ? UINT32_MAX : (uint32_t)kib;
}
