/* AMD-V backend: SVM on, VMCB set-up, running the guest.
 * AMD64 APM Vol. 2 chapter 15. */
#include "arch/x86_64/svm/svm.h"
#include "arch/x86_64/svm/svm_policy.h"
#include "arch/x86_64/lib/svm_maps.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/x86.h"
#include "hv/boot_info.h"
#include "hv/console.h"
#include "hv/heap.h"

#define MSR_VM_CR	 0xC0010114u /* APM 15.30.1 */
#define MSR_VM_HSAVE	 0xC0010117u /* APM 15.30.4 */
#define VM_CR_SVMDIS	 (1ull << 4)
#define EFER_SVME	 (1ull << 12)
#define EVENT_VALID	 (1ull << 31) /* EVENTINJ, APM 15.20 */
#define EVENT_ERR	 (1ull << 11)
#define EVENT_EXC	 (3ull << 8)
#define PAT_POWER_ON	 0x0007040600070406ull
#define CPUID1_ECX_XSAVE (1u << 26)

/* Per CPU: the host save area VMRUN uses (VM_HSAVE_PA) and the area
 * svm_enter keeps the host's VMSAVE share in. */
static uint8_t *hsave[BI_MAX_CPUS], *host_area[BI_MAX_CPUS];
static uint8_t *iopm;  /* three pages: every port intercepts */
static uint8_t *msrpm; /* two pages: the allowlist below */
static struct spinlock svm_init_lock;

/* MSRs a guest reaches without an exit: per-CPU state that VMRUN or
 * VMLOAD/VMSAVE switch (APM 15.5.1, 15.5.2) or that the host never uses.
 * EFER is not among them: the guest's EFER.SVME must stay set and hidden
 * (svm_exit.c). */
static const uint32_t msr_passthrough[] = {
    0x174,	0x175,	    0x176, /* SYSENTER_CS/ESP/EIP: VMLOAD */
    0x277,			   /* PAT: G_PAT with nested paging */
    0xC0000081, 0xC0000082,	   /* STAR, LSTAR: VMLOAD */
    0xC0000083, 0xC0000084,	   /* CSTAR, SFMASK */
    0xC0000100, 0xC0000101,	   /* FS/GS base: VMLOAD */
    0xC0000102, 0xC0000103,	   /* KERNEL_GS_BASE: VMLOAD; TSC_AUX */
};

static int shared_maps_init(void)
{
	spin_lock(&svm_init_lock);
	if (!msrpm) {
		uint8_t *io = heap_alloc_pages(3), *m = heap_alloc_pages(2);
		if (io && m) {
			svm_iopm_init(io);
			svm_msrpm_init(m);
			for (size_t i = 0; i < BH_ARRAY_SIZE(msr_passthrough);
			     i++)
				svm_msrpm_allow(m, msr_passthrough[i], true,
						true);
			iopm = io;
			msrpm = m;
		}
	}
	spin_unlock(&svm_init_lock);
	return msrpm ? 0 : -1;
}

const char *svm_virt_enable(void)
{
	unsigned cpu = arch_this_cpu();
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return "SVM disabled by the firmware (VM_CR.SVMDIS)";
	if (!hsave[cpu]) {
		hsave[cpu] = heap_alloc_pages(1);
		host_area[cpu] = heap_alloc_pages(1);
	}
	if (!hsave[cpu] || !host_area[cpu] || shared_maps_init())
		return "out of memory for SVM's host areas";
	/* The guest's XSETBV exits and the core applies it here, and
	 * snapshots save the guest's XSAVE state here: both need CR4.OSXSAVE
	 * in the host (XSETBV, XGETBV and XSAVE are #UD without it). */
	struct cpuid_regs r;
	cpuid(1, 0, &r);
	if (r.ecx & CPUID1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE, (uint64_t)hsave[cpu]);
	return NULL;
}

static void *npt_page(void *ctx)
{
	(void)ctx;
	return heap_alloc_pages(1);
}

static uint8_t *iopm_for(const struct partition *p)
{
	uint8_t *m = heap_alloc_pages(3);
	if (!m)
		return NULL;
	svm_iopm_init(m);
	for (unsigned i = 0; i < p->cfg->nports; i++)
		svm_iopm_allow(m, p->cfg->ports[i].first,
			       p->cfg->ports[i].last);
	return m;
}

/* Nested paging has dirty bits but no log of them, and scanning them
 * would cost time in proportion to RAM: SVM tracks by write protection
 * (arch/x86_64/dirty.c), whatever dirty_tracking says. */
