/* CPUID: the host's answers, filtered so a partition sees only itself:
 * no VMX/SMX, a hypervisor signature, and a topology of its own vCPUs. */
#include "hv/exit.h"
#include "hv/abi.h"
#include "hv/cpu.h"
#include "arch/x86_64/x86_defs.h"

enum { A, B, C, D };

#define CPUID1_ECX_MONITOR    (1u << 3) /* MWAIT is trapped and refused */
#define CPUID1_ECX_VMX	      (1u << 5)
#define CPUID1_ECX_SMX	      (1u << 6)
#define CPUID1_ECX_X2APIC     (1u << 21)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_HTT	      (1u << 28)
#define CPUID1_EDX_APIC	      (1u << 9)
/* Features whose MSRs or machine-wide state a partition does not get:
 * DTES64, DS-CPL, EST, TM2, xTPR, PDCM (ECX); DS, ACPI thermal, TM, PBE
 * (EDX). MCE, MTRR and MCA are offered: the MTRRs and MCG_STATUS are the
 * vCPU's own, and MCA has no banks (hv/exit/msr.c). */
#define CPUID1_ECX_HIDE                                                        \
	((1u << 2) | (1u << 4) | (1u << 7) | (1u << 8) | (1u << 14) |          \
	 (1u << 15))
#define CPUID1_EDX_HIDE ((1u << 21) | (1u << 22) | (1u << 29) | (1u << 31))
#define CPUID6_EAX_ARAT (1u << 2)
/* Leaf 7: SGX, MPX (EBX); WAITPKG, CET shadow stacks, LA57 (ECX; the CET
 * MSRs are not offered). EDX (speculation controls, ARCH_CAPABILITIES,
 * CET IBT...) is hidden whole. TSC_ADJUST is offered whether or
 * not the host has it: the MSR is the hypervisor's (hv/exit/msr.c). */
#define CPUID7_EBX_TSC_ADJUST (1u << 1)
#define CPUID7_EBX_HIDE	      ((1u << 2) | (1u << 14))
#define CPUID7_ECX_HIDE	      ((1u << 5) | (1u << 7) | (1u << 16))
/* Leaf 0xD.1: XSAVEC and XSAVES are not offered, so the guest uses the
 * standard XSAVE layout whose sizes the host's leaf 0xD reports. */
#define CPUIDD1_EAX_HIDE	  ((1u << 1) | (1u << 3))
#define CPUID1_ECX_OSXSAVE	  (1u << 27)
#define CPUID7_ECX_OSPKE	  (1u << 4)
#define CPUID_80000007_EDX_INVTSC (1u << 8)
/* AMD's SVM and SKINIT (APM Vol. 3, CPUID Fn8000_0001_ECX bits 2 and 12):
 * no nested virtualization and no secure init, as VMX and SMX on Intel. */
#define CPUID_80000001_ECX_HIDE ((1u << 2) | (1u << 12))

static void leaf_1(struct vcpu *v, uint32_t r[4])
{
	r[C] &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_SMX |
		  CPUID1_ECX_HIDE);
	r[C] |=
	    CPUID1_ECX_HYPERVISOR | CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE;
	r[D] &= ~CPUID1_EDX_HIDE;
	/* OSXSAVE mirrors the guest's own CR4, not the host's (SDM CPUID). */
	r[C] &= ~CPUID1_ECX_OSXSAVE;
	if (arch_vcpu_reg(v, VREG_CR4) & CR4_OSXSAVE)
		r[C] |= CPUID1_ECX_OSXSAVE;
	/* EBX[31:24] initial APIC ID, [23:16] logical processors. */
	r[B] = (r[B] & 0xFFFF) | (v->index << 24) | (v->part->nvcpus << 16);
	/* The APIC flag follows IA32_APIC_BASE.EN, as on hardware (SDM
	 * 10.4.3: a disabled APIC reads as absent in CPUID). */
	if (!vlapic_hw_enabled(&v->lapic))
		r[D] &= ~CPUID1_EDX_APIC;
	if (v->part->nvcpus > 1)
		r[D] |= CPUID1_EDX_HTT;
	else
		r[D] &= ~CPUID1_EDX_HTT;
}

static unsigned order(unsigned n)
{
	unsigned s = 0;
	while ((1u << s) < n)
		s++;
	return s;
}

/* Leaf 0xB (and 0x1F): one thread per core, nvcpus cores in a package. */
static void leaf_topology(struct vcpu *v, uint32_t sub, uint32_t r[4])
{
	unsigned n = v->part->nvcpus;
	r[A] = r[B] = 0;
	r[C] = sub & 0xFF;
	if (sub == 0) {
		r[B] = 1;
		r[C] |= 1u << 8; /* SMT level */
	} else if (sub == 1) {
		r[A] = order(n);
		r[B] = n;
		r[C] |= 2u << 8; /* core level */
	}
	r[D] = v->index;
}

/* AMD's topology leaves (APM Vol. 3 E.4.7, E.4.15): cores = the
 * partition's vCPUs, one thread each, one node; the extended APIC ID is
 * the vCPU's. A CPU that reports no core count in 0x80000008 (Intel:
 * reserved, 0) keeps its 0; 0x8000001E only where the CPU has it. */
