/* APIC virtualization (SDM Vol. 3C chapter 29): the vCPU's struct vlapic
 * register page is its virtual-APIC page, and the partition's map sends
 * guest-physical 0xFEE00000 to one APIC-access page shared by all
 * partitions, which the CPU never lets a guest read or write: with
 * "virtualize APIC accesses" set, every access to it is either
 * virtualized (served from the virtual-APIC page) or an exit.
 *
 * Controls per vCPU, for as long as it runs:
 *  - always: virtualize APIC accesses. With nothing else set, every
 *    access to the page exits (APIC access, 29.4.1) and is emulated as
 *    without these controls.
 *  - while its APIC is enabled in xAPIC mode: use TPR shadow,
 *    APIC-register virtualization and virtual-interrupt delivery as
 *    well. Reads are served from the page (29.4.2); TPR writes (also MOV
 *    CR8) and EOIs are virtualized (29.1.2) and an EOI exits only for
 *    the vectors in the EOI-exit bitmap (level-triggered ones, whose EOI
 *    goes to the I/O APIC); other writes exit after the write (APIC
 *    write, 29.4.3.3). The CPU delivers the page's IRR by RVI/SVI (guest
 *    interrupt status, 29.2).
 * In x2APIC mode the MSRs all exit, and the core injects.
 *
 * Not on a partition whose writes are tracked for snapshots (PML or
 * write protection): there it keeps only "virtualize APIC accesses", so
 * every access exits and the core injects every vector, as in x2APIC
 * mode. Tracking makes exits during event delivery common (a full log or
 * a write-protect fault on the page the interrupt frame is pushed to),
 * and such an exit must report the event so that it is delivered again
 * (IDT-vectoring information, SDM 27.2.4). For an interrupt the CPU
 * delivers from the virtual-APIC page, Bochs (2.7 and its master of
 * 2026) reports instead whatever event it delivered before: the vector
 * is then already in the page's ISR, its handler never runs, and the
 * stale event is what gets delivered again. Seen in Linux in
 * test_linux_shell (the timer vector 0xEC stuck in ISR, the boot CPU
 * asleep for good; likely also an earlier #GP in clear_page_erms), and
 * made certain by test_vidstack (vector 0 delivered in the timer's
 * place). An injected vector (VM-entry event injection) is reported
 * right, so the core's injection is safe here. */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/x86.h"
#include "hv/heap.h"

#define PROC_CR8_EXITS	  (3u << 19) /* CR8-load and CR8-store exiting */
#define PROC_TPR_SHADOW	  (1u << 21)
#define PROC2_APIC_ACCESS (1u << 0)
#define PROC2_APIC_REGS	  (1u << 8)
#define PROC2_VINTR	  (1u << 9)
#define PROC2_XAPIC_ACCEL (PROC2_APIC_REGS | PROC2_VINTR)
#define PROC2_APIC_ALL	  (PROC2_APIC_ACCESS | PROC2_XAPIC_ACCEL)
#define PIN_EXTINT_EXIT	  (1u << 0) /* required by virtual-interrupt delivery */

static void *access_page; /* contents never reach a guest */

/* Allowed-1 halves of the control MSRs (SDM A.3.2, A.3.3). */
bool vmx_apic_supported(void)
{
	uint32_t proc = (uint32_t)(rdmsr(MSR_IA32_VMX_PROCBASED) >> 32);
	uint32_t proc2 = (uint32_t)(rdmsr(MSR_IA32_VMX_PROCBASED2) >> 32);
	return (proc & PROC_TPR_SHADOW) &&
	       (proc2 & PROC2_APIC_ALL) == PROC2_APIC_ALL;
}

/* On partitions whose RAM ends below the local APIC (where it does not,
 * nothing is virtualized: the page would overlap RAM). Partitions are
 * built one after the other, on the boot CPU. */
