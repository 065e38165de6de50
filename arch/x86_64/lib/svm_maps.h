/* AMD-V (SVM) MSR and I/O permission maps (APM Vol. 2 15.11, 15.10.1).
 * Pure logic on caller-provided memory: in the core the maps are the
 * page-aligned, physically contiguous areas whose addresses go into the
 * VMCB (MSRPM_BASE_PA, IOPM_BASE_PA); in host tests they are plain
 * buffers. In both maps a set bit means "intercept", so the safe default
 * is all ones and the builders only ever clear bits. */
#ifndef BH_SVM_MAPS_H
#define BH_SVM_MAPS_H

#include "hv/lib/lib.h"

#define SVM_MSRPM_BYTES	  8192	  /* two 4 KiB pages (APM 15.11) */
#define SVM_IOPM_BYTES	  12288	  /* three 4 KiB pages (APM 15.10.1) */
#define SVM_IOPM_MAX_PORT 0xFFFFu /* I/O space is 64 K ports */

/* Sets every bit of the SVM_MSRPM_BYTES at map, the reserved fourth
 * vector included: every RDMSR and WRMSR intercepts. */
void svm_msrpm_init(uint8_t *map);
/* Clears the read (RDMSR) and/or write (WRMSR) intercept of msr. Returns
 * 0, or -1 with the map unchanged when msr lies outside the three ranges
 * the map covers (those always intercept). */
int svm_msrpm_allow(uint8_t *map, uint32_t msr, bool read, bool write);
/* Whether the CPU would intercept RDMSR (write false) or WRMSR (write
 * true) of msr under map: true for MSRs outside the covered ranges. */
bool svm_msrpm_intercepts(const uint8_t *map, uint32_t msr, bool write);

/* Sets every bit of the SVM_IOPM_BYTES at map: every port intercepts,
 * and so do the bits past port 0xFFFF that wrapping accesses read. */
void svm_iopm_init(uint8_t *map);
/* Clears the intercept bits of ports first..last inclusive. Returns 0, or
 * -1 with the map unchanged if first > last or last > SVM_IOPM_MAX_PORT. */
int svm_iopm_allow(uint8_t *map, uint32_t first, uint32_t last);
/* Whether the CPU would intercept a size-byte IN/OUT at port under map:
 * true if the bit of any port the access touches is set, including the
 * bits past 0xFFFF. Sizes other than 1, 2 and 4 do not exist and report
 * true. */
bool svm_iopm_intercepts(const uint8_t *map, uint16_t port, unsigned size);

#endif
