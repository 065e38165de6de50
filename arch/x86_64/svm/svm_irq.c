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

/* NMI blocking (APM Vol. 2 15.20, 15.21.1): this CPU has no virtual-NMI
 * state (no vNMI), so the backend keeps it. An injected NMI masks the
 * next; the guest's IRET, intercepted, is about to unmask them, which
 * counts as done at the first exit after it has run (RIP moved on). */
bool svm_nmi_injectable(struct vcpu *v)
{
	const struct vmcb *vm = VMCB(v);
	return !SVM(v)->nmi.masked && !(vm->control.event_inj & EVENT_VALID) &&
	       !(vm->control.int_state & SVM_INT_STATE_SHADOW);
}

void svm_inject_nmi(struct vcpu *v)
{
	struct vmcb_control *c = &VMCB(v)->control;
	c->event_inj = EVENT_VALID | SVM_EVTINJ_TYPE_NMI | X86_EXC_NMI;
	c->intercept_misc1 |= SVM_INTERCEPT_IRET;
	SVM(v)->nmi = (struct svm_nmi){.masked = true};
}

/* After every exit: the IRET seen at the last one has run if RIP moved;
 * this exit may be the IRET itself (intercepted before it runs). */
void svm_nmi_exit(struct vcpu *v)
{
	struct svm_vcpu *s = SVM(v);
	struct vmcb *vm = s->vmcb;
	if (s->nmi.iret_seen && vm->save.rip != s->nmi.iret_rip)
		s->nmi = (struct svm_nmi){0};
	if (vm->control.exit_code == SVM_EXIT_IRET && s->nmi.masked) {
		s->nmi.iret_seen = true;
		s->nmi.iret_rip = vm->save.rip;
		vm->control.intercept_misc1 &= ~SVM_INTERCEPT_IRET;
	}
}

/* Restores the blocking a snapshot held (svm_vcpu_load), or none. */
void svm_nmi_set(struct vcpu *v, const struct svm_nmi *n)
{
	struct vmcb_control *c = &VMCB(v)->control;
	SVM(v)->nmi = *n;
	if (n->masked && !n->iret_seen)
		c->intercept_misc1 |= SVM_INTERCEPT_IRET;
	else
		c->intercept_misc1 &= ~SVM_INTERCEPT_IRET;
}

void svm_nmi_window(struct vcpu *v, bool on)
{
	SVM(v)->nmi_window = on;
}

#define NMI_POLL_TICKS 20000 /* host TSC: a few microseconds */

/* SVM has no NMI-window exit. While the NMI waits for an IRET not yet
 * reached, the IRET intercept makes the exit; otherwise (the IRET about
 * to run, an interrupt shadow, an event being delivered) a short host
 * timer does: the guest exits just after, and the core looks again. */
uint64_t svm_run_deadline(const struct svm_vcpu *s)
{
	if (!s->nmi_window || (s->nmi.masked && !s->nmi.iret_seen))
		return s->deadline;
	uint64_t soon = rdtsc() + NMI_POLL_TICKS;
	return soon < s->deadline ? soon : s->deadline;
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
