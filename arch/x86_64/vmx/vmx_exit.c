/* Translating VMX exits into the core's neutral exit_info, and the exits
 * the backend completes itself (control registers, interrupts).
 * Basic exit reasons: SDM Vol. 3C Appendix C. */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/x86.h"
#include "hv/console.h"

enum {
	R_EXCEPTION_NMI = 0,
	R_EXTINT = 1,
	R_TRIPLE = 2,
	R_INIT = 3,
	R_CPUID = 10,
	R_GETSEC = 11,
	R_IRQ_WINDOW = 7,
	R_HLT = 12,
	R_INVD = 13,
	R_VMCALL = 18,
	R_VMCLEAR = 19,
	R_VMXON = 27,
	R_CR = 28,
	R_IO = 30,
	R_RDMSR = 31,
	R_WRMSR = 32,
	R_BAD_GUEST = 33,
	R_BAD_MSR_LOAD = 34,
	R_MWAIT = 36,
	R_MONITOR = 39,
	R_MCE_ENTRY = 41,
	R_EPT_VIOLATION = 48,
	R_INVEPT = 50,
	R_PREEMPT = 52,
	R_INVVPID = 53,
	R_XSETBV = 55,
	R_MAX = 70,
};

static uint8_t reason_kind[R_MAX];

static void init_table(void)
{
	static bool done;
	if (done)
		return;
	for (unsigned i = 0; i < R_MAX; i++)
		reason_kind[i] = EXIT_UNHANDLED;
	reason_kind[R_EXTINT] = EXIT_INTERRUPT;
	reason_kind[R_TRIPLE] = EXIT_TRIPLE_FAULT;
	reason_kind[R_INIT] = EXIT_NMI;
	reason_kind[R_CPUID] = EXIT_CPUID;
	reason_kind[R_GETSEC] = EXIT_PRIV_INSN;
	reason_kind[R_HLT] = EXIT_HLT;
	reason_kind[R_IRQ_WINDOW] = EXIT_IRQ_WINDOW;
	reason_kind[R_INVD] = EXIT_INVD;
	reason_kind[R_VMCALL] = EXIT_HYPERCALL;
	for (unsigned i = R_VMCLEAR; i <= R_VMXON; i++)
		reason_kind[i] = EXIT_PRIV_INSN;
	reason_kind[R_INVEPT] = EXIT_PRIV_INSN;
	reason_kind[R_INVVPID] = EXIT_PRIV_INSN;
	reason_kind[R_MWAIT] = EXIT_PRIV_INSN;
	reason_kind[R_MONITOR] = EXIT_PRIV_INSN;
	reason_kind[R_CR] = EXIT_CR_ACCESS;
	reason_kind[R_IO] = EXIT_IO;
	reason_kind[R_RDMSR] = EXIT_RDMSR;
	reason_kind[R_WRMSR] = EXIT_WRMSR;
	reason_kind[R_BAD_GUEST] = EXIT_ENTRY_FAILED;
	reason_kind[R_BAD_MSR_LOAD] = EXIT_ENTRY_FAILED;
	reason_kind[R_MCE_ENTRY] = EXIT_ENTRY_FAILED;
	reason_kind[R_EPT_VIOLATION] = EXIT_MEM_VIOLATION;
	reason_kind[R_PREEMPT] = EXIT_TIMER;
	reason_kind[R_XSETBV] = EXIT_XSETBV;
	done = true;
}

static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	/* SDM Table 27-3 register numbering; RSP (4) is in the VMCS. */
	uint64_t *const map[16] = {
	    &v->regs.rax, &v->regs.rcx, &v->regs.rdx, &v->regs.rbx,
	    NULL,	  &v->regs.rbp, &v->regs.rsi, &v->regs.rdi,
	    &v->regs.r8,  &v->regs.r9,	&v->regs.r10, &v->regs.r11,
	    &v->regs.r12, &v->regs.r13, &v->regs.r14, &v->regs.r15,
	};
	return map[n & 15];
}

uint64_t vmx_get_gpr(struct vcpu *v, unsigned n)
{
	return (n & 15) == 4 ? vmreadn(GUEST_RSP) : *gpr(v, n);
}

void vmx_set_gpr(struct vcpu *v, unsigned n, uint64_t val)
{
	if ((n & 15) == 4)
		vmwriten(GUEST_RSP, val);
	else
		*gpr(v, n) = val;
}

