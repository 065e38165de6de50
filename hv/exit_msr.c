/* MSRs: an allowlist. Listed MSRs are emulated per entry; every other
 * RDMSR/WRMSR injects #GP. (MSRs the backend passes through without an
 * exit are per-CPU state of the partition's dedicated CPU.) */
#include "exit.h"

#define APIC_BASE_DEFAULT 0xFEE00000ull
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define X2APIC_FIRST 0x800u
#define X2APIC_LAST 0x8FFu

struct msr_entry {
	uint32_t msr;
	bool (*read)(struct vcpu *v, uint32_t msr, uint64_t *val);
	bool (*write)(struct vcpu *v, uint32_t msr, uint64_t val);
};

static uint64_t apic_base(struct vcpu *v)
{
	if (!v->apic_base)
		v->apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE |
			       (v->index == 0 ? APIC_BASE_BSP : 0);
	return v->apic_base;
}

static bool rd_apic_base(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = apic_base(v);
	return true;
}

/* Only the enable bits may change: relocating the APIC over memory is
 * refused (#GP) so a guest cannot alias another region. */
static bool wr_apic_base(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)msr;
	uint64_t fixed = ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE);
	if ((val & fixed) != (apic_base(v) & fixed))
		return false;
	v->apic_base = val;
	return true;
}

static bool rd_zero(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = 0;
	return true;
}

static bool wr_ignore(struct vcpu *v, uint32_t msr, uint64_t val)
{
	(void)v;
	(void)msr;
	(void)val;
	return true;
}

/* IA32_FEATURE_CONTROL reads as locked with VMX off: nested VMX is not
 * offered. Writes are refused. */
static bool rd_feature_control(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	(void)v;
	(void)msr;
	*val = 1;
	return true;
}

static const struct msr_entry msr_table[] = {
	{0x1B, rd_apic_base, wr_apic_base},    /* IA32_APIC_BASE */
	{0x3A, rd_feature_control, NULL},     /* IA32_FEATURE_CONTROL */
	{0x8B, rd_zero, wr_ignore},           /* IA32_BIOS_SIGN_ID */
	{0x79, NULL, wr_ignore},              /* IA32_BIOS_UPDT_TRIG: dropped */
};

static bool x2apic_on(struct vcpu *v)
{
	uint64_t b = apic_base(v);
	return (b & APIC_BASE_ENABLE) && (b & APIC_BASE_X2APIC);
}

/* x2APIC registers (SDM Vol. 3A 10.12): ID, version and ICR are
 * emulated; the rest read as zero and ignore writes for now. */
static bool x2apic_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case 0x802:
		*val = v->index;
		return true;
	case 0x803:
		*val = 0x50014; /* version 0x14, max LVT 5 */
		return true;
	case 0x830: /* ICR: write-only semantics, reads idle */
	default:
		*val = 0;
		return true;
	}
}

static bool x2apic_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr == 0x830)
		apic_send_ipi(v, val);
	return true;
}

static const struct msr_entry *find_msr(uint32_t msr)
{
	for (unsigned i = 0; i < BH_ARRAY_SIZE(msr_table); i++)
		if (msr_table[i].msr == msr)
			return &msr_table[i];
	return NULL;
}

void exit_rdmsr(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val;
	const struct msr_entry *m = find_msr(msr);
	bool ok;
	if (msr >= X2APIC_FIRST && msr <= X2APIC_LAST)
		ok = x2apic_on(v) && x2apic_read(v, msr, &val);
	else
		ok = m && m->read && m->read(v, msr, &val);
	if (!ok) {
		arch_inject_exception(v, 13, true, 0);
		return;
	}
	set_eax_edx(v, val);
	arch_vcpu_skip(v);
}

void exit_wrmsr(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	const struct msr_entry *m = find_msr(msr);
	bool ok;
	if (msr >= X2APIC_FIRST && msr <= X2APIC_LAST)
		ok = x2apic_on(v) && x2apic_write(v, msr, val);
	else
		ok = m && m->write && m->write(v, msr, val);
	if (!ok) {
		arch_inject_exception(v, 13, true, 0);
		return;
	}
	arch_vcpu_skip(v);
}
