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
 *  - while it is enabled in x2APIC mode, on a CPU that can: "virtualize
 *    x2APIC mode" in place of "virtualize APIC accesses" (the two
 *    exclude each other, SDM 26.2.1.1), with the same three controls and
 *    a second MSR bitmap (x2_bitmap). RDMSR of the registers in
 *    x2_reads is served from the page (29.5); WRMSR of TPR and EOI is
 *    virtualized as in xAPIC mode; every other x2APIC MSR exits, because
 *    one the bitmap lets through would reach the real x2APIC (29.5: such
 *    an access "operates normally"). Meanwhile MMIO to 0xFEE00000 reaches
 *    the partition's access page as plain memory: it is the partition's
 *    own page (all-ones, like the MMIO hole, whenever vCPU 0 starts),
 *    never shared. So only on partitions with the virtual PC, whose
 *    MMIO hole fails soft (hv/exit/fault.c); in a strict one
 *    (platform = none) the access must exit and stop it.
 *  - otherwise (APIC disabled, or x2APIC mode on a CPU without that
 *    control): the MSRs all exit, and the core injects.
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
#define PROC2_X2APIC_MODE (1u << 4)
#define PROC2_APIC_REGS	  (1u << 8)
#define PROC2_VINTR	  (1u << 9)
#define PROC2_XAPIC_ACCEL (PROC2_APIC_REGS | PROC2_VINTR)
#define PROC2_APIC_ALL	  (PROC2_APIC_ACCESS | PROC2_XAPIC_ACCEL)
#define PIN_EXTINT_EXIT	  (1u << 0) /* required by virtual-interrupt delivery */

/* x2APIC MSRs (0x800 + offset / 16) whose RDMSR the CPU serves from the
 * page: those struct vlapic publishes in x2APIC form (hv/vdev/vlapic.c),
 * out of the list of SDM 29.5. Not PPR, which the core may change
 * without the CPU (vlapic_ack), nor the timer's current count, which only
 * the model computes; reads of those, and of anything that is not a
 * register, exit to the model (which raises #GP where x2APIC does). */
static const uint16_t x2_reads[] = {
    0x802, 0x803, 0x808, 0x80D, 0x80F, /* ID, version, TPR, LDR, SVR */
    0x810, 0x811, 0x812, 0x813, 0x814, 0x815, 0x816, 0x817, /* ISR */
    0x818, 0x819, 0x81A, 0x81B, 0x81C, 0x81D, 0x81E, 0x81F, /* TMR */
    0x820, 0x821, 0x822, 0x823, 0x824, 0x825, 0x826, 0x827, /* IRR */
    0x828, 0x830,					    /* ESR, ICR */
    0x832, 0x833, 0x834, 0x835, 0x836, 0x837,		    /* the six LVTs */
    0x838, 0x83E, /* timer initial count, DCR */
};
#define X2_TPR 0x808u
#define X2_EOI 0x80Bu

static const uint8_t *base_bitmap; /* every vCPU's (vmx.c) */
static uint8_t *x2_bitmap;	   /* for vCPUs in x2APIC mode */

static void bitmap_pass(uint8_t *m, unsigned write_half, uint32_t msr)
{
	/* SDM 24.6.9: read-low at 0, write-low at 2048 (MSRs below 0x2000) */
	m[write_half + msr / 8] &= (uint8_t) ~(1u << (msr % 8));
}

static bool x2apic_supported(void)
{
	return (rdmsr(MSR_IA32_VMX_PROCBASED2) >> 32) & PROC2_X2APIC_MODE;
}

/* Once, by vmx.c as it builds `base`, the bitmap every other vCPU has
 * (under its lock, before any vCPU is created). */
int vmx_apic_bitmap_init(const uint8_t *base)
{
	base_bitmap = base;
	if (!x2apic_supported())
		return 0;
	if (!(x2_bitmap = heap_alloc_pages(1)))
		return -1;
	memcpy(x2_bitmap, base, 4096);
	for (unsigned i = 0; i < BH_ARRAY_SIZE(x2_reads); i++)
		bitmap_pass(x2_bitmap, 0, x2_reads[i]);
	bitmap_pass(x2_bitmap, 2048, X2_TPR);
	bitmap_pass(x2_bitmap, 2048, X2_EOI);
	return 0;
}

/* Allowed-1 halves of the control MSRs (SDM A.3.2, A.3.3). */
bool vmx_apic_supported(void)
{
	uint32_t proc = (uint32_t)(rdmsr(MSR_IA32_VMX_PROCBASED) >> 32);
	uint32_t proc2 = (uint32_t)(rdmsr(MSR_IA32_VMX_PROCBASED2) >> 32);
	return (proc & PROC_TPR_SHADOW) &&
	       (proc2 & PROC2_APIC_ALL) == PROC2_APIC_ALL;
}