static void leaf_amd_topology(struct vcpu *v, uint32_t leaf, uint32_t r[4])
{
	unsigned n = v->part->nvcpus;
	if (leaf == 0x80000008) {
		if (r[C] & 0xF0FF)
			r[C] = (r[C] & ~0xF0FFu) | order(n) << 12 | (n - 1);
		return;
	}
	uint32_t max[4];
	arch_cpuid(0x80000000, 0, max);
	if (max[A] < 0x8000001E)
		return;
	r[A] = v->index;
	r[B] = v->index & 0xFF; /* core ID; threads per core - 1 = 0 */
	r[C] = 0;		/* node 0, one node per processor */
	r[D] = 0;
}

/* The TSC frequency, so the guest needs no timer to calibrate (leaf 0x15:
 * crystal = TSC, ratio 1; leaf 0x16 in MHz). The local APIC timer runs at
 * the same rate (hv/vlapic.c). */
static void leaf_tsc(uint32_t leaf, uint32_t r[4])
{
	uint64_t hz = hv_tsc_hz;
	if (leaf == 0x15) {
		r[A] = 1;
		r[B] = 1;
		r[C] = hz > 0xFFFFFFFFull ? 0 : (uint32_t)hz;
		r[D] = 0;
	} else {
		r[A] = r[B] = (uint32_t)(hz / 1000000);
		r[C] = 100;
		r[D] = 0;
	}
}

/* Per-leaf filters on the host's answer (leaves not listed pass). */
static void filter_leaf(struct vcpu *v, uint32_t leaf, uint32_t sub,
			uint32_t r[4])
{
	switch (leaf) {
	case 0:
		if (r[A] < 0x16)
			r[A] = 0x16;
		/* Its reset value has the bit clear: flipped = set. */
		if (v->msr.misc_enable_flip & MISC_ENABLE_LIMIT_CPUID)
			r[A] = 2;
		break;
	case 1:
		leaf_1(v, r);
		break;
	case 4: /* cores per package - 1, no cache sharing across vCPUs */
		r[A] = (r[A] & 0x3FFF) | ((v->part->nvcpus - 1) << 26);
		break;
	case 5:	  /* MONITOR/MWAIT is not offered */
	case 0xA: /* no PMU */
		r[A] = r[B] = r[C] = r[D] = 0;
		break;
	case 6:
		r[A] = CPUID6_EAX_ARAT;
		r[B] = r[C] = r[D] = 0;
		break;
	case 7:
		if (sub == 0) {
			r[B] &= ~CPUID7_EBX_HIDE;
			r[B] |= CPUID7_EBX_TSC_ADJUST;
			r[C] &= ~(CPUID7_ECX_HIDE | CPUID7_ECX_OSPKE);
			if (arch_vcpu_reg(v, VREG_CR4) & CR4_PKE)
				r[C] |= CPUID7_ECX_OSPKE;
		}
		r[D] = 0;
		break;
	case 0xB:
	case 0x1F:
		leaf_topology(v, sub, r);
		break;
	case 0xD:
		if (sub == 1)
			r[A] &= ~CPUIDD1_EAX_HIDE;
		break;
	case 0x15:
	case 0x16:
		leaf_tsc(leaf, r);
		break;
	case 0x80000001:
		r[C] &= ~CPUID_80000001_ECX_HIDE;
		break;
	case 0x80000007:
		r[D] = CPUID_80000007_EDX_INVTSC;
		break;
	case 0x80000008:
	case 0x8000001E:
		leaf_amd_topology(v, leaf, r);
		break;
	case 0x8000000A: /* SVM features: none offered */
		r[A] = r[B] = r[C] = r[D] = 0;
		break;
	default:
		break;
	}
}

static void leaf_hv(struct vcpu *v, uint32_t leaf, uint32_t r[4])
{
	r[A] = r[B] = r[C] = r[D] = 0;
	if (leaf == BH_CPUID_BASE) {
		r[A] = BH_CPUID_RESETS;
		r[B] = BH_SIGNATURE_EBX;
		r[C] = BH_SIGNATURE_ECX;
		r[D] = BH_SIGNATURE_EDX;
	} else if (leaf == BH_CPUID_INFO) {
		r[A] = v->part->nvcpus;
		r[B] = v->index;
		r[C] = (uint32_t)(v->part->ram_size >> 20);
		r[D] = BH_ABI_VERSION;
	} else if (leaf == BH_CPUID_RESETS) {
		r[A] = v->part->resets;
	}
}

void exit_cpuid(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
	uint32_t r[4];
	if ((leaf & 0xFFFFFF00u) == BH_CPUID_BASE) {
		leaf_hv(v, leaf, r);
	} else {
		arch_cpuid(leaf, sub, r);
		/* r to memory: the filters are short edits of one or two
		 * words, and holding all four across their calls in
		 * callee-saved registers costs more than they do. */
		__asm__("" : : "r"(r) : "memory");
		filter_leaf(v, leaf, sub, r);
	}
	v->regs.rax = r[A];
	v->regs.rbx = r[B];
	v->regs.rcx = r[C];
	v->regs.rdx = r[D];
	arch_vcpu_skip(v);
}
