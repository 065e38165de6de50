/* The part of a vCPU's state that no control structure switches, because
 * the hypervisor never uses it on a partition's dedicated CPU: CR2,
 * DR0-3 and DR6, the x87/SSE/AVX registers and XCR0, and the MSRs the
 * trap policy passes through without an exit. While the vCPU is out of
 * the guest they are still the guest's, live in the CPU, so they are
 * saved and loaded on the vCPU's own CPU (snapshots, arch_vcpu_save).
 * SVM's VMCB holds some of them (CR2, DR6; the syscall MSRs through
 * VMSAVE/VMLOAD), so the caller says which parts are live (vendor.h). */
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/x86.h"
#include "arch/x86_64/x86_defs.h"

/* Passed through (the MSR allowlist) and not in the VMCS: STAR, LSTAR, CSTAR,
 * SFMASK, KERNEL_GS_BASE; TSC_AUX last, only with RDTSCP (reading it otherwise
 * faults). */
static const uint32_t live_msrs[X86_STATE_MSRS] = {
    0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, 0xC0000102, 0xC0000103,
};

static bool has_tsc_aux(void)
{
	struct cpuid_regs r;
	cpuid(0x80000000, 0, &r);
	if (r.eax < 0x80000001)
		return false;
	cpuid(0x80000001, 0, &r);
	return r.edx & (1u << 27); /* RDTSCP */
}

static bool has_xsave(void)
{
	return read_cr4() & CR4_OSXSAVE;
}

/* XSAVE writes every component XCR0 enables (SDM Vol. 1 13.7); the size
 * for the current XCR0 is CPUID.(EAX=0DH,ECX=0):EBX. FXSAVE without it. */
static int save_fpu(struct x86_cpu_state *s)
{
	if (!has_xsave()) {
		s->xcr0 = 0;
		__asm__ volatile("fxsave64 %0" : "=m"(s->xsave));
		return 0;
	}
	struct cpuid_regs r;
	uint32_t lo, hi;
	cpuid(0xD, 0, &r);
	if (r.ebx > sizeof(s->xsave))
		return -1;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	s->xcr0 = ((uint64_t)hi << 32) | lo;
	memset(s->xsave, 0, sizeof(s->xsave)); /* a clean XSAVE header */
	__asm__ volatile("xsave64 %0"
			 : "+m"(s->xsave)
			 : "a"(lo), "d"(hi)
			 : "memory");
	return 0;
}

static void load_fpu(const struct x86_cpu_state *s)
{
	if (!s->xcr0) {
		__asm__ volatile("fxrstor64 %0" ::"m"(s->xsave));
		return;
	}
	uint32_t lo = (uint32_t)s->xcr0, hi = (uint32_t)(s->xcr0 >> 32);
	__asm__ volatile("xsetbv" ::"c"(0), "a"(lo), "d"(hi));
	__asm__ volatile("xrstor64 %0" ::"m"(s->xsave), "a"(lo), "d"(hi)
			 : "memory");
}

/* live_msrs[] indices: the syscall MSRs first, TSC_AUX last. */
#define SYSCALL_MSRS (X86_STATE_MSRS - 1)

static void save_msrs(struct x86_cpu_state *s, unsigned parts)
{
	unsigned first = parts & X86_LIVE_SYSCALL ? 0 : SYSCALL_MSRS;
	unsigned n = has_tsc_aux() ? X86_STATE_MSRS : SYSCALL_MSRS;
	for (unsigned i = first; i < n; i++)
		s->msrs[i] = rdmsr(live_msrs[i]);
}

static void load_msrs(const struct x86_cpu_state *s, unsigned parts)
{
	unsigned first = parts & X86_LIVE_SYSCALL ? 0 : SYSCALL_MSRS;
	unsigned n = has_tsc_aux() ? X86_STATE_MSRS : SYSCALL_MSRS;
	for (unsigned i = first; i < n; i++)
		wrmsr(live_msrs[i], s->msrs[i]);
}

int x86_cpu_state_save(struct x86_cpu_state *s, unsigned parts)
{
	if (save_fpu(s))
		return -1;
	__asm__ volatile("mov %%dr0, %0" : "=r"(s->dr[0]));
	__asm__ volatile("mov %%dr1, %0" : "=r"(s->dr[1]));
	__asm__ volatile("mov %%dr2, %0" : "=r"(s->dr[2]));
	__asm__ volatile("mov %%dr3, %0" : "=r"(s->dr[3]));
	if (parts & X86_LIVE_CR2_DR6) {
		s->cr2 = read_cr2();
		__asm__ volatile("mov %%dr6, %0" : "=r"(s->dr6));
	}
	save_msrs(s, parts);
	return 0;
}

void x86_cpu_state_load(const struct x86_cpu_state *s, unsigned parts)
{
	load_fpu(s);
	__asm__ volatile("mov %0, %%dr0" ::"r"(s->dr[0]));
	__asm__ volatile("mov %0, %%dr1" ::"r"(s->dr[1]));
	__asm__ volatile("mov %0, %%dr2" ::"r"(s->dr[2]));
	__asm__ volatile("mov %0, %%dr3" ::"r"(s->dr[3]));
	if (parts & X86_LIVE_CR2_DR6) {
		write_cr2(s->cr2);
		__asm__ volatile("mov %0, %%dr6" ::"r"(s->dr6));
	}
	load_msrs(s, parts);
}