/* SDM Table 27-3: control-register access qualification. */
static void handle_cr(struct vcpu *v, uint64_t q)
{
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	uint64_t shadow0 = vmreadn(CR0_SHADOW);
	uint64_t val = vmx_get_gpr(v, reg);
	bool ok = true;
	if (type == 0 && cr == 0 && vmx_cr0_valid(v, val))
		vmx_write_cr0(v, val);
	else if (type == 0 && cr == 0)
		ok = false;
	else if (type == 0 && cr == 4)
		ok = vmx_write_cr4(v, val);
	else if (type == 2) /* CLTS */
		vmx_write_cr0(v, shadow0 & ~8ull);
	else if (type == 3) /* LMSW: may set PE, never clear it */
		vmx_write_cr0(v, (shadow0 & ~0xEull) | ((q >> 16) & 0xF) |
				     (shadow0 & 1));
	else
		ok = false;
	if (ok)
		arch_vcpu_skip(v);
	else
		arch_inject_exception(v, 13, true, 0);
}

static void lapic_eoi(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	if (base & (1ull << 10))
		wrmsr(0x80B, 0);
	else
		*(volatile uint32_t *)((base & ~0xFFFull) + 0xB0) = 0;
}

void vmx_translate_exit(struct vcpu *v, struct exit_info *e)
{
	init_table();
	uint32_t reason = vmread32(EXIT_REASON);
	uint64_t q = vmreadn(EXIT_QUALIFICATION);
	uint32_t basic = reason & 0xFFFF;
	memset(e, 0, sizeof(*e));
	vmx_reinject_vectoring();
	e->raw_reason = reason;
	e->qual = q;
	e->kind = basic < R_MAX ? reason_kind[basic] : EXIT_UNHANDLED;
	if (reason & (1u << 31))
		e->kind = EXIT_ENTRY_FAILED;
	switch (e->kind) {
	case EXIT_IO: /* SDM Table 27-5 */
		e->io.size = (uint8_t)((q & 7) + 1);
		e->io.in = q & 8;
		e->io.string = q & 16;
		e->io.port = (uint16_t)(q >> 16);
		break;
	case EXIT_MEM_VIOLATION: /* SDM Table 27-7 */
		e->mem.gpa = vmread64(GUEST_PHYSICAL_ADDRESS);
		e->mem.gla =
		    (q & (1u << 7)) ? vmreadn(GUEST_LINEAR_ADDRESS) : 0;
		e->mem.read = q & 1;
		e->mem.write = q & 2;
		e->mem.fetch = q & 4;
		break;
	case EXIT_CR_ACCESS:
		handle_cr(v, q);
		break;
	case EXIT_INTERRUPT:
		lapic_eoi(); /* acknowledged on exit; the host owns it */
		break;
	case EXIT_INVD:
		__asm__ volatile("wbinvd" ::: "memory");
		break;
	default:
		break;
	}
	if (basic == R_EXCEPTION_NMI) {
		uint32_t info = vmread32(EXIT_INTR_INFO);
		e->kind = ((info >> 8) & 7) == 2 ? EXIT_NMI : EXIT_EXCEPTION;
	}
}

void arch_vcpu_dump(struct vcpu *v, const struct exit_info *e)
{
	struct vmx_vcpu *x = VMX(v);
	hv_log("vCPU %u of %s: exit reason 0x%x qual 0x%lx insn-error %u",
	       v->index, v->part->name, e->raw_reason, (unsigned long)e->qual,
	       e->raw_reason == 0xFFFFFFFF ? x->vm_insn_error
					   : vmread32(VM_INSN_ERROR));
	hv_log("  rip %lx rsp %lx rflags %lx cr0 %lx cr3 %lx cr4 %lx efer %lx",
	       (unsigned long)vmreadn(GUEST_RIP),
	       (unsigned long)vmreadn(GUEST_RSP),
	       (unsigned long)vmreadn(GUEST_RFLAGS),
	       (unsigned long)vmreadn(GUEST_CR0),
	       (unsigned long)vmreadn(GUEST_CR3),
	       (unsigned long)vmreadn(GUEST_CR4),
	       (unsigned long)vmread64(GUEST_IA32_EFER));
	hv_log("  cs %x base %lx ar %x entry-ctl %x intr-info %x",
	       vmread16(GUEST_CS_SEL), (unsigned long)vmreadn(GUEST_CS_BASE),
	       vmread32(GUEST_CS_AR), vmread32(ENTRY_CONTROLS),
	       vmread32(ENTRY_INTR_INFO));
	hv_log("  rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx",
	       (unsigned long)v->regs.rax, (unsigned long)v->regs.rbx,
	       (unsigned long)v->regs.rcx, (unsigned long)v->regs.rdx,
	       (unsigned long)v->regs.rsi, (unsigned long)v->regs.rdi);
}
