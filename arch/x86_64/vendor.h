/* Backend state and the few questions the shared x86 code (arch/x86_64/)
 * asks the vendor backend. The core sees struct arch_vcpu and struct
 * arch_part only as typed pointers (arch/vcpu.h); they are defined here
 * as a union over the vendors, so a second backend adds a member, not a
 * cast. */
#ifndef BH_X86_VENDOR_H
#define BH_X86_VENDOR_H

#include "hv/partition.h"
#include "arch/x86_64/vmx/vmx_types.h"
#include "arch/x86_64/svm/svm_types.h"
#include "arch/x86_64/lib/ept.h"
#include "arch/x86_64/lib/insn_decode.h"

struct arch_vcpu {
	union {
		struct vmx_vcpu vmx;
		struct svm_vcpu svm;
	};
};

/* Snapshots (arch_vcpu_save/load): what the vendor's control structure
 * holds, and what none does (arch/x86_64/cpu_state.c). */
#define X86_XSAVE_MAX	 4096 /* x87 to AVX-512; a larger XCR0 is refused */
#define X86_STATE_MSRS	 6
#define VMX_STATE_FIELDS 64

struct x86_cpu_state {
	uint8_t xsave[X86_XSAVE_MAX] __attribute__((aligned(64)));
	uint64_t xcr0; /* 0: no XSAVE, the area holds an FXSAVE image */
	uint64_t cr2, dr[4], dr6;
	uint64_t msrs[X86_STATE_MSRS];
};

struct arch_vcpu_state {
	struct x86_cpu_state cpu;
	union {
		uint64_t vmcs[VMX_STATE_FIELDS];
		struct svm_state svm;
	};
};

/* On the vCPU's own CPU, out of the guest. -1: the XSAVE area for the
 * guest's XCR0 does not fit. The FPU/XSAVE state, DR0-3 and TSC_AUX are
 * always live in the CPU; `parts` names what else is (not in the
 * vendor's control structure). */
#define X86_LIVE_CR2_DR6 (1u << 0) /* CR2 and DR6 */
#define X86_LIVE_SYSCALL (1u << 1) /* STAR, LSTAR, CSTAR, SFMASK, KGS_BASE */
#define X86_LIVE_VMX	 (X86_LIVE_CR2_DR6 | X86_LIVE_SYSCALL)
#define X86_LIVE_SVM	 0 /* the VMCB holds those (APM 15.5.2, B-2) */
int x86_cpu_state_save(struct x86_cpu_state *s, unsigned parts);
void x86_cpu_state_load(const struct x86_cpu_state *s, unsigned parts);

/* Dirty tracking shared by the vendors (arch/x86_64/dirty.c): clearing
 * the marks of the map (arch_dirty_log_reset/rearm), and the fault that
 * write protection takes on the first write to a page (true: the page
 * was logged and made writable, re-enter the guest). */
void x86_dirty_log_reset(struct partition *p);
void x86_dirty_log_rearm(struct partition *p, const uint32_t *pfn, size_t n);
bool x86_wp_fault(struct vcpu *v, const struct exit_info *e);

struct arch_part {
	uint64_t map_root;	    /* guest-physical map (EPT pointer) */
	uint8_t *io_bitmaps;	    /* per-partition I/O permissions, or NULL */
	struct ept map;		    /* the tables behind map_root */
	enum arch_dirty_mode dirty; /* arch_dirty_log_mode */
	volatile unsigned map_gen;  /* bumped when dirty marks are cleared */
	uint8_t *apic_access;	    /* VMX: its APIC-access page, or NULL */
};

/* The guest's code segment and paging state at the exiting instruction:
 * what instruction fetch and decode need (arch/x86_64/emulate.c). */
struct x86_code_view {
	uint64_t rip, cs_base;
	bool cs_long, cs_32; /* CS.L and CS.D */
	uint64_t cr0, cr3, cr4, efer;
};

/* Implemented by the vendor backend, for the current vCPU of this CPU. */
void vendor_code_view(struct vcpu *v, struct x86_code_view *out);
void vendor_set_rip(struct vcpu *v, uint64_t rip);
uint64_t vendor_get_rsp(struct vcpu *v);
void vendor_set_rsp(struct vcpu *v, uint64_t rsp);

