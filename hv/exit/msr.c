/* MSRs: an allowlist. Listed MSRs are emulated per entry; every other
 * RDMSR/WRMSR injects #GP. (MSRs the backend passes through without an
 * exit are per-CPU state of the partition's dedicated CPU; see the MSR
 * bitmap in arch/x86_64/vmx.c.) */
#include "hv/exit.h"
#include "arch/x86_64/x86_defs.h"

/* IA32_MISC_ENABLE (SDM Vol. 4 Table 2-2), per vCPU: at reset fast
 * strings on, BTS and PEBS unavailable (bits 11, 12, read-only), no PMU
 * (bit 7 read-only 0). Read/write: fast strings (0), automatic thermal
 * control (3), limit CPUID maxval (22, which CPUID leaf 0 honours) and
 * xTPR message disable (23). Reserved, #GP when set: the rest, including
 * EIST (16) and MONITOR FSM (18), whose CPUID features are hidden, and XD
 * disable (34), which the partition's own EFER writes (not intercepted on
 * VMX) could not be held to. */
#define MISC_ENABLE_RESET 0x1801ull
#define MISC_ENABLE_RW                                                         \
	((1ull << 0) | (1ull << 3) | MISC_ENABLE_LIMIT_CPUID | (1ull << 23))
#define MISC_ENABLE_RO ((1ull << 7) | (1ull << 11) | (1ull << 12))

struct msr_entry {
	uint32_t msr;
	bool (*read)(struct vcpu *v, uint64_t *val);
	bool (*write)(struct vcpu *v, uint64_t val);
};

/* IA32_APIC_BASE: mode switches only; relocating the APIC over memory is
 * refused (#GP) so a guest cannot alias another region. */
static bool rd_apic_base(struct vcpu *v, uint64_t *val)
{
	*val = vlapic_get_base(&v->lapic);
	return true;
}

static bool wr_apic_base(struct vcpu *v, uint64_t val)
{
	lapic_lock(v);
	int r = vlapic_set_base(&v->lapic, val);
	lapic_unlock(v);
	return r == 0;
}

/* The guest writes its deadline in its own TSC (partition time plus
 * tsc_adjust); the vLAPIC keeps it in partition time. 0 disarms, so a
 * deadline that converts to 0 is 1 tick later instead. */
static bool rd_tsc_deadline(struct vcpu *v, uint64_t *val)
{
	lapic_lock(v);
	/* A passed deadline reads 0. */
	vlapic_timer_update(&v->lapic, part_now(v->part));
	uint64_t d = vlapic_get_tsc_deadline(&v->lapic);
	lapic_unlock(v);
	*val = d ? d + v->msr.tsc_adjust : 0;
	return true;
}

static bool wr_tsc_deadline(struct vcpu *v, uint64_t val)
{
	uint64_t d = val ? val - v->msr.tsc_adjust : 0;
	if (val && !d)
		d = 1;
	lapic_lock(v);
	vlapic_set_tsc_deadline(&v->lapic, d, part_now(v->part));
	lapic_unlock(v);
	return true;
}

static bool rd_zero(struct vcpu *v, uint64_t *val)
{
	(void)v;
	*val = 0;
	return true;
}

static bool wr_ignore(struct vcpu *v, uint64_t val)
{
	(void)v;
	(void)val;
	return true;
}

/* IA32_FEATURE_CONTROL reads as locked with VMX off: nested VMX is not
 * offered. Writes are refused. */
static bool rd_feature_control(struct vcpu *v, uint64_t *val)
{
	(void)v;
	*val = 1;
	return true;
}

static bool rd_misc_enable(struct vcpu *v, uint64_t *val)
{
	*val = MISC_ENABLE_RESET ^ v->msr.misc_enable_flip;
	return true;
}

/* Read-only bits keep their value whatever is written. */
static bool wr_misc_enable(struct vcpu *v, uint64_t val)
{
	if (val & ~(MISC_ENABLE_RW | MISC_ENABLE_RO))
		return false;
	v->msr.misc_enable_flip = (val ^ MISC_ENABLE_RESET) & MISC_ENABLE_RW;
	return true;
}

