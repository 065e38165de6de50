/* The SVM backend's per-vCPU state (a member of struct arch_vcpu). */
#ifndef BH_SVM_TYPES_H
#define BH_SVM_TYPES_H

#include "hv/lib/lib.h"
#include "arch/x86_64/svm/vmcb.h"

struct svm_vcpu {
	struct vmcb *vmcb;   /* its page; identity-mapped: also its address */
	uint64_t next_rip;   /* of the exiting instruction, for skip */
	uint64_t tsc_offset; /* in its VMCB */
	unsigned map_gen;    /* of the partition's map it last flushed */
	bool flush;	     /* flush the guest's TLB at the next VMRUN */
	uint64_t deadline;   /* host TSC, UINT64_MAX: none */
	struct svm_nmi {     /* NMI blocking, kept here (svm_irq.c) */
		bool masked; /* an injected NMI awaits its IRET */
		bool iret_seen; /* ... which is about to run at: */
		uint64_t iret_rip;
	} nmi;
	bool nmi_window; /* the core waits to inject an NMI */
};

/* A vCPU's state in a snapshot (arch_vcpu_save), besides what is live in
 * the CPU (struct x86_cpu_state): the VMCB's whole state-save area, which
 * after the exit also holds what VMSAVE stored (FS, GS, TR, LDTR, the
 * syscall MSRs, KERNEL_GS_BASE, SYSENTER), and the guest's part of the
 * control area: the interrupt shadow, an event being injected, V_TPR. */
struct svm_state {
	struct vmcb_save save;
	uint64_t int_state, event_inj, v_tpr;
	struct svm_nmi nmi;
};

#endif
