/* Intel VT-x backend: VMX on, VMCS set-up, entering the guest.
 * SDM Vol. 3C chapters 23-27 and Appendix A. */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/lib/ept.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/x86.h"
#include "hv/console.h"
#include "hv/heap.h"

#define VMX_BASIC_TRUE_CTLS (1ull << 55)

/* Control bits used (SDM 24.6, 24.7, 24.8). */
#define PIN_EXTINT_EXIT	   (1u << 0)
#define PIN_NMI_EXIT	   (1u << 3)
#define PIN_VIRTUAL_NMI	   (1u << 5) /* SDM 24.6.1 */
#define PROC_NMI_WINDOW	   (1u << 22)
#define PROC_TSC_OFFSET	   (1u << 3)
#define PROC_HLT_EXIT	   (1u << 7)
#define PROC_MWAIT_EXIT	   (1u << 10)
#define PROC_IO_BITMAPS	   (1u << 25)
#define PROC_MSR_BITMAPS   (1u << 28)
#define PROC_MONITOR_EXIT  (1u << 29)
#define PROC_SECONDARY	   (1u << 31)
#define PROC2_EPT	   (1u << 1)
#define PROC2_RDTSCP	   (1u << 3)
#define PROC2_VPID	   (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID	   (1u << 12)
#define PROC2_PML	   (1u << 17)
#define PROC2_XSAVES	   (1u << 20)
#define EXIT_SAVE_DEBUG	   (1u << 2)
#define EXIT_HOST_64	   (1u << 9)
#define EXIT_ACK_INTR	   (1u << 15)
#define EXIT_SAVE_PAT	   (1u << 18)
#define EXIT_LOAD_PAT	   (1u << 19)
#define EXIT_SAVE_EFER	   (1u << 20)
#define EXIT_LOAD_EFER	   (1u << 21)
#define ENTRY_LOAD_DEBUG   (1u << 2)
#define ENTRY_LOAD_PAT	   (1u << 14)
#define ENTRY_LOAD_EFER	   (1u << 15)

static uint8_t *io_bitmaps; /* two pages: every port exits */
static uint8_t *msr_bitmap; /* one page: allowlist, see msr_passthrough */
static struct spinlock vmx_init_lock;

void vmcs_error(const char *op, uint32_t field)
{
	hv_log("BUG: %s of VMCS field 0x%x failed", op, field);
}

/* Allowed-0/allowed-1 settings from the capability MSR (SDM A.3-A.5):
 * required bits must be allowed, optional ones are used if allowed. */
static int adjust(uint32_t msr, uint32_t required, uint32_t optional,
		  uint32_t *out)
{
	uint64_t cap = rdmsr(msr);
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);
	uint32_t v = (required | (optional & may) | must) & may;
	if ((v & required) != required) {
		hv_log("VMX control MSR 0x%x lacks bits 0x%x", msr,
		       required & ~v);
		return -1;
	}
	*out = v;
	return 0;
}

static uint32_t ctl_msr(uint32_t plain)
{
	bool true_ctls = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	return true_ctls ? plain + MSR_IA32_VMX_TRUE_OFFSET : plain;
}

/* MSRs a guest reaches without an exit: per-CPU state that VMX switches
 * (or that the host never uses) on a CPU dedicated to the partition. */
static const uint32_t msr_passthrough[] = {
    0x174,	0x175,	    0x176, /* SYSENTER_CS/ESP/EIP: VMCS fields */
    0xC0000080,			   /* EFER: saved/loaded on entry/exit */
    0x277,			   /* PAT: saved/loaded on entry/exit */
    0xC0000081, 0xC0000082,	   /* STAR, LSTAR: host has no SYSCALL */
    0xC0000083, 0xC0000084,	   /* CSTAR, SFMASK */
    0xC0000100, 0xC0000101,	   /* FS/GS base: VMCS fields */
    0xC0000102, 0xC0000103,	   /* KERNEL_GS_BASE, TSC_AUX */
};
/* (The numbers stay literal here: tests/tools/test_policy_doc.sh compares
 * this list with docs/trap-policy.md; x86_defs.h names them.) */

