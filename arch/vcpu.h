/* The one narrow interface between the arch-neutral core (hv/) and a CPU
 * virtualization backend (arch/x86_64/vmx*.c today, svm*.c later). hv/
 * never includes a VMX or SVM header; it sees exits in this neutral form. */
#ifndef BH_ARCH_H
#define BH_ARCH_H

#include "hv/lib/lib.h"

struct vcpu;
struct partition;

enum exit_kind {
	EXIT_IO,
	EXIT_CPUID,
	EXIT_RDMSR,
	EXIT_WRMSR,
	EXIT_HYPERCALL,
	EXIT_HLT,
	EXIT_MEM_VIOLATION, /* guest-physical access outside its map */
	EXIT_TRIPLE_FAULT,
	EXIT_ENTRY_FAILED,
	EXIT_INTERRUPT, /* host interrupt taken while the guest ran */
	EXIT_NMI,	/* kick from another CPU */
	EXIT_CR_ACCESS, /* handled inside arch; counted */
	EXIT_XSETBV,
	EXIT_PRIV_INSN, /* VMX/SVM/SMX instructions: refused with #UD */
	EXIT_INVD,
	EXIT_EXCEPTION,
	EXIT_TIMER,
	EXIT_IRQ_WINDOW, /* the guest can take an interrupt now */
	EXIT_UNHANDLED,
	EXIT_KIND_COUNT
};

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
	};
};

/* Guest general-purpose registers, saved and loaded around every run. */
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

/* Per-CPU: enable virtualization on the calling CPU. NULL or a reason. */
const char *arch_cpu_enable(void);
/* Build the partition's guest-physical map (EPT/NPT) of its RAM. */
int arch_partition_init(struct partition *p);
/* Create the vCPU's control structure on the calling (owning) CPU. */
int arch_vcpu_create(struct vcpu *v);
/* Reset architectural state and set the start point. */
void arch_vcpu_start(struct vcpu *v, const struct vcpu_start *s);
/* Enter the guest; returns at the next exit, described in *e. */
void arch_vcpu_run(struct vcpu *v, struct exit_info *e);
/* Advance the guest past the instruction that caused the exit. */
void arch_vcpu_skip(struct vcpu *v);
/* Queue a hardware exception for the next entry. */
void arch_inject_exception(struct vcpu *v, uint8_t vector, bool has_err,
			   uint32_t err);
uint64_t arch_vcpu_rip(struct vcpu *v);
/* Interrupts (SDM 26.6, 27.?): */
uint64_t arch_now(void); /* TSC of the calling CPU */
/* Can an external interrupt be injected at the next entry? */
bool arch_irq_injectable(struct vcpu *v);
void arch_inject_irq(struct vcpu *v, uint8_t vector);
/* Exit as soon as the guest can take an interrupt (or stop asking). */
void arch_irq_window(struct vcpu *v, bool on);
/* Exit no later than TSC `deadline` (UINT64_MAX = no timer). */
void arch_set_deadline(struct vcpu *v, uint64_t deadline);
/* CR4 as the guest sees it (its own value). */
uint64_t arch_guest_cr4(struct vcpu *v);
/* Guest's RFLAGS.IF. */
bool arch_guest_if(struct vcpu *v);
/* Emulate the instruction that faulted on MMIO at `gpa` through rw();
 * returns 0, or -1 with a reason when it cannot be decoded. */
typedef int mmio_rw_fn(struct vcpu *v, uint64_t gpa, unsigned size, bool write,
		       uint64_t *val);
int arch_emulate_mmio(struct vcpu *v, uint64_t gpa, mmio_rw_fn *rw,
		      const char **why);

/* Print everything useful to debug a failed entry or odd exit. */
void arch_vcpu_dump(struct vcpu *v, const struct exit_info *e);
/* Validate and apply a guest XSETBV; false = refuse (#GP). */
bool arch_xsetbv(uint32_t index, uint64_t value);
/* Raw CPUID of the host, for the core to filter. */
void arch_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* Interrupt physical CPU `pcpu` so its vCPU exits soon (NMI). */
void arch_kick(unsigned pcpu);
/* Park the calling CPU until kicked. */
void arch_cpu_wait(void);

/* Host bring-up (called by core_main on the BSP): own page tables, GDT,
 * IDT and TSS for the BSP. */
struct boot_info;
void arch_host_init(const struct boot_info *bi);
/* Start physical CPU `index` (INIT-SIPI-SIPI) and have it call
 * fn(index) on its own stack. Returns 0 when the CPU checked in. */
int arch_start_cpu(unsigned index, uint32_t apic_id, void (*fn)(unsigned));
#endif
