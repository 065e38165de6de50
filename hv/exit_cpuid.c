/* CPUID: the host's answers, filtered so a partition sees only itself:
 * no VMX/SMX, a hypervisor signature, and a topology of its own vCPUs. */
#include "exit.h"
#include "abi.h"

enum { A, B, C, D };

#define CPUID1_ECX_MONITOR (1u << 3) /* MWAIT is trapped and refused */
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_SMX (1u << 6)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_HTT (1u << 28)

static void leaf_1(struct vcpu *v, uint32_t r[4])
{
	r[C] &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_SMX);
	r[C] |= CPUID1_ECX_HYPERVISOR | CPUID1_ECX_X2APIC;
	/* EBX[31:24] initial APIC ID, [23:16] logical processors. */
	r[B] = (r[B] & 0xFFFF) | (v->index << 24) | (v->part->nvcpus << 16);
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

static void leaf_hv(struct vcpu *v, uint32_t leaf, uint32_t r[4])
{
	r[A] = r[B] = r[C] = r[D] = 0;
	if (leaf == BH_CPUID_BASE) {
		r[A] = BH_CPUID_INFO;
		r[B] = BH_SIGNATURE_EBX;
		r[C] = BH_SIGNATURE_ECX;
		r[D] = BH_SIGNATURE_EDX;
	} else if (leaf == BH_CPUID_INFO) {
		r[A] = v->part->nvcpus;
		r[B] = v->index;
		r[C] = (uint32_t)(v->part->ram_size >> 20);
		r[D] = BH_ABI_VERSION;
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
		if (leaf == 1)
			leaf_1(v, r);
		else if (leaf == 0xB || leaf == 0x1F)
			leaf_topology(v, sub, r);
	}
	v->regs.rax = r[A];
	v->regs.rbx = r[B];
	v->regs.rcx = r[C];
	v->regs.rdx = r[D];
	arch_vcpu_skip(v);
}