static enum arch_dirty_mode svm_dirty_mode(const struct cfg_partition *c)
{
	return c->snapshot == CFG_SNAPSHOT_NO ? ARCH_DIRTY_NONE
					      : ARCH_DIRTY_WRITE_PROTECT;
}

/* Nested page tables from the EPT builder in its NPT format; 4 KiB pages
 * where snapshots track writes. */
int svm_partition_init(struct partition *p)
{
	struct arch_part *a = heap_alloc_pages(1);
	if (!a || ept_init(&a->map, npt_page, NULL))
		return -1;
	a->map.npt = true;
	a->dirty = svm_dirty_mode(p->cfg);
	a->map.small_only = a->dirty != ARCH_DIRTY_NONE;
	if (ept_map(&a->map, 0, p->ram_hpa, p->ram_size, EPT_RWX))
		return -1;
	a->map_root = (uint64_t)a->map.pml4;
	a->io_bitmaps = p->cfg->nports ? iopm_for(p) : NULL;
	p->arch = a;
	return p->cfg->nports && !a->io_bitmaps ? -1 : 0;
}

int svm_vcpu_create(struct vcpu *v)
{
	struct arch_vcpu *av = heap_alloc_pages(1);
	struct vmcb *vm = heap_alloc_pages(1);
	if (!av || !vm)
		return -1;
	_Static_assert(sizeof(*av) <= 4096, "backend vCPU state fits a page");
	struct arch_part *a = v->part->arch;
	struct vmcb_control *c = &vm->control;
	svm_policy_intercepts(c);
	uint8_t *io = a->io_bitmaps ? a->io_bitmaps : iopm;
	c->iopm_base_pa = (uint64_t)io;
	c->msrpm_base_pa = (uint64_t)msrpm;
	/* ASID 0 is the host's; one per partition (its vCPUs share its
	 * nested tables). */
	c->asid = 1 + v->part->id;
	c->misc_ctl = SVM_MISC_CTL_NP_ENABLE;
	c->n_cr3 = a->map_root;
	/* The guest's RFLAGS.IF masks only virtual interrupts; physical ones
	 * always exit (APM 15.21.1). */
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	vm->save.g_pat = PAT_POWER_ON;
	av->svm.vmcb = vm;
	av->svm.flush = true;
	av->svm.deadline = UINT64_MAX;
	v->arch = av;
	return 0;
}

void svm_vcpu_start(struct vcpu *v, const struct vcpu_start *s)
{
	svm_guest_reset(v, s);
	SVM(v)->flush = true;
	svm_nmi_set(v, &(struct svm_nmi){0});
}

/* Before each run: what the core changed for the whole partition. */
static void sync_partition(struct vcpu *v)
{
	struct svm_vcpu *s = SVM(v);
	struct arch_part *a = v->part->arch;
	unsigned gen = __atomic_load_n(&a->map_gen, __ATOMIC_ACQUIRE);
	if (s->map_gen != gen) {
		s->map_gen = gen;
		s->flush = true;
	}
	if (s->tsc_offset != vcpu_tsc_offset(v)) {
		s->tsc_offset = vcpu_tsc_offset(v);
		s->vmcb->control.tsc_offset = s->tsc_offset;
	}
	/* Without flush-by-ASID (QEMU's TCG has none), flushing means the
	 * whole TLB (TLB_CONTROL 1, APM 15.16.1). */
	s->vmcb->control.tlb_control = s->flush ? SVM_TLB_CONTROL_FLUSH_ALL : 0;
	s->flush = false;
}

void svm_vcpu_run(struct vcpu *v, struct exit_info *e)
{
	struct svm_vcpu *s = SVM(v);
	unsigned cpu = arch_this_cpu();
again:
	sync_partition(v);
	/* The guest's next deadline: the host timer interrupts the guest
	 * there (an INTR exit); nothing written when it is already armed. */
	host_timer_arm(svm_run_deadline(s));
	s->vmcb->save.rax = v->regs.rax;
	phase_mark(v, PH_PREP);
	svm_run_guest(&v->regs, (uint64_t)s->vmcb, (uint64_t)host_area[cpu]);
	phase_mark(v, PH_TRANSIT);
	v->regs.rax = s->vmcb->save.rax;
	svm_translate_exit(v, e);
	phase_kind(v, e->kind);
	phase_mark(v, PH_DECODE);
	/* Exits the backend answers itself (EFER), and the first write to a
	 * page that write protection tracks (arch/x86_64/dirty.c). */
	if (svm_own_exit(v, e) || x86_wp_fault(v, e))
		goto again;
}

