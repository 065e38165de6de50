/* The VMX backend's per-vCPU state (a member of struct arch_vcpu). */
#ifndef BH_VMX_TYPES_H
#define BH_VMX_TYPES_H

#include "hv/lib/lib.h"

struct vmx_vcpu {
	uint64_t vmcs_pa;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint32_t vm_insn_error; /* of the last failed entry */
	uint32_t pin, proc;	/* current pin-based/primary controls */
	uint32_t proc2;		/* current secondary controls */
	/* APIC virtualization (vmx_apic.c): set up for this vCPU; whether
	 * its xAPIC mode is accelerated too (TPR shadow, register reads,
	 * virtual-interrupt delivery); the EOI-exit bitmap as last written. */
	bool apicv, xapic_accel, x2apic_accel;
	uint64_t eoi_exit[4];
	bool vnmi;	       /* virtual NMIs and NMI-window exiting */
	bool preempt_ok;       /* VMX-preemption timer supported */
	uint8_t preempt_shift; /* it counts TSC >> this (VMX_MISC[4:0]) */
	uint64_t *pml;	       /* page-modification log, or NULL */
	unsigned map_gen;      /* of the partition's map it last flushed */
	/* The partition's own count (arch_part.map_gen): one load less on
	 * the way to every entry. */
	const volatile unsigned *part_map_gen;
	uint64_t tsc_offset; /* in its VMCS */
};

#endif
