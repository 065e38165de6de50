/* Guest architectural state at start and on control-register writes.
 * Partitions run with unrestricted guest (SDM 26.3.1.1): they may start
 * in real mode or in protected mode without paging. */
#include "arch/x86_64/vmx/vmx.h"
#include "arch/x86_64/x86.h"

struct seg_fields {
	enum vmcs_field16 sel;
	enum vmcs_fieldn base;
	enum vmcs_field32 limit, ar;
};

static const struct seg_fields data_segs[] = {
    {GUEST_ES_SEL, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR},
    {GUEST_SS_SEL, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR},
    {GUEST_DS_SEL, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR},
    {GUEST_FS_SEL, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR},
    {GUEST_GS_SEL, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR},
};

/* Access rights (SDM 24.4.1): type | S<<4 | P<<7 | D/B<<14 | G<<15. */
#define AR_CODE16    0x009Bu
#define AR_DATA16    0x0093u
#define AR_CODE32    0xC09Bu
#define AR_DATA32    0xC093u
#define AR_TSS_BUSY  0x008Bu
#define AR_UNUSABLE  0x10000u
#define PAT_POWER_ON 0x0007040600070406ull

static void set_seg(const struct seg_fields *f, uint16_t sel, uint64_t base,
		    uint32_t limit, uint32_t ar)
{
	vmwrite16(f->sel, sel);
	vmwriten(f->base, base);
	vmwrite32(f->limit, limit);
	vmwrite32(f->ar, ar);
}

static void reset_segments(const struct vcpu_start *s)
{
	static const struct seg_fields cs = {GUEST_CS_SEL, GUEST_CS_BASE,
					     GUEST_CS_LIMIT, GUEST_CS_AR};
	bool real = s->mode == VCPU_REAL16;
	uint16_t code = s->code_sel ? s->code_sel : 0x08;
	uint16_t data = s->data_sel ? s->data_sel : 0x10;
	if (real)
		set_seg(&cs, s->cs, (uint64_t)s->cs << 4, 0xFFFF, AR_CODE16);
	else
		set_seg(&cs, code, 0, 0xFFFFFFFF, AR_CODE32);
	for (unsigned i = 0; i < BH_ARRAY_SIZE(data_segs); i++)
		if (real)
			set_seg(&data_segs[i], 0, 0, 0xFFFF, AR_DATA16);
		else
			set_seg(&data_segs[i], data, 0, 0xFFFFFFFF, AR_DATA32);
	vmwrite16(GUEST_LDTR_SEL, 0);
	vmwriten(GUEST_LDTR_BASE, 0);
	vmwrite32(GUEST_LDTR_LIMIT, 0);
	vmwrite32(GUEST_LDTR_AR, AR_UNUSABLE);
	vmwrite16(GUEST_TR_SEL, 0);
	vmwriten(GUEST_TR_BASE, 0);
	vmwrite32(GUEST_TR_LIMIT, 0xFFFF);
	vmwrite32(GUEST_TR_AR, AR_TSS_BUSY);
	vmwriten(GUEST_GDTR_BASE, real ? 0 : s->gdt_base);
	vmwrite32(GUEST_GDTR_LIMIT,
		  real || !s->gdt_limit ? 0xFFFF : s->gdt_limit);
	vmwriten(GUEST_IDTR_BASE, 0);
	vmwrite32(GUEST_IDTR_LIMIT, real ? 0x3FF : 0xFFFF);
}

/* The CR4 the guest believes it has: host-owned bits (the guest/host
 * mask) from the read shadow, the rest from the real register (SDM
 * 25.3). */
uint64_t vmx_guest_cr4_view(void)
{
	uint64_t mask = vmreadn(CR4_MASK);
	return (vmreadn(GUEST_CR4) & ~mask) | (vmreadn(CR4_SHADOW) & mask);
}