/* A vendor backend: the vCPU seam of arch/vcpu.h (same meanings, same
 * order) and the questions above. One bulkhead.efi holds every backend;
 * the loader picks one from CPUID (arch/x86_64/lib/virt_pick.c) and
 * arch_host_init installs it before any CPU enables virtualization
 * (arch/x86_64/backend.c forwards each seam call). */
struct vendor_ops {
	const char *name; /* "vmx", "svm" */
	const char *(*virt_enable)(void);
	int (*partition_init)(struct partition *p);
	int (*vcpu_create)(struct vcpu *v);
	void (*vcpu_start)(struct vcpu *v, const struct vcpu_start *s);
	void (*vcpu_run)(struct vcpu *v, struct exit_info *e);
	void (*vcpu_skip)(struct vcpu *v);
	uint64_t (*vcpu_reg)(struct vcpu *v, enum vcpu_reg r);
	bool (*vcpu_set_cr)(struct vcpu *v, unsigned cr, uint64_t val);
	void (*inject_exception)(struct vcpu *v, uint8_t vector, bool has_err,
				 uint32_t err);
	bool (*irq_injectable)(struct vcpu *v);
	void (*inject_irq)(struct vcpu *v, uint8_t vector);
	void (*irq_window)(struct vcpu *v, bool on);
	bool (*nmi_injectable)(struct vcpu *v);
	void (*inject_nmi)(struct vcpu *v);
	void (*nmi_window)(struct vcpu *v, bool on);
	void (*set_deadline)(struct vcpu *v, uint64_t deadline);
	/* Optional (NULL: the CPU does not virtualize the local APIC). */
	bool (*apic_virt)(struct vcpu *v);
	bool (*apic_sync)(struct vcpu *v, const struct apic_sync *s);
	void (*vcpu_dump)(struct vcpu *v, const struct exit_info *e);
	size_t (*vcpu_state_size)(void);
	int (*vcpu_save)(struct vcpu *v, struct arch_vcpu_state *out);
	int (*vcpu_load)(struct vcpu *v, const struct arch_vcpu_state *in);
	void (*dirty_log_flush)(struct vcpu *v);
	void (*code_view)(struct vcpu *v, struct x86_code_view *out);
	void (*set_rip)(struct vcpu *v, uint64_t rip);
	uint64_t (*get_rsp)(struct vcpu *v);
	void (*set_rsp)(struct vcpu *v, uint64_t rsp);
	/* arch_host_irq (arch/host.h): end the host interrupt that made the
	 * guest exit, as the vendor left it (acknowledged or pending). */
	void (*host_irq)(const struct exit_info *e);
};

extern const struct vendor_ops vmx_ops, svm_ops;
/* Installs the backend boot_info names (arch/x86_64/backend.c); false if
 * this build has none for it. */
bool vendor_select(unsigned backend);

/* Up to 15 bytes of the instruction at the guest's CS:RIP, through its
 * page tables (arch/x86_64/emulate.c), with the code view and decode mode
 * they were fetched in; 0 with a reason in *why if none could be read. */
size_t x86_fetch_insn(struct vcpu *v, struct x86_code_view *cv,
		      enum insn_mode *mode, uint8_t bytes[15],
		      const char **why);

/* Guest GPR by the SDM's register number (Table 27-3 order; 4 = RSP,
 * kept by the vendor's control structure). arch/x86_64/emulate.c */
uint64_t x86_get_gpr(struct vcpu *v, unsigned n);
void x86_set_gpr(struct vcpu *v, unsigned n, uint64_t val);

/* Host local APIC (arch/x86_64/lapic.c): x2APIC or xAPIC as the host
 * firmware left it. */
void host_lapic_eoi(void);
void host_lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);
/* Arms this CPU's host timer (lapic.c) to raise HOST_WAKE_VECTOR at a
 * host-TSC deadline (UINT64_MAX: disarm); false if the CPU has no usable
 * timer. Re-arming the armed deadline costs nothing; the interrupt
 * handler calls host_timer_fired, so the next arm writes it again. */
bool host_timer_arm(uint64_t deadline);
void host_timer_fired(void);

/* The host's only interrupt vectors: its wake-up timer (taken inside
 * cpu_wait) and the APIC's spurious vector. */
#define HOST_WAKE_VECTOR     0xF0u
#define HOST_SPURIOUS_VECTOR 0xFFu

#endif
