/* Running the guest and translating its VM exits into the core's neutral
 * exit_info; the core handles every kind (hv/exit/). This is the path of
 * every exit, so the common ones take a short way through it (`make
 * exit-profile` shows it instruction by instruction).
 * Basic exit reasons: SDM Vol. 3C Appendix C. */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/x86.h"
#include "hv/console.h"

#define R_EXCEPTION_NMI 0
#define R_APIC_ACCESS	44
#define R_MAX		70

/* Basic exit reason (by its number in Appendix C) -> the core's exit
 * kind, and whether the exit is plain: an instruction's own (CPUID,
 * VMCALL, RDMSR...), with nothing more to decode. Plain exits take the
 * short way: no exit qualification read and no IDT-vectoring check, as
 * the execution of an instruction never interrupts an event's delivery
 * (SDM 27.2.4 lists the exits that can). Every other exit reads both.
 * Unlisted reasons are EXIT_UNHANDLED. */
#define PLAIN	0x80
#define KIND	0x7F
#define P(kind) (EXIT_##kind | PLAIN)
#define N(kind) EXIT_##kind
BH_OVERRIDE_INIT_BEGIN
static const uint8_t reason_info[R_MAX] = {
    [0 ... R_MAX - 1] = N(UNHANDLED),
    [0] = N(EXCEPTION), /* or NMI, by the interruption info */
    [1] = N(INTERRUPT), /* external interrupt */
    [2] = N(TRIPLE_FAULT),
    [3] = N(NMI), /* INIT: a kick too, re-check and re-enter */
    [7] = N(IRQ_WINDOW),
    [8] = N(NMI_WINDOW),
    [10] = P(CPUID),
    [11] = P(PRIV_INSN), /* GETSEC */
    [12] = P(HLT),
    [13] = P(INVD),
    [18] = P(HYPERCALL),	/* VMCALL */
    [19 ... 27] = P(PRIV_INSN), /* VMCLEAR .. VMXON */
    [28] = N(CR_ACCESS),
    [30] = N(IO),
    [31] = P(RDMSR),
    [32] = P(WRMSR),
    [33] = N(ENTRY_FAILED),  /* invalid guest state */
    [34] = N(ENTRY_FAILED),  /* MSR loading */
    [36] = P(PRIV_INSN),     /* MWAIT */
    [39] = P(PRIV_INSN),     /* MONITOR */
    [41] = N(ENTRY_FAILED),  /* machine check during entry */
    [44] = N(MEM_VIOLATION), /* APIC access: decoded as MMIO */
    [45] = N(APIC_EOI),	     /* virtualized EOI */
    [48] = N(MEM_VIOLATION), /* EPT violation */
    [50] = P(PRIV_INSN),     /* INVEPT */
    [52] = N(TIMER),	     /* VMX-preemption timer */
    [53] = P(PRIV_INSN),     /* INVVPID */
    [55] = P(XSETBV),
    [56] = N(APIC_WRITE),
};
BH_OVERRIDE_INIT_END
#undef P
#undef N
_Static_assert(EXIT_KIND_COUNT <= KIND, "exit kinds fit the table");

static unsigned reason_of(uint32_t basic)
{
	return basic < R_MAX ? reason_info[basic] : EXIT_UNHANDLED;
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

/* SDM Table 27-5: port I/O, common enough for the short way. */
static inline void decode_io(struct exit_info *e)
{
	uint64_t q = e->qual = vmreadn(EXIT_QUALIFICATION);
	e->io.size = (uint8_t)((q & 7) + 1);
	e->io.in = q & 8;
	e->io.string = q & 16;
	e->io.port = (uint16_t)(q >> 16);
}

static void decode(struct vcpu *v, uint32_t basic, uint64_t q,
		   struct exit_info *e)
{
	switch (e->kind) {
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

/* The rest of an exit that is not plain: the qualification, an event
 * whose delivery it interrupted, the kind's own fields. False when the
 * backend handled it itself (a full page-modification log, the first
 * write to a page that write protection tracks: vmx_dirty.c, ../dirty.c)
 * and the guest goes on. */
static bool decode_rest(struct vcpu *v, struct exit_info *e)
{
	uint32_t reason = vmread32(EXIT_REASON);
	uint32_t basic = reason & 0xFFFF;
	*e = (struct exit_info){.kind = reason_of(basic) & KIND,
				.raw_reason = reason};
	e->qual = vmreadn(EXIT_QUALIFICATION);
	vmx_reinject_vectoring();
	if (reason & (1u << 31)) {
		e->kind = EXIT_ENTRY_FAILED;
		return true;
	}
	decode(v, basic, e->qual, e);
	if (basic == VMX_EXIT_PML_FULL) {
		vmx_pml_drain(v);
		return false;
	}
	return !(e->kind == EXIT_MEM_VIOLATION && x86_wp_fault(v, e));
}

/* The short way, for a plain exit or port I/O; false for every other.
 * (A failed entry, bit 31, has a reason that is neither.) */
static inline bool decode_short(struct exit_info *e)
{
	uint32_t reason = vmread32(EXIT_REASON);
	unsigned info = reason_of(reason & 0xFFFF);
	if (info & PLAIN) {
		/* No kind-specific fields: their handlers read none. */
		e->kind = info & KIND;
		e->raw_reason = reason;
		e->qual = 0;
		return true;
	}
	/* Port I/O fills its own fields; every other kind starts from a
	 * zeroed exit_info (decode_rest). */
	if ((info & KIND) == EXIT_IO) {
		e->kind = EXIT_IO;
		e->raw_reason = reason;
		decode_io(e);
		return true;
	}
	return false;
}

/* One entry; false when it failed (e says so). */
static inline bool enter(struct vcpu *v, struct exit_info *e)
{
	vmx_sync_partition(v);
	phase_mark(v, PH_PREP);
	if (vmx_run_guest(&v->regs)) {
		VMX(v)->vm_insn_error = vmread32(VM_INSN_ERROR);
		*e = (struct exit_info){.kind = EXIT_ENTRY_FAILED,
					.raw_reason = 0xFFFFFFFF};
		return false;
	}
	phase_mark(v, PH_TRANSIT);
	return true;
}

/* Every exit that is not short. The ones the backend handles itself
 * enter again from here, until an exit for the core: the common path in
 * vmx_vcpu_run stays a straight line. */
static __attribute__((noinline)) void run_rest(struct vcpu *v,
					       struct exit_info *e)
{
	while (!decode_rest(v, e))
		if (!enter(v, e) || decode_short(e))
			return;
}

/* One entry and its exit, for the core to handle. */
void vmx_vcpu_run(struct vcpu *v, struct exit_info *e)
{
	if (!enter(v, e))
		return;
	if (!decode_short(e))
		run_rest(v, e);
	phase_kind(v, e->kind);
	phase_mark(v, PH_DECODE);
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