/* The vCPU's TSC, the same value RDTSC gives it (the backend offsets
 * the host's by vcpu_tsc_offset()). Writing it sets this vCPU's TSC
 * alone, through its offset (the real TSC is never written), and moves
 * IA32_TSC_ADJUST by as much (SDM Vol. 3B 17.17.3). */
static bool rd_tsc(struct vcpu *v, uint64_t *val)
{
	*val = part_now(v->part) + v->msr.tsc_adjust;
	return true;
}

static bool wr_tsc(struct vcpu *v, uint64_t val)
{
	v->msr.tsc_adjust += val - (part_now(v->part) + v->msr.tsc_adjust);
	return true;
}

/* IA32_TSC_ADJUST (SDM 17.17.3). Offered (CPUID.07H:EBX[1]) because with
 * an invariant TSC it tells a kernel that nothing can change its TSC
 * unseen: Linux (5.16+, check_system_tsc_reliable()) then keeps the TSC
 * without the clocksource watchdog, which in a partition compared it with
 * jiffies and dropped it (issue 11). It starts at 0; writing X moves this
 * vCPU's TSC by X minus the old value. The partition's own clock (its
 * timers, PM timer, RTC) and every other vCPU's TSC stay where they are. */
static bool rd_tsc_adjust(struct vcpu *v, uint64_t *val)
{
	*val = v->msr.tsc_adjust;
	return true;
}

static bool wr_tsc_adjust(struct vcpu *v, uint64_t val)
{
	v->msr.tsc_adjust = val;
	return true;
}

/* IA32_DEBUGCTL (SDM Vol. 3B 17.4.1) reads 0, and writing 0 is fine
 * (kernels clear it); LBR, BTF, BTS and the PMU freezes are not offered,
 * so a write that sets any bit raises #GP. Nothing else writes it: the
 * 0 that VM entry loads stays the guest's (vmx_guest.c). */
static bool wr_debugctl(struct vcpu *v, uint64_t val)
{
	(void)v;
	return val == 0;
}

/* Machine-check architecture (SDM Vol. 3B 15.3.1), offered without
 * banks: errors of the machine are the hypervisor's to see, and a
 * machine check in a partition stops it (hv/exit/fault.c). MCG_CAP reads
 * 0 (no banks, no MCG_CTL), so MCG_CTL and the bank MSRs do not exist;
 * MCG_STATUS keeps RIPV, EIPV and MCIP as written (LMCE_S is not offered:
 * 63:3 reserved). */
#define MCG_STATUS_RW 0x7ull

static bool rd_mcg_status(struct vcpu *v, uint64_t *val)
{
	*val = v->msr.mcg_status;
	return true;
}

static bool wr_mcg_status(struct vcpu *v, uint64_t val)
{
	if (val & ~MCG_STATUS_RW)
		return false;
	v->msr.mcg_status = val;
	return true;
}

/* Machine-wide configuration of AMD's CPUs that Linux reads unguarded,
 * read as 0 (nothing enabled), writes refused; only where the CPU is
 * AMD's (elsewhere the MSRs do not exist):
 *  - SYSCFG (APM Vol. 2 "System Configuration Register"): read on family
 *    0Fh and later to check MtrrFixDramModEn as soon as fixed-range MTRRs
 *    are found;
 *  - the Interrupt Pending Message register of families 0Fh and 10h
 *    (BKDG), read where erratum 400 may apply to see whether C1E is on:
 *    a partition's CPU never enters C1E, its HLT exits. */
static bool rd_zero_amd(struct vcpu *v, uint64_t *val)
{
	(void)v;
	uint32_t r[4];
	arch_cpuid(0, 0, r);
	*val = 0;
	return r[1] == 0x68747541; /* "Auth"enticAMD */
}

/* Searched in order: the TSC deadline first, which Linux writes at every
 * timer re-arm (bench row "deadline"), then by number. */
