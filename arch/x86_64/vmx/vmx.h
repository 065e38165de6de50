/* VMX backend internals shared by the vmx*.c files. */
#ifndef BH_VMX_H
#define BH_VMX_H

#include "arch/x86_64/vendor.h"
#include "arch/x86_64/vmx/vmcs.h"

#define VMX(v) (&(v)->arch->vmx)

/* vmx_entry.asm: 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed. */
int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_point(void);

/* vmx_irq.c */
void vmx_reinject_vectoring(void);
/* vmx_exit.c */
void vmx_translate_exit(struct vcpu *v, struct exit_info *e);
/* vmx_dirty.c */
#define VMX_EXIT_PML_FULL 62
enum arch_dirty_mode vmx_dirty_mode(const struct cfg_partition *c);
void vmx_pml_drain(struct vcpu *v);
bool vmx_wp_fault(struct vcpu *v, const struct exit_info *e);
void vmx_sync_partition(struct vcpu *v);
/* vmx_guest.c */
void vmx_guest_reset(struct vcpu *v, const struct vcpu_start *s);
void vmx_write_cr0(struct vcpu *v, uint64_t val);
uint64_t vmx_guest_cr4_view(void);
bool vmx_write_cr4(struct vcpu *v, uint64_t val);

#define ENTRY_IA32E_GUEST (1u << 9)

#endif