int vmx_apic_map(struct partition *p)
{
	struct arch_part *a = p->arch;
	if (!vmx_apic_supported() || p->ram_size > APIC_DEFAULT_PA)
		return 0;
	if (!access_page && !(access_page = heap_alloc_pages(1)))
		return -1;
	a->apic_page = true;
	return ept_map(&a->map, APIC_DEFAULT_PA, (uint64_t)access_page, 4096,
		       EPT_R | EPT_W);
}

/* The vCPU's part of the set-up (its VMCS is current): *proc and *proc2
 * as setup_controls computed them, with or without these controls. */
void vmx_apic_setup(struct vcpu *v, uint32_t *proc, uint32_t *proc2)
{
	struct vmx_vcpu *x = VMX(v);
	x->apicv = v->part->arch->apic_page && (x->pin & PIN_EXTINT_EXIT);
	x->xapic_accel = x->apicv && v->part->arch->dirty == ARCH_DIRTY_NONE;
	/* Until vmx_apic_sync (set_mode) sets up xAPIC mode, and for good
	 * on a CPU without these controls or a partition without the
	 * acceleration: CR8 exits (hv/exit/cr.c). */
	*proc = (*proc & ~PROC_TPR_SHADOW) | PROC_CR8_EXITS;
	*proc2 &= ~PROC2_APIC_ALL;
	if (!x->apicv)
		return;
	*proc2 |= PROC2_APIC_ACCESS;
	vmwrite64(VIRTUAL_APIC_PAGE, (uint64_t)&v->lapic.page);
	vmwrite64(APIC_ACCESS_ADDR, (uint64_t)access_page);
	/* Unused with virtual-interrupt delivery; 0 passes the entry checks
	 * without it (SDM 26.2.1.1). */
	vmwrite32(TPR_THRESHOLD, 0);
	vmwrite16(GUEST_INTR_STATUS, 0);
	for (unsigned i = 0; i < 4; i++)
		vmwrite64(EOI_EXIT_BITMAP0 + 2 * i, 0);
}

/* Only with the acceleration does the core hand the CPU the page; the
 * APIC-access page alone needs nothing from it (every access exits). */
bool vmx_apic_virt(struct vcpu *v)
{
	return VMX(v)->xapic_accel;
}

/* In xAPIC mode all of it; otherwise only "virtualize APIC accesses",
 * and MOV CR8 exits as without a TPR shadow. */
static void set_mode(struct vmx_vcpu *x, bool xapic)
{
	uint32_t proc = xapic ? (x->proc | PROC_TPR_SHADOW) & ~PROC_CR8_EXITS
			      : (x->proc & ~PROC_TPR_SHADOW) | PROC_CR8_EXITS;
	uint32_t proc2 = xapic ? x->proc2 | PROC2_XAPIC_ACCEL
			       : x->proc2 & ~PROC2_XAPIC_ACCEL;
	if (proc == x->proc && proc2 == x->proc2)
		return;
	x->proc = proc;
	x->proc2 = proc2;
	vmwrite32(PROC_CONTROLS, proc);
	vmwrite32(PROC_CONTROLS2, proc2);
}

bool vmx_apic_sync(struct vcpu *v, const struct apic_sync *s)
{
	struct vmx_vcpu *x = VMX(v);
	set_mode(x, s->xapic);
	if (!s->xapic)
		return false;
	uint16_t rvi = s->irr < 0 ? 0 : (uint16_t)s->irr;
	uint16_t svi = s->isr < 0 ? 0 : (uint16_t)s->isr;
	vmwrite16(GUEST_INTR_STATUS, (uint16_t)(svi << 8 | rvi));
	for (unsigned i = 0; i < 4; i++) {
		uint64_t w = s->tmr[2 * i] | (uint64_t)s->tmr[2 * i + 1] << 32;
		if (w != x->eoi_exit[i]) {
			x->eoi_exit[i] = w;
			vmwrite64(EOI_EXIT_BITMAP0 + 2 * i, w);
		}
	}
	return true;
}
