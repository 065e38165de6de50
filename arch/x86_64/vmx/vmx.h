/* VMX backend internals shared by the vmx*.c files. */
#ifndef BH_VMX_H
#define BH_VMX_H

#include "hv/partition.h"
#include "arch/x86_64/vmx/vmcs.h"

struct vmx_vcpu {
	uint64_t vmcs_pa;
	bool launched;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint32_t vm_insn_error; /* of the last failed entry */
	uint32_t pin, proc;	/* current pin-based/primary controls */
	bool preempt_ok;	/* VMX-preemption timer supported */
};

#define VMX(v) ((struct vmx_vcpu *)(v)->arch)

/* vmx_entry.asm: 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed. */
int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_point(void);

/* vmx_irq.c */
void vmx_reinject_vectoring(void);
/* vmx_exit.c: guest GPR by SDM number (4 = RSP lives in the VMCS) */
uint64_t vmx_get_gpr(struct vcpu *v, unsigned n);
void vmx_set_gpr(struct vcpu *v, unsigned n, uint64_t val);
/* vmx_exit.c */
void vmx_translate_exit(struct vcpu *v, struct exit_info *e);
/* vmx_guest.c */
void vmx_guest_reset(struct vcpu *v, const struct vcpu_start *s);
void vmx_write_cr0(struct vcpu *v, uint64_t val);
bool vmx_cr0_valid(struct vcpu *v, uint64_t val);
uint64_t vmx_guest_cr4_view(void);
bool vmx_write_cr4(struct vcpu *v, uint64_t val);

#define ENTRY_IA32E_GUEST (1u << 9)

#endif
