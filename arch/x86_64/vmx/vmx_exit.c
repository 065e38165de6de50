/* Translating VMX exits into the core's neutral exit_info; the core
 * handles every kind (hv/exit/).
 * Basic exit reasons: SDM Vol. 3C Appendix C. */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/x86.h"
#include "hv/console.h"

#define R_EXCEPTION_NMI 0
#define R_APIC_ACCESS	44
#define R_MAX		70

/* Basic exit reason (by its number in Appendix C) -> the core's exit
 * kind; unlisted reasons are EXIT_UNHANDLED (0 would be EXIT_IO, hence the
 * +1 encoding). */
#define K(kind) (EXIT_##kind + 1)
static const uint8_t reason_kind[R_MAX] = {
    [1] = K(INTERRUPT), /* external interrupt */
    [2] = K(TRIPLE_FAULT),
    [3] = K(NMI), /* INIT: a kick too, re-check and re-enter */
    [7] = K(IRQ_WINDOW),
    [8] = K(NMI_WINDOW),
    [10] = K(CPUID),
    [11] = K(PRIV_INSN), /* GETSEC */
    [12] = K(HLT),
    [13] = K(INVD),
    [18] = K(HYPERCALL),	/* VMCALL */
    [19 ... 27] = K(PRIV_INSN), /* VMCLEAR .. VMXON */
    [28] = K(CR_ACCESS),
    [30] = K(IO),
    [31] = K(RDMSR),
    [32] = K(WRMSR),
    [33] = K(ENTRY_FAILED),  /* invalid guest state */
    [34] = K(ENTRY_FAILED),  /* MSR loading */
    [36] = K(PRIV_INSN),     /* MWAIT */
    [39] = K(PRIV_INSN),     /* MONITOR */
    [41] = K(ENTRY_FAILED),  /* machine check during entry */
    [44] = K(MEM_VIOLATION), /* APIC access: decoded as MMIO */
    [45] = K(APIC_EOI),	     /* virtualized EOI */
    [48] = K(MEM_VIOLATION), /* EPT violation */
    [50] = K(PRIV_INSN),     /* INVEPT */
    [52] = K(TIMER),	     /* VMX-preemption timer */
    [53] = K(PRIV_INSN),     /* INVVPID */
    [55] = K(XSETBV),
    [56] = K(APIC_WRITE),
};
#undef K
_Static_assert(EXIT_KIND_COUNT < 255, "exit kinds fit the table");

static enum exit_kind kind_of(uint32_t basic)
{
	unsigned k = basic < R_MAX ? reason_kind[basic] : 0;
	return k ? (enum exit_kind)(k - 1) : EXIT_UNHANDLED;
}

/* SDM Table 27-6: an access to the APIC-access page the CPU did not
 * virtualize is, for the core, MMIO at the local APIC's address. Only
 * data reads and writes by an instruction are emulated; an access while
 * delivering an event or fetching code is marked as a fetch (not
 * emulated: the partition stops). */
static void decode_apic_access(uint64_t q, struct exit_info *e)
{
	unsigned type = (q >> 12) & 15;
	e->mem.gpa = APIC_DEFAULT_PA | (q & 0xFFF);
	e->mem.read = type == 0;
	e->mem.write = type == 1;
	e->mem.fetch = type > 1;
}

/* SDM Table 27-3: control-register access qualification. */
static void decode_cr(struct vcpu *v, uint64_t q, struct exit_info *e)
{
	static const enum cr_op ops[4] = {CR_MOV_TO, CR_MOV_FROM, CR_CLTS,
					  CR_LMSW};
	e->cr.cr = q & 15;
	e->cr.op = ops[(q >> 4) & 3];
	e->cr.gpr = (q >> 8) & 15;
	if (e->cr.op == CR_MOV_TO)
		e->cr.val = x86_get_gpr(v, (q >> 8) & 15);
	else if (e->cr.op == CR_LMSW)
		e->cr.val = (q >> 16) & 0xFFFF;
}

void vmx_translate_exit(struct vcpu *v, struct exit_info *e)
{
	uint32_t reason = vmread32(EXIT_REASON);
	uint64_t q = vmreadn(EXIT_QUALIFICATION);
	uint32_t basic = reason & 0xFFFF;
	/* Stores the compiler inlines: a memset call is a cost on every exit.
	 */
	*e = (struct exit_info){
	    .kind = kind_of(basic), .raw_reason = reason, .qual = q};
	vmx_reinject_vectoring();
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
		if (basic == R_APIC_ACCESS) {
			decode_apic_access(q, e);
			break;
		}
		vmx_iret_reblock(v, q);
		e->mem.gpa = vmread64(GUEST_PHYSICAL_ADDRESS);
		e->mem.gla =
		    (q & (1u << 7)) ? vmreadn(GUEST_LINEAR_ADDRESS) : 0;
		e->mem.read = q & 1;
		e->mem.write = q & 2;
		e->mem.fetch = q & 4;
		break;
	case EXIT_CR_ACCESS:
		decode_cr(v, q, e);
		break;
	case EXIT_APIC_WRITE: /* SDM 27.2.1: offset in bits 11:0 */
		e->apic.offset = q & 0xFFF;
		break;
	case EXIT_APIC_EOI: /* the vector in bits 7:0 */
		e->apic.vector = q & 0xFF;
		break;
	default:
		break;
	}
	if (basic == R_EXCEPTION_NMI) {
		uint32_t info = vmread32(EXIT_INTR_INFO);
		e->kind = ((info >> 8) & 7) == 2 ? EXIT_NMI : EXIT_EXCEPTION;
	}
}

void vmx_vcpu_dump(struct vcpu *v, const struct exit_info *e)
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
