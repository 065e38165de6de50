/* Which virtualization backend this CPU can run, decided from what CPUID
 * and a few MSRs report (gathered by boot/efi_cpu.c). Pure: the decision
 * and its messages are unit-tested with made-up CPUs. */
#ifndef BH_VIRT_PICK_H
#define BH_VIRT_PICK_H

#include "hv/lib/lib.h"

enum virt_backend { VIRT_NONE = 0, VIRT_VMX = 1, VIRT_SVM = 2 };

struct virt_facts {
	char vendor[13]; /* CPUID.0 EBX-EDX-ECX, NUL-terminated */
	/* Intel VT-x (SDM Vol. 3C 23.6, 23.7, Appendix A.3.3) */
	bool vmx;	      /* CPUID.1:ECX[5] */
	uint64_t feature_ctl; /* IA32_FEATURE_CONTROL, when vmx */
	bool vmx_secondary;   /* "activate secondary controls" allowed */
	bool ept, vpid, ug;   /* secondary controls allowed to be 1 */
	/* AMD-V (APM Vol. 2 15.4, 15.25; CPUID Fn8000_000A) */
	bool svm;	/* CPUID 8000_0001:ECX[2] */
	bool npt;	/* CPUID 8000_000A:EDX[0] */
	bool nrips;	/* CPUID 8000_000A:EDX[3], next-RIP save */
	uint32_t asids; /* CPUID 8000_000A:EBX */
	uint64_t vm_cr; /* VM_CR MSR (C001_0114h), when svm */
};

/* The backend to use, or VIRT_NONE with the reason in why (a sentence
 * naming what is missing or disabled). */
enum virt_backend virt_pick(const struct virt_facts *f, char *why,
			    size_t why_len);
/* "VMX with EPT, VPID and unrestricted guest" or "SVM with nested paging
 * (N ASIDs, next-RIP save yes|no)": what the first boot lines say. */
void virt_describe(const struct virt_facts *f, enum virt_backend b, char *out,
		   size_t len);

#endif
