/* Reads the host's ACPI tables to list the local APIC IDs of the enabled
 * processors (to cross-check the CPUs that UEFI MP Services reports).
 * Pure logic: compiled into the core and unit-tested on the host.
 *
 * The tables are untrusted input: every length is bounded before use, each
 * structure is mapped in full before it is read, checksums are verified,
 * the walk always advances and the number of tables is capped. */
#ifndef BH_ACPI_MADT_H
#define BH_ACPI_MADT_H

#include "hv/lib/lib.h"

/* Largest root table (RSDT/XSDT) accepted, in entries. */
#define ACPI_MADT_MAX_ROOT_ENTRIES 1024u
/* Largest MADT accepted, in bytes (room for ~64Ki x2APIC entries). */
#define ACPI_MADT_MAX_LEN (1u << 20)

/* Returns a pointer through which [pa, pa + len) of physical memory can be
 * read, or NULL if that range is not accessible. The pointer must stay
 * valid until acpi_find_apic_ids returns. In the hypervisor physical
 * memory is identity mapped. */
typedef const void *acpi_map_fn(uint64_t pa, size_t len, void *ctx);

/* Walks the RSDP at rsdp_pa: signature "RSD PTR ", checksum over the first
 * 20 bytes; with revision >= 2 also length (>= 36) and the extended
 * checksum, and then the XSDT if XsdtAddress is non-zero, else the RSDT.
 * Finds the first table signed "APIC" (null root entries are skipped; a
 * non-null one that cannot be mapped is an error), checks its length and
 * checksum, and lists the APIC IDs of the Processor Local APIC (type 0,
 * 8 bytes or more) and Processor Local x2APIC (type 9, 16 bytes or more)
 * entries whose flags have Enabled (bit 0) set. Online-capable processors
 * (bit 1 without bit 0) are not running, so they are not listed. Invalid
 * IDs (0xFF for type 0, 0xFFFFFFFF for type 9) are skipped, and an ID
 * already listed is not listed again (firmware may describe a processor
 * with both entry types). Other entry types are skipped by their length.
 *
 * Returns 0 with ids[0, *count) in MADT order. Returns -1 with *why (if why
 * is not NULL) on malformed tables or map failures (*count = 0), or when
 * more than max distinct IDs are enabled (ids holds the first max and
 * *count = max). ids may be NULL if max is 0. */
int acpi_find_apic_ids(uint64_t rsdp_pa, acpi_map_fn *map, void *ctx,
		       uint32_t *ids, unsigned max, unsigned *count,
		       const char **why);

#endif
