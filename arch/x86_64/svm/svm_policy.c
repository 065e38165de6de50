/* The SVM intercepts and exit map; see svm_policy.h. Intercept bits: APM
 * Vol. 2 Table B-1; exit codes: Appendix C. */
#include "arch/x86_64/svm/svm_policy.h"
#include "arch/x86_64/x86_defs.h"

/* What the guest may not do without the hypervisor: the same events and
 * instructions VMX exits on, and every SVM instruction (the guest gets
 * #UD, as for VMX instructions). CR0 and CR4 writes: the core checks them
 * as on VMX (hv/exit/cr.c) and the backend refuses what this CPU does not
 * have, since VMRUN would refuse the state instead (APM 15.5.1). */
void svm_policy_intercepts(struct vmcb_control *c)
{
	c->intercept_cr = SVM_INTERCEPT_CR_WRITE(0) | SVM_INTERCEPT_CR_WRITE(4);
	c->intercept_exceptions = 1u << X86_EXC_MC;
	c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI |
			     SVM_INTERCEPT_INIT | SVM_INTERCEPT_CPUID |
			     SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVD |
			     SVM_INTERCEPT_INVLPGA | SVM_INTERCEPT_IOIO_PROT |
			     SVM_INTERCEPT_MSR_PROT | SVM_INTERCEPT_SHUTDOWN;
	c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL |
			     SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE |
			     SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
			     SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_MONITOR |
			     SVM_INTERCEPT_MWAIT | SVM_INTERCEPT_XSETBV;
}

static const struct svm_exit_map exit_map[] = {
    {SVM_EXIT_INTR, EXIT_INTERRUPT, 0, {0}},
    {SVM_EXIT_NMI, EXIT_NMI, 0, {0}},
    {SVM_EXIT_INIT, EXIT_NMI, 0, {0}}, /* a kick too: re-check, re-enter */
    {SVM_EXIT_VINTR, EXIT_IRQ_WINDOW, 0, {0}},
    {SVM_EXIT_IRET, EXIT_NMI_WINDOW, 0, {0}}, /* svm_irq.c: NMI blocking */
    {SVM_EXIT_CPUID, EXIT_CPUID, 2, {0x0F, 0xA2}},
    {SVM_EXIT_INVD, EXIT_INVD, 2, {0x0F, 0x08}},
    {SVM_EXIT_HLT, EXIT_HLT, 1, {0xF4}},
    {SVM_EXIT_INVLPGA, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_IOIO, EXIT_IO, 0, {0}},
    {SVM_EXIT_MSR, EXIT_RDMSR, 2, {0x0F, 0x32}}, /* WRMSR: 0F 30 */
    {SVM_EXIT_SHUTDOWN, EXIT_TRIPLE_FAULT, 0, {0}},
    {SVM_EXIT_VMRUN, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_VMMCALL, EXIT_HYPERCALL, 3, {0x0F, 0x01, 0xD9}},
    {SVM_EXIT_VMLOAD, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_VMSAVE, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_STGI, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_CLGI, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_SKINIT, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_MONITOR, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_MWAIT, EXIT_PRIV_INSN, 0, {0}},
    {SVM_EXIT_XSETBV, EXIT_XSETBV, 3, {0x0F, 0x01, 0xD1}},
    {SVM_EXIT_EXCP_BASE + X86_EXC_MC, EXIT_EXCEPTION, 0, {0}},
    {SVM_EXIT_NPF, EXIT_MEM_VIOLATION, 0, {0}},
    {SVM_EXIT_CR0_WRITE, EXIT_CR_ACCESS, 0, {0}},
    {SVM_EXIT_CR4_WRITE, EXIT_CR_ACCESS, 0, {0}},
};

const struct svm_exit_map *svm_policy_exit(uint64_t code)
{
	for (size_t i = 0; i < BH_ARRAY_SIZE(exit_map); i++)
		if (exit_map[i].code == code)
			return &exit_map[i];
	return NULL;
}
