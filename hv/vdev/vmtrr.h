/* Virtual MTRRs of one vCPU (SDM Vol. 3A 11.11): MTRRCAP, MTRRdefType, the
 * 11 fixed-range and 8 variable-range registers, kept per vCPU as each
 * logical processor keeps its own. Pure logic: hv/exit/msr.c routes the
 * MSRs here.
 *
 * They decide no memory type. With EPT or nested paging the CPU ignores
 * the guest's MTRRs: a guest access gets the type of the second-level
 * entry, combined with the guest's PAT (SDM Vol. 3C "Memory Type Used for
 * Translated Guest-Physical Addresses"; with nested paging the host's
 * MTRRs and nested PAT, APM Vol. 2 "Combining Memory Types"), and the
 * real MTRRs stay the hypervisor's. They exist so that
 * a kernel finds what firmware leaves on a PC: Linux 6.1 turns PAT off
 * when it finds no MTRRs ("MTRRs disabled, skipping PAT initialization
 * too"), and loses write-combining with it. */
#ifndef BH_VMTRR_H
#define BH_VMTRR_H

#include "hv/lib/lib.h"

#define VMTRR_VAR   8u	/* variable ranges (MTRRCAP.VCNT) */
#define VMTRR_FIXED 11u /* 64K_00000, 16K_80000/A0000, 4K_C0000..F8000 */

#define MSR_MTRRCAP	 0xFEu
#define MSR_MTRR_PHYS0	 0x200u /* PHYSBASE0; PHYSMASKn = 0x201 + 2n */
#define MSR_MTRR_DEFTYPE 0x2FFu

/* reg[]: MTRRdefType, then the fixed ranges in MSR order, then PHYSBASE0,
 * PHYSMASK0, PHYSBASE1, ... */
enum {
	VMTRR_DEF = 0,
	VMTRR_FIX0 = 1,
	VMTRR_VAR0 = VMTRR_FIX0 + VMTRR_FIXED,
	VMTRR_REGS = VMTRR_VAR0 + 2 * VMTRR_VAR,
};

struct vmtrr {
	uint64_t reg[VMTRR_REGS];
};

/* What a PC's firmware leaves at power-on: MTRRs on, write-back by
 * default, the fixed ranges on with the legacy video window
 * (0xA0000-0xBFFFF) uncacheable, no variable range in use. */
void vmtrr_reset(struct vmtrr *m);
/* Whether msr is one of the MTRR MSRs above. */
bool vmtrr_is_msr(uint32_t msr);
/* false: #GP (a write to MTRRCAP, a reserved bit, an undefined memory
 * type, an address bit at or above the vCPU's MAXPHYADDR phys_bits). */
bool vmtrr_read(const struct vmtrr *m, uint32_t msr, uint64_t *val);
bool vmtrr_write(struct vmtrr *m, uint32_t msr, uint64_t val,
		 unsigned phys_bits);

#endif