/* On partitions whose RAM ends below the local APIC (where it does not,
 * nothing is virtualized: the page would overlap RAM). Each partition has
 * its own access page: in x2APIC mode its vCPUs reach it as memory.
 * Partitions are built one after the other, on the boot CPU. */
int vmx_apic_map(struct partition *p)
{
	struct arch_part *a = p->arch;
	if (!vmx_apic_supported() || p->ram_size > APIC_DEFAULT_PA)
		return 0;
	if (!(a->apic_access = heap_alloc_pages(1)))
		return -1;
	vmx_apic_reset(p);
	return ept_map(&a->map, APIC_DEFAULT_PA, (uint64_t)a->apic_access, 4096,
		       EPT_R | EPT_W);
}

/* All-ones, as the MMIO hole reads (and the page does when accesses to
 * it exit); nothing a run wrote there outlives a reset (vCPU 0 starts
 * again). */
void vmx_apic_reset(struct partition *p)
{
	if (p->arch->apic_access)
		memset(p->arch->apic_access, 0xFF, 4096);
}

/* The vCPU's part of the set-up (its VMCS is current): *proc and *proc2
 * as setup_controls computed them, with or without these controls. */
void vmx_apic_setup(struct vcpu *v, uint32_t *proc, uint32_t *proc2)
{
	struct vmx_vcpu *x = VMX(v);
	x->apicv = v->part->arch->apic_access && (x->pin & PIN_EXTINT_EXIT);
	x->xapic_accel = x->apicv && v->part->arch->dirty == ARCH_DIRTY_NONE;
	/* Only where the MMIO hole fails soft: in a strict partition
	 * (platform = none) an access to the page must still stop it. */
	x->x2apic_accel =
	    x->xapic_accel && x2_bitmap && v->part->boot.pc_platform;
	/* Until vmx_apic_sync (set_mode) sets up xAPIC mode, and for good
	 * on a CPU without these controls or a partition without the
	 * acceleration: CR8 exits (hv/exit/cr.c). */
	*proc = (*proc & ~PROC_TPR_SHADOW) | PROC_CR8_EXITS;
	*proc2 &= ~PROC2_APIC_ALL;
	if (!x->apicv)
		return;
	*proc2 |= PROC2_APIC_ACCESS;
	vmwrite64(VIRTUAL_APIC_PAGE, (uint64_t)&v->lapic.page);
	vmwrite64(APIC_ACCESS_ADDR, (uint64_t)v->part->arch->apic_access);
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

/* The controls for each mode (APIC_OFF means: no acceleration, every
 * access exits), from the set-up's, which has none of them. */
static void mode_controls(const struct vmx_vcpu *x, enum apic_mode m,
			  uint32_t *proc, uint32_t *proc2)
{
	*proc = (x->proc & ~PROC_TPR_SHADOW) | PROC_CR8_EXITS;
	*proc2 = (x->proc2 & ~(PROC2_XAPIC_ACCEL | PROC2_X2APIC_MODE)) |
		 PROC2_APIC_ACCESS;
	if (m == APIC_OFF)
		return;
	*proc = (*proc | PROC_TPR_SHADOW) & ~PROC_CR8_EXITS;
	*proc2 |= PROC2_XAPIC_ACCEL;
	if (m == APIC_X2APIC)
		*proc2 = (*proc2 & ~PROC2_APIC_ACCESS) | PROC2_X2APIC_MODE;
}

static void set_mode(struct vmx_vcpu *x, enum apic_mode m)
{
	uint32_t proc, proc2;
	mode_controls(x, m, &proc, &proc2);
	if (proc == x->proc && proc2 == x->proc2)
		return;
	if ((proc2 ^ x->proc2) & PROC2_X2APIC_MODE)
		vmwrite64(
		    MSR_BITMAP,
		    (uint64_t)(m == APIC_X2APIC ? x2_bitmap : base_bitmap));
	x->proc = proc;
	x->proc2 = proc2;
	vmwrite32(PROC_CONTROLS, proc);
	vmwrite32(PROC_CONTROLS2, proc2);
}

bool vmx_apic_sync(struct vcpu *v, const struct apic_sync *s)
{
	struct vmx_vcpu *x = VMX(v);
	enum apic_mode m = s->mode;
	if (m == APIC_X2APIC && !x->x2apic_accel)
		m = APIC_OFF;
	set_mode(x, m);
	if (m == APIC_OFF)
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
