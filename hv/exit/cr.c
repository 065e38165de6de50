/* Control-register writes that exit (the bits the hypervisor owns): the
 * checks MOV to CRn makes before loading (SDM Vol. 2 "MOV—Move to/from
 * Control Registers", #GP conditions), then the backend applies the value
 * with the bits its CPU needs in guest mode. */
#include "hv/exit.h"
#include "arch/x86_64/x86_defs.h"

/* Reserved bits 63:32, NW without CD, PG without PE, and paging with
 * EFER.LME but without CR4.PAE. */
static bool cr0_valid(struct vcpu *v, uint64_t val)
{
	if ((val >> 32) || ((val & CR0_NW) && !(val & CR0_CD)) ||
	    ((val & CR0_PG) && !(val & CR0_PE)))
		return false;
	return !((val & CR0_PG) && (arch_vcpu_reg(v, VREG_EFER) & EFER_LME) &&
		 !(arch_vcpu_reg(v, VREG_CR4) & CR4_PAE));
}

/* CR4.VMXE is the hypervisor's (no nested virtualization); leaving PAE
 * in IA-32e mode is #GP. */
static bool cr4_valid(struct vcpu *v, uint64_t val)
{
	if (val & CR4_VMXE)
		return false;
	return !((arch_vcpu_reg(v, VREG_EFER) & EFER_LMA) && !(val & CR4_PAE));
}

static bool cr_write(struct vcpu *v, const struct exit_info *e)
{
	uint64_t cr0 = arch_vcpu_reg(v, VREG_CR0);
	switch (e->cr.op) {
	case CR_MOV_TO:
		if (e->cr.cr == 0)
			return cr0_valid(v, e->cr.val) &&
			       arch_vcpu_set_cr(v, 0, e->cr.val);
		if (e->cr.cr == 4)
			return cr4_valid(v, e->cr.val) &&
			       arch_vcpu_set_cr(v, 4, e->cr.val);
		return false;
	case CR_CLTS:
		return arch_vcpu_set_cr(v, 0, cr0 & ~CR0_TS);
	case CR_LMSW: /* loads MP, EM, TS; may set PE, never clear it */
		return arch_vcpu_set_cr(
		    v, 0, (cr0 & ~0xEull) | (e->cr.val & 0xF) | (cr0 & CR0_PE));
	default:
		return false;
	}
}

/* CR8 is the local APIC's TPR class. It exits where the CPU does not
 * keep it in the vCPU's APIC register page itself (VMX without a TPR
 * shadow): without the exit the guest would load its CPU's own TPR and
 * could hold off the hypervisor's interrupts there. */
static bool cr8_access(struct vcpu *v, const struct exit_info *e)
{
	if (e->cr.op == CR_MOV_FROM) {
		lapic_lock(v);
		uint64_t val = vlapic_get_cr8(&v->lapic);
		lapic_unlock(v);
		arch_set_gpr(v, e->cr.gpr, val);
		return true;
	}
	lapic_lock(v); /* a lower TPR may let a vector through: counted */
	int rc = vlapic_set_cr8(&v->lapic, e->cr.val);
	lapic_unlock(v);
	return rc == 0;
}

void exit_cr(struct vcpu *v, const struct exit_info *e)
{
	bool ok =
	    e->cr.cr == 8 && (e->cr.op == CR_MOV_TO || e->cr.op == CR_MOV_FROM)
		? cr8_access(v, e)
		: cr_write(v, e);
	if (ok)
		arch_vcpu_skip(v);
	else
		arch_inject_exception(v, X86_EXC_GP, true, 0);
}
