/* Loader-internal declarations (UEFI side, before ExitBootServices). */
#ifndef BH_BOOT_EFI_H
#define BH_BOOT_EFI_H

#include <efi.h>
#include "hv/boot_info.h"

extern EFI_SYSTEM_TABLE *efi_st;
extern EFI_HANDLE efi_image;

/* Prints "bulkhead: " + message on the UEFI console and the serial port. */
void boot_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file relative to the directory bulkhead.efi was loaded
 * from ('/' separators accepted) into pages of its own (efi_free_all). */
EFI_STATUS efi_read_file(const char *rel, uint8_t **buf, uint64_t *len);

/* Allocates pages below max (inclusive); returns 0 on failure. */
uint64_t efi_alloc_pages(uint64_t bytes, uint64_t max);
/* Frees everything the two allocators above reserved (failed boot). */
void efi_free_all(void);
/* Allocates `bytes` aligned to `align` anywhere; returns 0 on failure. */
uint64_t efi_alloc_aligned(uint64_t bytes, uint64_t align);

/* Finds the CPUs through MP Services; fills ncpus and apic_id, BSP first.
 * Returns NULL or a reason. */
const char *efi_find_cpus(struct boot_info *bi);
/* Compares the CPUs with the ACPI MADT when the firmware has one. */
void efi_crosscheck_madt(const struct boot_info *bi);
/* What the BSP offers for virtualization (arch/x86_64/lib/virt_pick.h). */
struct virt_facts;
void efi_virt_facts(struct virt_facts *f);
/* Measures the TSC rate with the firmware's Stall(). */
uint64_t efi_measure_tsc_khz(void);

/* Loads every partition's images into its RAM; returns 0 or -1 after
 * printing the error. */
int boot_load_partitions(struct boot_info *bi);

#endif
