/* Event injection, interrupt windows and host interrupts on SVM (AMD APM
 * Vol. 2 15.20 "Event Injection", 15.21 "Interrupt and LAPIC Support"). */
#include "arch/x86_64/svm/svm.h"
#include "arch/x86_64/x86.h"

#define EVENT_VALID (1ull << 31)

bool svm_irq_injectable(struct vcpu *v)
{
	const struct vmcb *vm = VMCB(v);
	return !(vm->control.event_inj & EVENT_VALID) &&
	       (vm->save.rflags & RFLAGS_IF) &&
	       !(vm->control.int_state & SVM_INT_STATE_SHADOW);
}

/* Type 0 (external interrupt) with the vector. */
void svm_inject_irq(struct vcpu *v, uint8_t vector)
{
	VMCB(v)->control.event_inj = EVENT_VALID | vector;
}

/* A virtual interrupt request (V_IRQ) at the highest priority, ignoring
 * the virtual TPR, with VINTR intercepted: the CPU exits as soon as the
 * guest could take it (APM 15.21.4), and the core then injects the real
 * vector through EVENTINJ. */
void svm_irq_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &VMCB(v)->control;
	const uint64_t req = SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_IGN_TPR |
			     (0xFull << SVM_INT_CTL_V_INTR_PRIO_SHIFT);
	if (on) {
		c->int_ctl |= req;
		c->intercept_misc1 |= SVM_INTERCEPT_VINTR;
	} else {
		c->int_ctl &= ~req;
		c->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
	}
}

/* SVM has no VMX-preemption timer: svm_vcpu_run arms the host timer at
 * the deadline (lapic.c), whose interrupt makes the guest exit; the core
 * re-checks its timers at every exit. */
void svm_set_deadline(struct vcpu *v, uint64_t deadline)
{
	SVM(v)->deadline = deadline;
}

/* An exit during event delivery leaves the event in EXITINTINFO, in the
 * EVENTINJ format: it is delivered again at the next run (APM 15.7.2). */
void svm_reinject_vectoring(struct vcpu *v)
{
	struct vmcb_control *c = &VMCB(v)->control;
	if (c->exit_int_info & EVENT_VALID)
		c->event_inj = c->exit_int_info;
}

/* A host interrupt made the guest exit; it is still pending (SVM does not
 * acknowledge it on exit), so open a one-instruction window for the host
 * IDT to take it; isr_common ends it. */
void svm_host_irq(const struct exit_info *e)
{
	(void)e;
	__asm__ volatile("sti; nop; cli" ::: "memory");
}
