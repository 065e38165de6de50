/* Guest architectural state at start, and what the core and the shared
 * x86 code read and write of it. With nested paging the guest may run in
 * real mode or in protected mode without paging (APM 15.19, 15.25). */
#include "arch/x86_64/svm/svm.h"
#include "arch/x86_64/x86.h"

/* VMCB segment attributes (APM 15.5.1): the descriptor's access byte in
 * bits 7:0 and its flags nibble (AVL, L, D/B, G) in bits 11:8. */
#define ATTR_CODE16   0x09Bu
#define ATTR_DATA16   0x093u
#define ATTR_CODE32   0xC9Bu
#define ATTR_DATA32   0xC93u
#define ATTR_TSS_BUSY 0x08Bu
#define ATTR_LDT      0x082u
#define ATTR_L	      (1u << 9)
#define ATTR_DB	      (1u << 10)
#define EFER_SVME     (1ull << 12)

static void set_seg(struct vmcb_seg *s, uint16_t sel, uint64_t base,
		    uint32_t limit, uint16_t attrib)
{
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->attrib = attrib;
}

static void reset_segments(struct vmcb_save *g, const struct vcpu_start *s)
{
	struct vmcb_seg *data[] = {&g->es, &g->ss, &g->ds, &g->fs, &g->gs};
	bool real = s->mode == VCPU_REAL16;
	uint16_t code = s->code_sel ? s->code_sel : 0x08;
	uint16_t dsel = s->data_sel ? s->data_sel : 0x10;
	if (real)
		set_seg(&g->cs, s->cs, (uint64_t)s->cs << 4, 0xFFFF,
			ATTR_CODE16);
	else
		set_seg(&g->cs, code, 0, 0xFFFFFFFF, ATTR_CODE32);
	for (size_t i = 0; i < BH_ARRAY_SIZE(data); i++)
		if (real)
			set_seg(data[i], 0, 0, 0xFFFF, ATTR_DATA16);
		else
			set_seg(data[i], dsel, 0, 0xFFFFFFFF, ATTR_DATA32);
	set_seg(&g->ldtr, 0, 0, 0, ATTR_LDT);
	set_seg(&g->tr, 0, 0, 0xFFFF, ATTR_TSS_BUSY);
	set_seg(&g->gdtr, 0, real ? 0 : s->gdt_base,
		real || !s->gdt_limit ? 0xFFFF : s->gdt_limit, 0);
	set_seg(&g->idtr, 0, 0, real ? 0x3FF : 0xFFFF, 0);
}

void svm_guest_reset(struct vcpu *v, const struct vcpu_start *s)
{
	struct vmcb *vm = VMCB(v);
	struct vmcb_save *g = &vm->save;
	reset_segments(g, s);
	g->cpl = 0;
	/* VMRUN refuses a guest EFER without SVME (APM 15.5.1); the guest
	 * never sees the bit (svm_exit.c answers its EFER accesses). */
	g->efer = EFER_SVME;
	g->cr0 = CR0_ET | (s->mode == VCPU_PROT32 ? CR0_PE : 0);
	g->cr3 = 0;
	g->cr4 = 0;
	g->cr2 = 0;
	g->dr7 = 0x400;
	g->dr6 = 0xFFFF0FF0;
	g->rflags = 0x2;
	g->rip = s->rip;
	g->rsp = 0;
	g->sysenter_cs = g->sysenter_esp = g->sysenter_eip = 0;
	g->star = g->lstar = g->cstar = g->sfmask = g->kernel_gs_base = 0;
	g->dbgctl = 0;
	g->g_pat = 0x0007040600070406ull;
	vm->control.event_inj = 0;
	vm->control.int_state = 0;
	vm->control.int_ctl = SVM_INT_CTL_V_INTR_MASKING;
}

uint64_t svm_vcpu_reg(struct vcpu *v, enum vcpu_reg r)
{
	const struct vmcb_save *g = &VMCB(v)->save;
	switch (r) {
	case VREG_RIP:
		return g->rip;
	case VREG_RFLAGS:
		return g->rflags;
	case VREG_CR0:
		return g->cr0;
	case VREG_CR4:
		return g->cr4;
	case VREG_EFER:
		return g->efer & ~EFER_SVME;
	}
	return 0;
}

/* CR0 bits that exist (SDM Vol. 3A 2.5); writes to the others are
 * ignored, as on hardware. ET is always 1. */
#define CR0_DEFINED 0xE005003Full

/* CR4 bits this CPU has (APM Vol. 2 3.1.3, by CPUID): VMRUN refuses a
 * guest CR4 with any other bit set, so a MOV that sets one is #GP. */
static uint64_t cr4_allowed(void)
{
	static const struct {
		uint32_t leaf;
		uint8_t reg, bit, cr4;
	} opt[] = {
	    {7, 2, 2, 11},  /* UMIP: 7.ECX[2] */
	    {7, 2, 16, 12}, /* LA57 */
	    {7, 1, 0, 16},  /* FSGSBASE: 7.EBX[0] */
	    {1, 2, 17, 17}, /* PCIDE: 1.ECX[17] */
	    {1, 2, 26, 18}, /* OSXSAVE */
	    {7, 1, 7, 20},  /* SMEP */
	    {7, 1, 20, 21}, /* SMAP */
	    {7, 2, 3, 22},  /* PKE */
	};
	static uint64_t mask;
	if (mask)
		return mask;
	uint64_t m = 0x7FF; /* VME .. OSXMMEXCPT */
	for (size_t i = 0; i < BH_ARRAY_SIZE(opt); i++) {
		uint32_t r[4];
		arch_cpuid(opt[i].leaf, 0, r);
		if (r[opt[i].reg] & (1u << opt[i].bit))
			m |= 1ull << opt[i].cr4;
	}
	mask = m;
	return m;
}

/* The core has checked the value (hv/exit/cr.c); what is left is what
 * this CPU accepts. EFER.LMA follows CR0.PG with EFER.LME, as the CPU
 * does when the MOV runs in the guest (APM 14.6.1). */
bool svm_vcpu_set_cr(struct vcpu *v, unsigned cr, uint64_t val)
{
	struct vmcb_save *g = &VMCB(v)->save;
	if (cr == 0) {
		g->cr0 = (val & CR0_DEFINED) | CR0_ET;
		if ((val & CR0_PG) && (g->efer & EFER_LME))
			g->efer |= EFER_LMA;
		else
			g->efer &= ~EFER_LMA;
	} else if (cr == 4) {
		if (val & ~cr4_allowed())
			return false;
		g->cr4 = val;
	} else {
		return false;
	}
	SVM(v)->flush = true;
	return true;
}

void svm_code_view(struct vcpu *v, struct x86_code_view *out)
{
	const struct vmcb_save *g = &VMCB(v)->save;
	out->rip = g->rip;
	out->cs_base = g->cs.base;
	out->cs_long = g->cs.attrib & ATTR_L;
	out->cs_32 = g->cs.attrib & ATTR_DB;
	out->cr0 = g->cr0;
	out->cr3 = g->cr3;
	out->cr4 = g->cr4;
	out->efer = g->efer & ~EFER_SVME;
}

void svm_set_rip(struct vcpu *v, uint64_t rip)
{
	VMCB(v)->save.rip = rip;
}

uint64_t svm_get_rsp(struct vcpu *v)
{
	return VMCB(v)->save.rsp;
}

void svm_set_rsp(struct vcpu *v, uint64_t rsp)
{
	VMCB(v)->save.rsp = rsp;
}
