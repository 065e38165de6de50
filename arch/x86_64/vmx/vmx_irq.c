/* Event injection, interrupt windows and the VMX-preemption timer
 * (SDM Vol. 3C 26.6 "Event injection", 25.5.1, 24.6.2). */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/x86.h"

#define INTR_VALID	  (1u << 31)
#define INTR_TYPE_EXTINT  (0u << 8)
#define INTR_TYPE_NMI	  (2u << 8)
#define BLOCK_STI_MOVSS	  3u
#define BLOCK_NMI	  (1u << 3) /* virtual-NMI blocking (SDM 24.4.2) */
#define PROC_NMI_WINDOW	  (1u << 22)
#define ACTIVITY_ACTIVE	  0u
#define ACTIVITY_HLT	  1u
#define PROC_IRQ_WINDOW	  (1u << 2)
#define PIN_PREEMPT_TIMER (1u << 6)

bool vmx_irq_injectable(struct vcpu *v)
{
	(void)v;
	return !(vmread32(ENTRY_INTR_INFO) & INTR_VALID) &&
	       (vmreadn(GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmread32(GUEST_INTERRUPTIBILITY) & BLOCK_STI_MOVSS);
}

void vmx_inject_irq(struct vcpu *v, uint8_t vector)
{
	(void)v;
	vmwrite32(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_EXTINT | vector);
	/* Delivering an interrupt ends a halt (SDM 26.6.5). */
	if (vmread32(GUEST_ACTIVITY_STATE) == ACTIVITY_HLT)
		vmwrite32(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}

static void set_proc(struct vmx_vcpu *x, uint32_t bit, bool on)
{
	uint32_t proc = on ? x->proc | bit : x->proc & ~bit;
	if (proc != x->proc) {
		x->proc = proc;
		vmwrite32(PROC_CONTROLS, proc);
	}
}

void vmx_irq_window(struct vcpu *v, bool on)
{
	set_proc(VMX(v), PROC_IRQ_WINDOW, on);
}

/* With "virtual NMIs" the CPU keeps the guest's NMI blocking: an injected
 * NMI sets it, the guest's IRET clears it (SDM Vol. 3C 25.3, 26.6.1.2).
 * Entry refuses an NMI under MOV-SS blocking, and some CPUs under STI
 * blocking too (26.3.1.5): both wait for the window. */
bool vmx_nmi_injectable(struct vcpu *v)
{
	return VMX(v)->vnmi && !(vmread32(ENTRY_INTR_INFO) & INTR_VALID) &&
	       !(vmread32(GUEST_INTERRUPTIBILITY) &
		 (BLOCK_STI_MOVSS | BLOCK_NMI));
}

void vmx_inject_nmi(struct vcpu *v)
{
	(void)v;
	vmwrite32(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_NMI | X86_EXC_NMI);
	if (vmread32(GUEST_ACTIVITY_STATE) == ACTIVITY_HLT)
		vmwrite32(GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}

/* NMI-window exiting: an exit before the first instruction at which no
 * virtual-NMI (or MOV-SS) blocking is left (SDM 25.2). */
void vmx_nmi_window(struct vcpu *v, bool on)
{
	if (VMX(v)->vnmi)
		set_proc(VMX(v), PROC_NMI_WINDOW, on);
}

/* An EPT violation during an IRET that had already unblocked NMIs: the
 * IRET runs again, so the blocking it lifted comes back (SDM 27.2.3). */
void vmx_iret_reblock(struct vcpu *v, uint64_t qual)
{
	if (VMX(v)->vnmi && (qual & (1u << 12)))
		vmwrite32(GUEST_INTERRUPTIBILITY,
			  vmread32(GUEST_INTERRUPTIBILITY) | BLOCK_NMI);
}

/* The preemption timer counts down at TSC >> IA32_VMX_MISC[4:0] (SDM
 * 25.5.1), read once per vCPU: an RDMSR per entry is a cost of its own. */
void vmx_set_deadline(struct vcpu *v, uint64_t deadline)
{
	struct vmx_vcpu *x = VMX(v);
	uint32_t pin = x->pin & ~PIN_PREEMPT_TIMER;
	if (deadline != UINT64_MAX && x->preempt_ok) {
		uint64_t now = rdtsc();
		uint64_t ticks = deadline > now ? deadline - now : 0;
		ticks >>= x->preempt_shift;
		vmwrite32(GUEST_PREEMPT_TIMER, ticks > 0xFFFFFFFFull
						   ? 0xFFFFFFFFu
						   : (uint32_t)ticks);
		pin |= PIN_PREEMPT_TIMER;
	}
	if (pin != x->pin) {
		x->pin = pin;
		vmwrite32(PIN_CONTROLS, pin);
	}
}

/* The CPU acknowledged the interrupt on exit ("acknowledge interrupt on
 * exit", SDM 24.7.1): the host owns it and ends it here. */
void vmx_host_irq(const struct exit_info *e)
{
	(void)e;
	host_lapic_eoi();
}

/* An exit during event delivery leaves the event in the IDT-vectoring
 * fields; it must be delivered again on the next entry (SDM 27.2.4). */
void vmx_reinject_vectoring(void)
{
	uint32_t info = vmread32(IDT_VECTORING_INFO);
	if (!(info & INTR_VALID))
		return;
	vmwrite32(ENTRY_INTR_INFO, info & ~(1u << 12)); /* bit 12 reserved */
	if (info & (1u << 11))
		vmwrite32(ENTRY_EXCEPTION_ERROR, vmread32(IDT_VECTORING_ERROR));
	vmwrite32(ENTRY_INSN_LEN, vmread32(EXIT_INSN_LEN));
}