void svm_vcpu_skip(struct vcpu *v)
{
	struct svm_vcpu *s = SVM(v);
	s->vmcb->save.rip = s->next_rip;
	/* Skipping an instruction ends STI/MOV-SS blocking, and the RF an
	 * IRET may have set for it (SDM Vol. 3A 17.3.1.1: it clears when
	 * the instruction completes). */
	s->vmcb->control.int_state = 0;
	s->vmcb->save.rflags &= ~RFLAGS_RF;
	/* Single-stepped, the instruction ends in a #DB trap with DR6.BS
	 * (APM Vol. 2 13.1.3.5): injected, it is taken before the next one
	 * with the next instruction's RIP pushed, as the CPU's own. */
	if (s->vmcb->save.rflags & RFLAGS_TF) {
		s->vmcb->save.dr6 |= DR6_BS;
		s->vmcb->control.event_inj =
		    EVENT_VALID | EVENT_EXC | X86_EXC_DB;
	}
}

void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_err,
			  uint32_t err)
{
	struct vmcb *vm = VMCB(v);
	/* No error code can be delivered in real mode. */
	if (!(vm->save.cr0 & CR0_PE))
		has_err = false;
	if (X86_IS_FAULT(vector))
		vm->save.rflags |= RFLAGS_RF; /* as the CPU's own fault */
	vm->control.event_inj = EVENT_VALID | EVENT_EXC | vector |
				(has_err ? EVENT_ERR | (uint64_t)err << 32 : 0);
}

/* ---- snapshots -------------------------------------------------------- */

static size_t svm_vcpu_state_size(void)
{
	return sizeof(struct arch_vcpu_state);
}

static int svm_vcpu_save(struct vcpu *v, struct arch_vcpu_state *out)
{
	const struct vmcb *vm = VMCB(v);
	out->svm.save = vm->save;
	out->svm.int_state = vm->control.int_state;
	out->svm.event_inj = vm->control.event_inj;
	out->svm.v_tpr = vm->control.int_ctl & SVM_INT_CTL_V_TPR_MASK;
	out->svm.nmi = SVM(v)->nmi;
	return x86_cpu_state_save(&out->cpu, X86_LIVE_SVM);
}

/* The guest's RAM, its page tables with it, changed under the vCPU: the
 * next VMRUN flushes what the TLB holds for it. The clean bits stay 0, so
 * VMRUN reloads every field written here (APM 15.15). */
static int svm_vcpu_load(struct vcpu *v, const struct arch_vcpu_state *in)
{
	struct vmcb *vm = VMCB(v);
	vm->save = in->svm.save;
	vm->control.int_state = in->svm.int_state;
	vm->control.event_inj = in->svm.event_inj;
	vm->control.int_ctl =
	    (vm->control.int_ctl & ~SVM_INT_CTL_V_TPR_MASK) | in->svm.v_tpr;
	svm_nmi_set(v, &in->svm.nmi);
	x86_cpu_state_load(&in->cpu, X86_LIVE_SVM);
	SVM(v)->flush = true;
	return 0;
}

/* Write protection logs each page as its fault is taken. */
static void svm_dirty_log_flush(struct vcpu *v)
{
	(void)v;
}

const struct vendor_ops svm_ops = {
    .name = "svm",
    .virt_enable = svm_virt_enable,
    .partition_init = svm_partition_init,
    .vcpu_create = svm_vcpu_create,
    .vcpu_start = svm_vcpu_start,
    .vcpu_run = svm_vcpu_run,
    .vcpu_skip = svm_vcpu_skip,
    .vcpu_reg = svm_vcpu_reg,
    .vcpu_set_cr = svm_vcpu_set_cr,
    .inject_exception = svm_inject_exception,
    .irq_injectable = svm_irq_injectable,
    .inject_irq = svm_inject_irq,
    .irq_window = svm_irq_window,
    .nmi_injectable = svm_nmi_injectable,
    .inject_nmi = svm_inject_nmi,
    .nmi_window = svm_nmi_window,
    .set_deadline = svm_set_deadline,
    .vcpu_dump = svm_vcpu_dump,
    .vcpu_state_size = svm_vcpu_state_size,
    .vcpu_save = svm_vcpu_save,
    .vcpu_load = svm_vcpu_load,
    .dirty_log_flush = svm_dirty_log_flush,
    .code_view = svm_code_view,
    .set_rip = svm_set_rip,
    .get_rsp = svm_get_rsp,
    .set_rsp = svm_set_rsp,
    .host_irq = svm_host_irq,
};