void vmx_write_cr0(struct vcpu *v, uint64_t val)
{
	struct vmx_vcpu *x = VMX(v);
	vmwriten(CR0_SHADOW, val);
	vmwriten(GUEST_CR0, (val | x->cr0_fixed0) & x->cr0_fixed1);
	/* With paging on and EFER.LME set the guest is in IA-32e mode; the
	 * entry control and EFER.LMA must agree (SDM 26.3.1.1). */
	uint64_t efer = vmread64(GUEST_IA32_EFER);
	uint32_t entry = vmread32(ENTRY_CONTROLS);
	if ((val & CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_GUEST;
	} else {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_GUEST;
	}
	vmwrite64(GUEST_IA32_EFER, efer);
	vmwrite32(ENTRY_CONTROLS, entry);
}

/* Any CR4 bit the CPU does not support in VMX operation is refused (the
 * architectural checks are the core's, hv/exit/cr.c). */
bool vmx_write_cr4(struct vcpu *v, uint64_t val)
{
	struct vmx_vcpu *x = VMX(v);
	if (val & ~x->cr4_fixed1)
		return false;
	vmwriten(CR4_SHADOW, val);
	vmwriten(GUEST_CR4, (val | x->cr4_fixed0) & x->cr4_fixed1);
	return true;
}

void vmx_guest_reset(struct vcpu *v, const struct vcpu_start *s)
{
	struct vmx_vcpu *x = VMX(v);
	reset_segments(s);
	vmwriten(CR0_MASK, x->cr0_fixed0 | ~x->cr0_fixed1);
	vmwriten(CR4_MASK, x->cr4_fixed0 | ~x->cr4_fixed1);
	vmwrite64(GUEST_IA32_EFER, 0);
	vmwrite32(ENTRY_CONTROLS,
		  vmread32(ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
	vmx_write_cr0(v, CR0_ET | (s->mode == VCPU_PROT32 ? CR0_PE : 0));
	vmx_write_cr4(v, 0);
	vmwriten(GUEST_CR3, 0);
	vmwriten(GUEST_DR7, 0x400);
	vmwrite64(GUEST_IA32_DEBUGCTL, 0);
	vmwrite64(GUEST_IA32_PAT, PAT_POWER_ON);
	vmwriten(GUEST_RSP, 0);
	vmwriten(GUEST_RIP, s->rip);
	vmwriten(GUEST_RFLAGS, 0x2);
	vmwrite32(GUEST_INTERRUPTIBILITY, 0);
	vmwrite32(GUEST_ACTIVITY_STATE, 0);
	vmwriten(GUEST_PENDING_DBG, 0);
	vmwrite32(GUEST_SYSENTER_CS, 0);
	vmwriten(GUEST_SYSENTER_ESP, 0);
	vmwriten(GUEST_SYSENTER_EIP, 0);
	vmwrite32(ENTRY_INTR_INFO, 0);
}

/* ---- the seam's register access, and what shared x86 code asks -------- */

#define AR_L  (1u << 13) /* CS.L: 64-bit code */
#define AR_DB (1u << 14) /* CS.D: 32-bit default operand size */

uint64_t vmx_vcpu_reg(struct vcpu *v, enum vcpu_reg r)
{
	switch (r) {
	case VREG_RIP:
		return vmreadn(GUEST_RIP);
	case VREG_RFLAGS:
		return vmreadn(GUEST_RFLAGS);
	case VREG_CR0:
		return vmreadn(CR0_SHADOW);
	case VREG_CR4:
		return vmx_guest_cr4_view();
	case VREG_EFER:
		return vmread64(GUEST_IA32_EFER);
	}
	(void)v;
	return 0;
}

bool vmx_vcpu_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	if (cr == 0) {
		vmx_write_cr0(v, val);
		return true;
	}
	return cr == 4 && vmx_write_cr4(v, val);
}

void vmx_code_view(struct vcpu *v, struct x86_code_view *out)
{
	(void)v;
	uint32_t ar = vmread32(GUEST_CS_AR);
	out->rip = vmreadn(GUEST_RIP);
	out->cs_base = vmreadn(GUEST_CS_BASE);
	out->cs_long = ar & AR_L;
	out->cs_32 = ar & AR_DB;
	out->cr0 = vmreadn(GUEST_CR0);
	out->cr3 = vmreadn(GUEST_CR3);
	out->cr4 = vmreadn(GUEST_CR4);
	out->efer = vmread64(GUEST_IA32_EFER);
}

void vmx_set_rip(struct vcpu *v, uint64_t rip)
{
	(void)v;
	vmwriten(GUEST_RIP, rip);
}

uint64_t vmx_get_rsp(struct vcpu *v)
{
	(void)v;
	return vmreadn(GUEST_RSP);
}

void vmx_set_rsp(struct vcpu *v, uint64_t rsp)
{
	(void)v;
	vmwriten(GUEST_RSP, rsp);
}
