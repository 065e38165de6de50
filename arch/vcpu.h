/* The vCPU backend seam: what the arch-neutral core (hv/) asks of a
 * vendor's hardware virtualization (arch/x86_64/vmx/ today, svm/ next).
 * hv/ sees exits only in this neutral form. Every call acts on the vCPU's
 * own control structure, so it is made on the CPU that runs that vCPU.
 * tests/fake/fake_arch.c implements this seam in memory: it is the
 * contract a new backend meets. Host services are in arch/host.h. */
#ifndef BH_ARCH_VCPU_H
#define BH_ARCH_VCPU_H

#include "hv/lib/lib.h"
#include "hv/exit_kinds.h"

struct vcpu;
struct partition;
/* Backend state, typed: each backend defines these (a union of vendor
 * structures on x86, arch/x86_64/vendor.h). */
struct arch_vcpu;
struct arch_part;

/* Control-register access, decoded by the backend (hv/exit/cr.c checks
 * and applies it). */
enum cr_op { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW, CR_OTHER };

struct exit_info {
	enum exit_kind kind;
	uint32_t raw_reason; /* backend's own reason number, for messages */
	uint64_t qual;	     /* backend's qualification, for messages */
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			bool in;
			bool string; /* INS/OUTS: not emulated */
		} io;
		struct {
			uint64_t gpa, gla;
			bool read, write, fetch;
		} mem;
		struct {
			enum cr_op op;
			uint8_t cr;   /* MOV to/from CRn: n */
			uint8_t gpr;  /* MOV from: destination register */
			uint64_t val; /* MOV: source register; LMSW: operand */
		} cr;
		struct {
			uint16_t offset; /* APIC_WRITE: register written */
			uint8_t vector;	 /* APIC_EOI: vector retired */
		} apic;
	};
};

/* Guest general-purpose registers, saved and loaded around every run
 * (arch/x86_64/guest_regs.inc has the offsets; vmx.c checks them at
 * build time). */
struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

enum vcpu_mode { VCPU_REAL16, VCPU_PROT32 };

struct vcpu_start {
	enum vcpu_mode mode;
	uint16_t cs;  /* real mode: segment; CS base = cs << 4 */
	uint64_t rip; /* offset within CS (real) or linear EIP (prot32) */
	/* prot32 only: selectors and GDT the guest expects to find loaded
	 * (0 = the defaults 0x08/0x10 and no GDT). */
	uint16_t code_sel, data_sel;
	uint32_t gdt_base;
	uint16_t gdt_limit;
};

/* Guest registers kept by the backend (not in struct guest_regs). CR0 and
 * CR4 read as the guest sees them (its own values). */
enum vcpu_reg { VREG_RIP, VREG_RFLAGS, VREG_CR0, VREG_CR4, VREG_EFER };

/* ---- set-up ------------------------------------------------------------ */
/* Per-CPU: enable virtualization on the calling CPU. NULL or a reason. */
const char *arch_virt_enable(void);
/* Build the partition's guest-physical map (EPT/NPT) of its RAM and its
 * I/O permission map. */
int arch_partition_init(struct partition *p);
/* Create the vCPU's control structure on the calling (owning) CPU. */
int arch_vcpu_create(struct vcpu *v);
/* Reset architectural state and set the start point. */
void arch_vcpu_start(struct vcpu *v, const struct vcpu_start *s);

/* ---- running ----------------------------------------------------------- */
/* Enter the guest; returns at the next exit, described in *e. */
void arch_vcpu_run(struct vcpu *v, struct exit_info *e);
/* Advance the guest past the instruction that caused the exit. */
void arch_vcpu_skip(struct vcpu *v);
uint64_t arch_vcpu_reg(struct vcpu *v, enum vcpu_reg r);
/* General-purpose register n (0 RAX ... 15 R15, the instruction
 * encoding's numbering) := val, RSP included. */
void arch_set_gpr(struct vcpu *v, unsigned n, uint64_t val);
/* Load CR0 or CR4 with a value the core has checked against the
 * architectural rules; false if the CPU cannot run the guest with it
 * (bits it does not support in guest mode): the core raises #GP. */
bool arch_vcpu_set_cr(struct vcpu *v, unsigned cr, uint64_t val);

/* ---- events (SDM Vol. 3C 26.6) ----------------------------------------- */
/* Queue a hardware exception for the next entry. */
void arch_inject_exception(struct vcpu *v, uint8_t vector, bool has_err,
			   uint32_t err);
/* Can an external interrupt be injected at the next entry? */
bool arch_irq_injectable(struct vcpu *v);
void arch_inject_irq(struct vcpu *v, uint8_t vector);
/* Exit as soon as the guest can take an interrupt (or stop asking). */
void arch_irq_window(struct vcpu *v, bool on);
/* Virtual NMIs (SDM Vol. 3C 25.3, 26.6.1.2; APM 15.20): can an NMI be
 * injected at the next entry (no event queued, no NMI being handled
 * since the last IRET, no STI/MOV-SS shadow)? An injected NMI blocks
 * the next until the guest's IRET, as on hardware. */
bool arch_nmi_injectable(struct vcpu *v);
void arch_inject_nmi(struct vcpu *v);
/* Exit (EXIT_NMI_WINDOW) as soon as an NMI could be injected. */
void arch_nmi_window(struct vcpu *v, bool on);
/* Exit no later than TSC `deadline` (UINT64_MAX = no timer). Holds until
 * the next call: the core calls it before an entry when there is a
 * deadline (time passed since) or the last one was different. */