static void msr_bitmap_allow(uint32_t msr)
{
	/* SDM 24.6.9: read-low 0, read-high 1024, write-low 2048,
	 * write-high 3072 bytes; "high" is 0xC0000000-0xC0001FFF. */
	unsigned base = msr >= 0xC0000000u ? 1024 : 0;
	uint32_t bit = msr & 0x1FFF;
	msr_bitmap[base + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	msr_bitmap[base + 2048 + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

static int shared_pages_init(void)
{
	spin_lock(&vmx_init_lock);
	if (!msr_bitmap) {
		io_bitmaps = heap_alloc_pages(2);
		uint8_t *m = heap_alloc_pages(1);
		if (io_bitmaps && m) {
			memset(io_bitmaps, 0xFF, 8192);
			memset(m, 0xFF, 4096);
			msr_bitmap = m;
			for (unsigned i = 0; i < BH_ARRAY_SIZE(msr_passthrough);
			     i++)
				msr_bitmap_allow(msr_passthrough[i]);
			if (vmx_apic_bitmap_init(m))
				msr_bitmap = NULL;
		}
	}
	spin_unlock(&vmx_init_lock);
	return msr_bitmap ? 0 : -1;
}

const char *vmx_virt_enable(void)
{
	struct percpu *pc = this_cpu();
	struct cpuid_regs r;
	cpuid(1, 0, &r);
	if (!(r.ecx & (1u << 5)))
		return "no VMX on this CPU";
	/* SDM 23.7: IA32_FEATURE_CONTROL bit 0 lock, bit 2 VMX outside SMX */
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_NOSMX);
	else if (!(fc & FEATURE_CONTROL_VMX_NOSMX))
		return "VMX disabled and locked in IA32_FEATURE_CONTROL";
	/* SDM 23.8: CR0/CR4 fixed bits in VMX operation. */
	write_cr0((read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR0_FIXED1));
	uint64_t cr4 = read_cr4() | CR4_VMXE;
	if (r.ecx & (1u << 26))
		cr4 |= CR4_OSXSAVE; /* so guest XSETBV can be applied */
	write_cr4((cr4 | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR4_FIXED1));
	if (shared_pages_init())
		return "out of hypervisor memory";
	uint32_t *region = heap_alloc_pages(1);
	if (!region)
		return "out of hypervisor memory";
	region[0] = (uint32_t)rdmsr(MSR_IA32_VMX_BASIC) & 0x7FFFFFFF;
	uint64_t pa = (uint64_t)region;
	uint8_t fail;
	__asm__ volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc");
	if (fail)
		return "VMXON failed";
	pc->vmxon = region;
	return NULL;
}

static void *ept_page(void *ctx)
{
	(void)ctx;
	return heap_alloc_pages(1);
}

/* Per partition I/O bitmaps (SDM 24.6.4): every port exits except the
 * physical ports the config gives this partition. */
static uint8_t *io_bitmaps_for(const struct partition *p)
{
	uint8_t *bm = heap_alloc_pages(2);
	if (!bm)
		return NULL;
	memset(bm, 0xFF, 8192);
	for (unsigned port = 0; port <= 0xFFFF; port++)
		if (cfg_owns_port(p->cfg, (uint16_t)port))
			bm[port / 8] &= (uint8_t) ~(1u << (port % 8));
	return bm;
}

int vmx_partition_init(struct partition *p)
{
	struct arch_part *a = heap_alloc_pages(1);
	_Static_assert(sizeof(*a) <= 4096, "backend partition state fits");
	if (!a || ept_init(&a->map, ept_page, NULL))
		return -1;
	/* Tracking needs a dirty flag or a write permission per 4 KiB page
	 * (vmx_dirty.c). */
	a->dirty = vmx_dirty_mode(p->cfg);
	a->map.small_only = a->dirty != ARCH_DIRTY_NONE;
	if (ept_map(&a->map, 0, p->ram_hpa, p->ram_size, EPT_RWX))
		return -1;
	p->arch = a;
	if (vmx_apic_map(p))
		return -1;
	a->map_root = ept_pointer(&a->map, a->dirty == ARCH_DIRTY_LOG);
	a->io_bitmaps = p->cfg->nports ? io_bitmaps_for(p) : NULL;
	return p->cfg->nports && !a->io_bitmaps ? -1 : 0;
}

static int setup_controls(struct vcpu *v)
{
	uint32_t pin, proc, proc2, exit, entry;
	struct arch_part *a = v->part->arch;
	if (adjust(ctl_msr(MSR_IA32_VMX_PINBASED),
		   PIN_EXTINT_EXIT | PIN_NMI_EXIT, PIN_VIRTUAL_NMI, &pin) ||
	    adjust(ctl_msr(MSR_IA32_VMX_PROCBASED),
		   PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY |
		       PROC_MWAIT_EXIT | PROC_MONITOR_EXIT | PROC_HLT_EXIT |
		       PROC_TSC_OFFSET,
		   0, &proc) ||
	    adjust(MSR_IA32_VMX_PROCBASED2,
		   PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED |
		       (a->dirty == ARCH_DIRTY_LOG ? PROC2_PML : 0),
		   PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES, &proc2) ||
	    /* Debug controls: without them every exit sets the guest's DR7
	     * to 0x400 and DEBUGCTL to 0 (SDM Vol. 3C 27.3.1, 26.3.2.1). */
	    adjust(ctl_msr(MSR_IA32_VMX_EXIT),
		   EXIT_HOST_64 | EXIT_ACK_INTR | EXIT_SAVE_EFER |
		       EXIT_LOAD_EFER | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
		       EXIT_SAVE_DEBUG,
		   0, &exit) ||
	    adjust(ctl_msr(MSR_IA32_VMX_ENTRY),
		   ENTRY_LOAD_EFER | ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG, 0,
		   &entry))
		return -1;
	struct vmx_vcpu *x = VMX(v);
	x->pin = pin;
	x->proc = proc;
	x->vnmi =
	    (pin & PIN_VIRTUAL_NMI) &&
	    (rdmsr(ctl_msr(MSR_IA32_VMX_PROCBASED)) >> 32) & PROC_NMI_WINDOW;
	x->preempt_ok =
	    (rdmsr(ctl_msr(MSR_IA32_VMX_PINBASED)) >> 32) & (1u << 6);
	x->preempt_shift = rdmsr(MSR_IA32_VMX_MISC) & 31;
	vmx_apic_setup(v, &proc, &proc2);
	x->proc = proc;
	x->proc2 = proc2;
	vmwrite32(PIN_CONTROLS, pin);
	vmwrite32(PROC_CONTROLS, proc);
	vmwrite32(PROC_CONTROLS2, proc2);
	vmwrite32(EXIT_CONTROLS, exit);
	vmwrite32(ENTRY_CONTROLS, entry);
	/* A machine check raised while the guest runs exits (SDM 25.2) so it
	 * contains the partition instead of reaching the guest's handler. */
	vmwrite32(EXCEPTION_BITMAP, 1u << X86_EXC_MC);
	vmwrite32(CR3_TARGET_COUNT, 0);
	vmwrite32(EXIT_MSR_STORE_COUNT, 0);
	vmwrite32(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite32(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite64(TSC_OFFSET, 0); /* vmx_sync_partition applies the core's */
	if (a->dirty == ARCH_DIRTY_LOG) {
		if (!(x->pml = heap_alloc_pages(1)))
			return -1;
		vmwrite64(PML_ADDRESS, (uint64_t)x->pml);
		vmwrite16(GUEST_PML_INDEX, 511);
	}
	uint8_t *io = a->io_bitmaps ? a->io_bitmaps : io_bitmaps;
	vmwrite64(IO_BITMAP_A, (uint64_t)io);
	vmwrite64(IO_BITMAP_B, (uint64_t)io + 4096);
	vmwrite64(MSR_BITMAP, (uint64_t)msr_bitmap);
	vmwrite64(EPT_POINTER, a->map_root);
	/* VPID 0 is the host's; partition ids start at 1 (SDM 28.1). */
	vmwrite16(VPID,
		  (uint16_t)(1 + v->part->id * PART_MAX_VCPUS + v->index));
	vmwrite64(VMCS_LINK_POINTER, ~0ull);
	return 0;
}

/* Host state loaded on every VM exit (SDM 24.5, 27.5). */
static void setup_host_state(void)
{
	struct percpu *pc = this_cpu();
	struct desc_ptr gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmwriten(HOST_CR0, read_cr0());
	vmwriten(HOST_CR3, read_cr3());
	vmwriten(HOST_CR4, read_cr4());
	vmwrite16(HOST_CS_SEL, SEL_CODE);
	vmwrite16(HOST_SS_SEL, SEL_DATA);
	vmwrite16(HOST_DS_SEL, SEL_DATA);
	vmwrite16(HOST_ES_SEL, SEL_DATA);
	vmwrite16(HOST_FS_SEL, SEL_DATA);
	vmwrite16(HOST_GS_SEL, SEL_DATA);
	vmwrite16(HOST_TR_SEL, SEL_TSS);
	vmwriten(HOST_FS_BASE, 0);
	vmwriten(HOST_GS_BASE, (uint64_t)pc);
	vmwriten(HOST_TR_BASE, (uint64_t)&pc->tss);
	vmwriten(HOST_GDTR_BASE, gdtr.base);
	vmwriten(HOST_IDTR_BASE, idtr.base);
	vmwrite32(HOST_SYSENTER_CS, 0);
	vmwriten(HOST_SYSENTER_ESP, 0);
	vmwriten(HOST_SYSENTER_EIP, 0);
	vmwrite64(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmwrite64(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwriten(HOST_RIP, (uint64_t)vmx_exit_point);
}

int vmx_vcpu_create(struct vcpu *v)
{
	struct arch_vcpu *av = heap_alloc_pages(1);
	uint32_t *vmcs = heap_alloc_pages(1);
	if (!av || !vmcs)
		return -1;
	_Static_assert(sizeof(*av) <= 4096, "backend vCPU state fits a page");
	struct vmx_vcpu *x = &av->vmx;
	vmcs[0] = (uint32_t)rdmsr(MSR_IA32_VMX_BASIC) & 0x7FFFFFFF;
	x->vmcs_pa = (uint64_t)vmcs;
	x->part_map_gen = &v->part->arch->map_gen;
	/* Unrestricted guest may clear PE and PG (SDM 26.3.1.1). */
	x->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);
	x->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	x->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	x->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	v->arch = av;
	uint8_t fail;
	__asm__ volatile("vmclear %1; setna %0"
			 : "=qm"(fail)
			 : "m"(x->vmcs_pa)
			 : "cc", "memory");
	if (!fail)
		__asm__ volatile("vmptrld %1; setna %0"
				 : "=qm"(fail)
				 : "m"(x->vmcs_pa)
				 : "cc", "memory");
	if (fail || setup_controls(v))
		return -1;
	setup_host_state();
	return 0;
}

void vmx_vcpu_start(struct vcpu *v, const struct vcpu_start *s)
{
	if (v->index == 0)
		vmx_apic_reset(v->part);
	vmx_guest_reset(v, s);
}

/* The rare part of a skip (RF or TF set), out of the common way. The
 * instruction completed, so the RF an IRET may have set for it clears
 * (SDM Vol. 3A 17.3.1.1; the exit may have saved it still set: Bochs
 * clears it, QEMU's SVM does not). Single-stepped, it ends in a #DB with
 * DR6.BS (SDM Vol. 3A 17.3.1.4): as a pending debug exception, the CPU
 * delivers it at the entry, before the next instruction (Vol. 3C
 * 26.7.3). */
static __attribute__((noinline)) void skip_flags(uint64_t rflags)
{
	if (rflags & RFLAGS_RF)
		vmwriten(GUEST_RFLAGS, rflags & ~RFLAGS_RF);
	if (rflags & RFLAGS_TF)
		vmwriten(GUEST_PENDING_DBG,
			 vmreadn(GUEST_PENDING_DBG) | DR6_BS);
}

void vmx_vcpu_skip(struct vcpu *v)
{
	(void)v;
	vmwriten(GUEST_RIP, vmreadn(GUEST_RIP) + vmread32(EXIT_INSN_LEN));
	/* Skipping an instruction ends STI/MOV-SS blocking (SDM 24.4.2). */
	uint32_t intr = vmread32(GUEST_INTERRUPTIBILITY);
	if (intr & 3)
		vmwrite32(GUEST_INTERRUPTIBILITY, intr & ~3u);
	uint64_t rflags = vmreadn(GUEST_RFLAGS);
	if (rflags & (RFLAGS_RF | RFLAGS_TF))
		skip_flags(rflags);
}

void vmx_inject_exception(struct vcpu *v, uint8_t vector, bool has_err,
			  uint32_t err)
{
	(void)v;
	/* No error code can be delivered in real mode (SDM 26.2.1.3). */
	if (!(vmreadn(GUEST_CR0) & CR0_PE))
		has_err = false;
	if (X86_IS_FAULT(vector))
		vmwriten(GUEST_RFLAGS, vmreadn(GUEST_RFLAGS) | RFLAGS_RF);
	vmwrite32(ENTRY_INTR_INFO,
		  (1u << 31) | (3u << 8) | vector | (has_err ? 1u << 11 : 0));
	vmwrite32(ENTRY_EXCEPTION_ERROR, err);
}

/* guest_regs.inc (the entry stubs) hand-codes these offsets, and
 * vmx_entry.asm the HOST_RSP encoding. */
_Static_assert(offsetof(struct guest_regs, rax) == 0 &&
		   offsetof(struct guest_regs, rbx) == 8 &&
		   offsetof(struct guest_regs, rcx) == 16 &&
		   offsetof(struct guest_regs, rdx) == 24 &&
		   offsetof(struct guest_regs, rsi) == 32 &&
		   offsetof(struct guest_regs, rdi) == 40 &&
		   offsetof(struct guest_regs, rbp) == 48 &&
		   offsetof(struct guest_regs, r8) == 56 &&
		   offsetof(struct guest_regs, r15) == 112 &&
		   sizeof(struct guest_regs) == 120,
	       "struct guest_regs layout as vmx_entry.asm expects");
_Static_assert(HOST_RSP == 0x6C14, "HOST_RSP as vmx_entry.asm encodes it");

const struct vendor_ops vmx_ops = {
    .name = "vmx",
    .virt_enable = vmx_virt_enable,
    .partition_init = vmx_partition_init,
    .vcpu_create = vmx_vcpu_create,
    .vcpu_start = vmx_vcpu_start,
    .vcpu_run = vmx_vcpu_run,
    .vcpu_skip = vmx_vcpu_skip,
    .vcpu_reg = vmx_vcpu_reg,
    .vcpu_set_cr = vmx_vcpu_set_cr,
    .inject_exception = vmx_inject_exception,
    .irq_injectable = vmx_irq_injectable,
    .inject_irq = vmx_inject_irq,
    .irq_window = vmx_irq_window,
    .nmi_injectable = vmx_nmi_injectable,
    .inject_nmi = vmx_inject_nmi,
    .nmi_window = vmx_nmi_window,
    .set_deadline = vmx_set_deadline,
    .apic_virt = vmx_apic_virt,
    .apic_sync = vmx_apic_sync,
    .vcpu_dump = vmx_vcpu_dump,
    .vcpu_state_size = vmx_vcpu_state_size,
    .vcpu_save = vmx_vcpu_save,
    .vcpu_load = vmx_vcpu_load,
    .dirty_log_flush = vmx_dirty_log_flush,
    .code_view = vmx_code_view,
    .set_rip = vmx_set_rip,
    .get_rsp = vmx_get_rsp,
    .set_rsp = vmx_set_rsp,
    .host_irq = vmx_host_irq,
};
