/* SVM backend internals shared by the svm*.c files. */
#ifndef BH_SVM_H
#define BH_SVM_H

#include "arch/x86_64/vendor.h"
#include "arch/x86_64/svm/vmcb.h"

#define SVM(v)	(&(v)->arch->svm)
#define VMCB(v) ((v)->arch->svm.vmcb)

/* svm_entry.asm: one guest run, from VMRUN to #VMEXIT. Called only
 * through svm_run_guest. */
void svm_enter(void);

/* The call to svm_enter as the compiler sees it: every GPR but RBP and
 * RSP clobbered (the guest's values are in them after the run), so the
 * caller saves what it keeps once, in its prologue (as vmx_run_guest). */
static inline void svm_run_guest(struct guest_regs *regs, uint64_t vmcb_pa,
				 uint64_t host_pa)
{
	__asm__ volatile("call svm_enter"
			 : "+D"(regs), "+S"(vmcb_pa), "+d"(host_pa)
			 :
			 : "rax", "rbx", "rcx", "r8", "r9", "r10", "r11", "r12",
			   "r13", "r14", "r15", "memory", "cc");
}

/* svm.c */
const char *svm_virt_enable(void);
int svm_partition_init(struct partition *p);
int svm_vcpu_create(struct vcpu *v);
void svm_vcpu_start(struct vcpu *v, const struct vcpu_start *s);
void svm_vcpu_run(struct vcpu *v, struct exit_info *e);
void svm_vcpu_skip(struct vcpu *v);
void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_err,
			  uint32_t err);
/* svm_guest.c */
void svm_guest_reset(struct vcpu *v, const struct vcpu_start *s);
uint64_t svm_vcpu_reg(struct vcpu *v, enum vcpu_reg r);
bool svm_vcpu_set_cr(struct vcpu *v, unsigned cr, uint64_t val);
void svm_code_view(struct vcpu *v, struct x86_code_view *out);
void svm_set_rip(struct vcpu *v, uint64_t rip);
uint64_t svm_get_rsp(struct vcpu *v);
void svm_set_rsp(struct vcpu *v, uint64_t rsp);
/* svm_irq.c */
bool svm_irq_injectable(struct vcpu *v);
void svm_inject_irq(struct vcpu *v, uint8_t vector);
void svm_irq_window(struct vcpu *v, bool on);
bool svm_nmi_injectable(struct vcpu *v);
void svm_inject_nmi(struct vcpu *v);
void svm_nmi_window(struct vcpu *v, bool on);
void svm_nmi_exit(struct vcpu *v);
void svm_nmi_set(struct vcpu *v, const struct svm_nmi *n);
uint64_t svm_run_deadline(const struct svm_vcpu *s);
void svm_set_deadline(struct vcpu *v, uint64_t deadline);
void svm_reinject_vectoring(struct vcpu *v);
void svm_host_irq(const struct exit_info *e);
/* svm_exit.c */
void svm_translate_exit(struct vcpu *v, struct exit_info *e);
bool svm_own_exit(struct vcpu *v, const struct exit_info *e);
void svm_vcpu_dump(struct vcpu *v, const struct exit_info *e);

#endif