void arch_set_deadline(struct vcpu *v, uint64_t deadline);

/* ---- local APIC virtualization (optional) ------------------------------
 * A backend whose CPU virtualizes the local APIC (VMX: virtual-APIC page,
 * APIC-register virtualization, virtual-interrupt delivery, SDM Vol. 3C
 * 29) hands the CPU the vCPU's struct vlapic register page: while the
 * vCPU's APIC is in xAPIC mode, guest reads of the xAPIC page, TPR writes
 * (also MOV CR8) and EOIs of edge-triggered vectors cost no exit, and
 * the CPU delivers the vectors in that page's IRR itself. Writes that need the
 * model come back as EXIT_APIC_WRITE (the value already in the page),
 * level-triggered EOIs as EXIT_APIC_EOI (ISR already cleared); other
 * accesses to the page as EXIT_MEM_VIOLATION at its address, as without
 * virtualization. In x2APIC mode a backend that can does the same for
 * RDMSR of the registers the page holds (struct vlapic publishes them in
 * x2APIC form) and WRMSR of TPR and EOI; every other x2APIC MSR access
 * exits as EXIT_RDMSR or EXIT_WRMSR, before it takes effect. */
enum apic_mode { APIC_OFF, APIC_XAPIC, APIC_X2APIC };
struct apic_sync {
	enum apic_mode mode; /* APIC_OFF: disabled; the rest only if not: */
	int irr, isr;	     /* highest vector in IRR / ISR, -1 if none */
	uint32_t tmr[8];     /* level-triggered vectors: their EOI must exit */
};
/* Whether this vCPU's CPU virtualizes its local APIC at all. */
bool arch_apic_virt(struct vcpu *v);
/* Before an entry, on a vCPU for which arch_apic_virt() holds, with the
 * page current (vlapic_sync): true if the CPU delivers the page's IRR
 * vectors itself for this entry, false if the core injects them. */
bool arch_apic_sync(struct vcpu *v, const struct apic_sync *s);

/* ---- emulation --------------------------------------------------------- */
/* Emulate the instruction that faulted on MMIO at `gpa` through
 * rw(v, dev, ...) (a device's handler, hv/vdev/vdev.h); returns 0, or -1
 * with a reason when it cannot be decoded or the device refused. */
typedef int mmio_rw_fn(struct vcpu *v, void *dev, uint64_t gpa, unsigned size,
		       bool write, uint64_t *val);
int arch_emulate_mmio(struct vcpu *v, uint64_t gpa, mmio_rw_fn *rw, void *dev,
		      const char **why);
/* Print everything useful to debug a failed entry or odd exit. */
void arch_vcpu_dump(struct vcpu *v, const struct exit_info *e);

/* ---- snapshots ----------------------------------------------------------
 * Full architectural state, including what the control structure does not
 * hold (CR2, DRs, XSAVE area, syscall MSRs, KERNEL_GS_BASE, TSC_AUX).
 * Opaque to the core, which allocates arch_vcpu_state_size() bytes (page
 * aligned) per vCPU. Save and load run on the vCPU's own CPU, out of the
 * guest (the quiesce rendezvous); the core keeps struct guest_regs and
 * the virtual devices itself. save: -1 if the state cannot be kept
 * (e.g. an XSAVE area larger than the backend's). */
struct arch_vcpu_state;
size_t arch_vcpu_state_size(void);
int arch_vcpu_save(struct vcpu *v, struct arch_vcpu_state *out);
int arch_vcpu_load(struct vcpu *v, const struct arch_vcpu_state *in);
/* Dirty tracking, so a restore copies back only the pages the guest
 * wrote (docs/snapshots.md). The backend notices each page the guest
 * writes and hands the page addresses to the core through
 * snapshot_dirty() (hv/snapshot.c): from a log the CPU keeps (VMX: EPT
 * dirty flags with page-modification logging; SVM: NPT dirty bits) when
 * it fills up and at arch_dirty_log_flush, or, where the CPU keeps none,
 * at the first write to each page, which faults because tracked pages are
 * mapped read-only. The map uses 4 KiB pages for that partition. The mode
 * is decided at arch_partition_init from the config (dirty_tracking) and
 * the CPU; with none, restores copy all of RAM. */
enum arch_dirty_mode {
	ARCH_DIRTY_NONE = 0,	      /* partition without snapshots */
	ARCH_DIRTY_LOG = 1,	      /* the CPU logs written pages */
	ARCH_DIRTY_WRITE_PROTECT = 2, /* first write to a page faults */
};
enum arch_dirty_mode arch_dirty_log_mode(const struct partition *p);
/* On each vCPU's own CPU, in the rendezvous: hand what it logged. */
void arch_dirty_log_flush(struct vcpu *v);
/* On vCPU 0 in the rendezvous, every vCPU parked: forget the dirty marks
 * of the whole map (a take), or of n pages by number (after a restore
 * copied them back), so the next write to each is noticed again. Before
 * each vCPU next enters the guest, its CPU drops cached translations, so
 * no stale one hides a later write. */
void arch_dirty_log_reset(struct partition *p);
void arch_dirty_log_rearm(struct partition *p, const uint32_t *pfn, size_t n);
/* Provided by the core: the guest wrote the pages at these addresses. */
void snapshot_dirty(struct partition *p, const uint64_t *gpa, size_t n);
/* The guest's TSC is the host's plus the partition's tsc_offset
 * (hv/partition.h): the backend applies a changed offset before the
 * vCPU's next entry. */

#endif