static const struct msr_entry msr_table[] = {
    {0x6E0, rd_tsc_deadline, wr_tsc_deadline}, /* IA32_TSC_DEADLINE */
    {0x10, rd_tsc, wr_tsc},		       /* IA32_TIME_STAMP_COUNTER */
    {0x1B, rd_apic_base, wr_apic_base},	       /* IA32_APIC_BASE */
    {0x3A, rd_feature_control, NULL},	       /* IA32_FEATURE_CONTROL */
    {0x3B, rd_tsc_adjust, wr_tsc_adjust},      /* IA32_TSC_ADJUST */
    {0x79, NULL, wr_ignore},		       /* BIOS_UPDT_TRIG: dropped */
    {0x8B, rd_zero, wr_ignore},		       /* IA32_BIOS_SIGN_ID */
    {0x179, rd_zero, NULL},		       /* IA32_MCG_CAP */
    {0x17A, rd_mcg_status, wr_mcg_status},     /* IA32_MCG_STATUS */
    {0x1A0, rd_misc_enable, wr_misc_enable},   /* IA32_MISC_ENABLE */
    {0x1D9, rd_zero, wr_debugctl},	       /* IA32_DEBUGCTL */
    {0xC0010010, rd_zero_amd, NULL},	       /* SYSCFG (AMD) */
    {0xC0010055, rd_zero_amd, NULL},	       /* INT_PENDING_MSG (AMD) */
};

void vcpu_msrs_reset(struct vcpu_msrs *m)
{
	m->tsc_adjust = 0; /* RESET clears IA32_TSC_ADJUST */
	m->misc_enable_flip = 0;
	m->mcg_status = 0;
	vmtrr_reset(&m->mtrr);
}

/* MAXPHYADDR as the vCPU sees it (CPUID 80000008H:EAX[7:0], passed
 * through; 36 where the leaf is missing, SDM Vol. 3A 4.1.4). */
static unsigned phys_bits(void)
{
	uint32_t r[4];
	arch_cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000008)
		return 36;
	arch_cpuid(0x80000008, 0, r);
	return r[0] & 0xFF;
}

/* The MTRRs (hv/vdev/vmtrr.c): this vCPU's own copy; false for any other
 * MSR. Out of line and called last, so the path of the table's MSRs (the
 * TSC deadline above all) saves no registers for it. */
static __attribute__((noinline)) bool mtrr_access(struct vcpu *v, uint32_t msr,
						  bool write, uint64_t *val)
{
	if (!vmtrr_is_msr(msr))
		return false;
	if (write)
		return vmtrr_write(&v->msr.mtrr, msr, *val, phys_bits());
	return vmtrr_read(&v->msr.mtrr, msr, val);
}

static const struct msr_entry *find_msr(uint32_t msr)
{
	for (unsigned i = 0; i < BH_ARRAY_SIZE(msr_table); i++)
		if (msr_table[i].msr == msr)
			return &msr_table[i];
	return NULL;
}

/* x2APIC registers (SDM 10.12): the vCPU's virtual local APIC. */
static bool x2apic_access(struct vcpu *v, uint32_t msr, bool write,
			  uint64_t *val)
{
	struct vlapic_ipi ipi = {0};
	int r, eoi = -1;
	lapic_lock(v);
	if (write) {
		r = vlapic_wrmsr(&v->lapic, msr, *val, part_now(v->part), &ipi);
		eoi = vlapic_level_eoi(&v->lapic);
	} else {
		r = vlapic_rdmsr(&v->lapic, msr, val, part_now(v->part));
	}
	lapic_unlock(v);
	irq_lapic_written(v, &ipi, eoi);
	return r == 0;
}

static bool msr_access(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST)
		return x2apic_access(v, msr, write, val);
	const struct msr_entry *m = find_msr(msr);
	if (!m)
		return mtrr_access(v, msr, write, val);
	if (write)
		return m->write && m->write(v, *val);
	return m->read && m->read(v, val);
}

void exit_rdmsr(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	uint64_t val = 0;
	if (!msr_access(v, (uint32_t)v->regs.rcx, false, &val)) {
		arch_inject_exception(v, X86_EXC_GP, true, 0);
		return;
	}
	set_eax_edx(v, val);
	arch_vcpu_skip(v);
}

void exit_wrmsr(struct vcpu *v, const struct exit_info *e)
{
	(void)e;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	if (!msr_access(v, (uint32_t)v->regs.rcx, true, &val)) {
		arch_inject_exception(v, X86_EXC_GP, true, 0);
		return;
	}
	arch_vcpu_skip(v);
}
