/* The SVM backend's per-vCPU state (a member of struct arch_vcpu). */
#ifndef BH_SVM_TYPES_H
#define BH_SVM_TYPES_H

#include "hv/lib/lib.h"

struct vmcb;

struct svm_vcpu {
	struct vmcb *vmcb;   /* its page; identity-mapped: also its address */
	uint64_t next_rip;   /* of the exiting instruction, for skip */
	uint64_t tsc_offset; /* in its VMCB */
	unsigned map_gen;    /* of the partition's map it last flushed */
	bool flush;	     /* flush the guest's TLB at the next VMRUN */
	uint64_t deadline;   /* host TSC, UINT64_MAX: none */
};

#endif
