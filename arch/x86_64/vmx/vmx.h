/* VMX backend internals shared by the vmx*.c files. */
#ifndef BH_VMX_H
#define BH_VMX_H

#include "arch/x86_64/vendor.h"
#include "arch/x86_64/vmx/vmcs.h"

#define VMX(v) (&(v)->arch->vmx)

/* vmx_entry.asm: enters the guest; 0 after a VM exit, 1 if VMLAUNCH or
 * VMRESUME failed. Called only through vmx_run_guest. */
void vmx_enter(void);
void vmx_exit_point(void);

/* The call to vmx_enter as the compiler sees it: every GPR but RBP and
 * RSP clobbered (the guest's values are in them at the exit), so the
 * caller saves what it keeps once, in its prologue. vmx_enter keeps RBP
 * itself: the compiler may not give it up, and the caller keeps its
 * vCPU pointer there. No red zone to overwrite: the hypervisor is built
 * with -mno-red-zone. */
static inline int vmx_run_guest(struct guest_regs *regs)
{
	int rc;
	__asm__ volatile("call vmx_enter"
			 : "=a"(rc), "+D"(regs)
			 :
			 : "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11",
			   "r12", "r13", "r14", "r15", "memory", "cc");
	return rc;
}

/* The backend's entries (struct vendor_ops, arch/x86_64/vendor.h), one
 * file each as named. vmx.c */
const char *vmx_virt_enable(void);
int vmx_partition_init(struct partition *p);
int vmx_vcpu_create(struct vcpu *v);
void vmx_vcpu_start(struct vcpu *v, const struct vcpu_start *s);
void vmx_vcpu_skip(struct vcpu *v);
void vmx_inject_exception(struct vcpu *v, uint8_t vector, bool has_err,
			  uint32_t err);
/* vmx_guest.c */
uint64_t vmx_vcpu_reg(struct vcpu *v, enum vcpu_reg r);
bool vmx_vcpu_set_cr(struct vcpu *v, unsigned cr, uint64_t val);
void vmx_code_view(struct vcpu *v, struct x86_code_view *out);
void vmx_set_rip(struct vcpu *v, uint64_t rip);
uint64_t vmx_get_rsp(struct vcpu *v);
void vmx_set_rsp(struct vcpu *v, uint64_t rsp);
/* vmx_irq.c */
bool vmx_irq_injectable(struct vcpu *v);
void vmx_inject_irq(struct vcpu *v, uint8_t vector);
void vmx_irq_window(struct vcpu *v, bool on);
bool vmx_nmi_injectable(struct vcpu *v);
void vmx_inject_nmi(struct vcpu *v);
void vmx_nmi_window(struct vcpu *v, bool on);
void vmx_iret_reblock(struct vcpu *v, uint64_t qual);
void vmx_set_deadline(struct vcpu *v, uint64_t deadline);
void vmx_host_irq(const struct exit_info *e);
/* vmx_state.c */
size_t vmx_vcpu_state_size(void);
int vmx_vcpu_save(struct vcpu *v, struct arch_vcpu_state *out);
int vmx_vcpu_load(struct vcpu *v, const struct arch_vcpu_state *in);
/* vmx_dirty.c */
void vmx_dirty_log_flush(struct vcpu *v);
/* vmx_apic.c */
int vmx_apic_bitmap_init(const uint8_t *base);
bool vmx_apic_supported(void);
int vmx_apic_map(struct partition *p);
void vmx_apic_reset(struct partition *p);
void vmx_apic_setup(struct vcpu *v, uint32_t *proc, uint32_t *proc2);
bool vmx_apic_virt(struct vcpu *v);
bool vmx_apic_sync(struct vcpu *v, const struct apic_sync *s);
/* vmx_exit.c */
void vmx_vcpu_run(struct vcpu *v, struct exit_info *e);
void vmx_vcpu_dump(struct vcpu *v, const struct exit_info *e);
/* vmx_irq.c */
void vmx_reinject_vectoring(void);
/* vmx_dirty.c */
#define VMX_EXIT_PML_FULL 62
enum arch_dirty_mode vmx_dirty_mode(const struct cfg_partition *c);
void vmx_pml_drain(struct vcpu *v);
void vmx_sync_partition_slow(struct vcpu *v);
/* Before every entry: the partition's map changed (flush the EPT's
 * translations) or the vCPU's TSC offset did (write it). Inline, as the
 * answer is almost always no. */
static inline void vmx_sync_partition(struct vcpu *v)
{
	const struct vmx_vcpu *x = VMX(v);
	if (x->map_gen != __atomic_load_n(x->part_map_gen, __ATOMIC_ACQUIRE) ||
	    x->tsc_offset != vcpu_tsc_offset(v))
		vmx_sync_partition_slow(v);
}
/* vmx_guest.c */
void vmx_guest_reset(struct vcpu *v, const struct vcpu_start *s);
void vmx_write_cr0(struct vcpu *v, uint64_t val);
uint64_t vmx_guest_cr4_view(void);
bool vmx_write_cr4(struct vcpu *v, uint64_t val);

#define ENTRY_IA32E_GUEST (1u << 9)

#endif
