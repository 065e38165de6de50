/* RDMSR/WRMSR exits (hv/exit/msr.c) through exit_dispatch on the fake
 * backend: the allowlist, #GP for everything else, IA32_APIC_BASE mode
 * switches, the TSC-deadline timer and the x2APIC MSR view. */
#include "tests/core/core_test.h"

#define APIC_BASE_DEFAULT 0xFEE00000ull

static struct vcpu *setup_vcpu(unsigned nvcpus)
{
	struct partition *p = fake_part_create(
	    0, &(struct fake_part_opts){.nvcpus = nvcpus, .first_pcpu = 1});
	struct vcpu *v = &p->vcpus[0];
	/* Protected mode, so exceptions carry their error code. */
	assert_true(arch_vcpu_set_cr(v, 0, CR0_ET | CR0_PE));
	return v;
}

static void rdmsr(struct vcpu *v, uint32_t msr)
{
	struct exit_info e = {.kind = EXIT_RDMSR};
	v->regs.rcx = msr;
	v->regs.rax = 0xDEADBEEFDEADBEEFull;
	v->regs.rdx = 0xDEADBEEFDEADBEEFull;
	exit_dispatch(v, &e);
}

static void wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct exit_info e = {.kind = EXIT_WRMSR};
	v->regs.rcx = msr;
	v->regs.rax = (uint32_t)val | 0xFFFFFFFF00000000ull; /* upper ignored */
	v->regs.rdx = val >> 32;
	exit_dispatch(v, &e);
}

static uint64_t edx_eax(const struct vcpu *v)
{
	assert_int_equal(v->regs.rax >> 32, 0);
	assert_int_equal(v->regs.rdx >> 32, 0);
	return v->regs.rdx << 32 | v->regs.rax;
}

/* #GP(0) queued for the next entry and the instruction not skipped. */
static void assert_gp(struct vcpu *v, unsigned skips_before)
{
	struct arch_vcpu *a = fake_vcpu(v);
	assert_true(a->event.valid);
	assert_true(a->event.exception);
	assert_int_equal(a->event.vector, X86_EXC_GP);
	assert_true(a->event.has_err);
	assert_int_equal(a->event.err, 0);
	assert_int_equal(a->skips, skips_before);
	a->event.valid = false; /* "delivered" */
}

static void test_rdmsr_allowlisted(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(1);
	struct arch_vcpu *a = fake_vcpu(v);
	uint64_t rip = a->rip;
	fake_set_insn_len(v, 2);

	rdmsr(v, MSR_IA32_MISC_ENABLE);
	assert_int_equal(edx_eax(v), 0x1801);
	assert_int_equal(a->skips, 1);
	assert_int_equal(a->rip, rip + 2);
	assert_false(a->event.valid);

	rdmsr(v, MSR_IA32_FEATURE_CONTROL);
	assert_int_equal(edx_eax(v), 1); /* locked, VMX off */
	rdmsr(v, MSR_IA32_BIOS_SIGN_ID);
	assert_int_equal(edx_eax(v), 0);

	fake_set_now(0x123456789ABull);
	rdmsr(v, MSR_IA32_TSC);
	assert_int_equal(edx_eax(v), 0x123456789ABull);

	rdmsr(v, MSR_IA32_APIC_BASE);
	assert_int_equal(edx_eax(v),
			 APIC_BASE_DEFAULT | APIC_BASE_ENABLE | APIC_BASE_BSP);
	assert_int_equal(v->exits[EXIT_RDMSR], 5);
	assert_int_equal(a->skips, 5);
}

static void test_wrmsr_allowlisted(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(1);
	wrmsr(v, MSR_IA32_MISC_ENABLE, 0x1); /* ignored */
	wrmsr(v, MSR_IA32_BIOS_UPDT_TRIG, 0x1000);
	wrmsr(v, MSR_IA32_BIOS_SIGN_ID, 0);
	assert_false(fake_vcpu(v)->event.valid);
	assert_int_equal(fake_vcpu(v)->skips, 3);
	rdmsr(v, MSR_IA32_MISC_ENABLE);
	assert_int_equal(edx_eax(v), 0x1801);
	assert_int_equal(v->exits[EXIT_WRMSR], 3);
}

static uint32_t cpuid_max(struct vcpu *v)
{
	struct exit_info e = {.kind = EXIT_CPUID};
	v->regs.rax = 0;
	v->regs.rcx = 0;
	exit_dispatch(v, &e);
	return (uint32_t)v->regs.rax;
}

/* IA32_MISC_ENABLE per vCPU (SDM Vol. 4 Table 2-2): its read/write bits
 * read back as written, limit-CPUID-maxval caps CPUID leaf 0 at 2, the
 * read-only ones (PMU available, BTS/PEBS unavailable) keep their value,
 * reserved bits (EIST and MONITOR, whose features are hidden; XD
 * disable) raise #GP and change nothing; the other vCPU keeps its own. */
static void test_misc_enable(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(2);
	struct vcpu *w = &v->part->vcpus[1];
	const uint32_t leaf0[4] = {0x1B, 0x756E6547, 0x6C65746E, 0x49656E69};
	fake_set_cpuid(0, 0, leaf0);
	assert_int_equal(cpuid_max(v), 0x1B);

	wrmsr(v, MSR_IA32_MISC_ENABLE, 0x1801 | (1u << 22) | (1u << 3));
	assert_false(fake_vcpu(v)->event.valid);
	rdmsr(v, MSR_IA32_MISC_ENABLE);
	assert_int_equal(edx_eax(v), 0x1801 | (1u << 22) | (1u << 3));
	assert_int_equal(cpuid_max(v), 2);
	fake_set_cpu(w->pcpu);
	rdmsr(w, MSR_IA32_MISC_ENABLE);
	assert_int_equal(edx_eax(w), 0x1801);
	assert_int_equal(cpuid_max(w), 0x1B);
	fake_set_cpu(v->pcpu);

	/* Read-only bits: written 0 (and PMU available 1), kept. */
	wrmsr(v, MSR_IA32_MISC_ENABLE, 1u << 7);
	assert_false(fake_vcpu(v)->event.valid);
	rdmsr(v, MSR_IA32_MISC_ENABLE);
	assert_int_equal(edx_eax(v), 0x1800);
	assert_int_equal(cpuid_max(v), 0x1B);

	unsigned skips = fake_vcpu(v)->skips;
	wrmsr(v, MSR_IA32_MISC_ENABLE, 0x1801 | (1u << 16));
	assert_gp(v, skips);
	wrmsr(v, MSR_IA32_MISC_ENABLE, 0x1801 | (1u << 18));
	assert_gp(v, skips);
	wrmsr(v, MSR_IA32_MISC_ENABLE, 0x1801 | (1ull << 34));
	assert_gp(v, skips);
	rdmsr(v, MSR_IA32_MISC_ENABLE);
	assert_int_equal(edx_eax(v), 0x1800);
}

/* The MTRRs (hv/vdev/vmtrr.c) through the exit path: what firmware
 * leaves, each vCPU its own copy, #GP without a skip for a refused write,
 * and MAXPHYADDR taken from the CPUID leaf the vCPU sees. */
static void test_mtrrs(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(2);
	struct vcpu *w = &v->part->vcpus[1];
	const uint32_t ext_max[4] = {0x80000008, 0, 0, 0};
	const uint32_t bits36[4] = {36, 0, 0, 0};
	fake_set_cpuid(0x80000000, 0, ext_max);
	fake_set_cpuid(0x80000008, 0, bits36);
	rdmsr(v, 0xFE);
	assert_int_equal(edx_eax(v), 0x508);
	rdmsr(v, 0x2FF);
	assert_int_equal(edx_eax(v), 0xC06);

	wrmsr(v, 0x200, 0xC0000000);
	wrmsr(v, 0x201, 0xFC0000800ull); /* 1 GiB in 36 bits */
	assert_false(fake_vcpu(v)->event.valid);
	rdmsr(v, 0x201);
	assert_int_equal(edx_eax(v), 0xFC0000800ull);
	fake_set_cpu(w->pcpu);
	rdmsr(w, 0x201);
	assert_int_equal(edx_eax(w), 0);
	fake_set_cpu(v->pcpu);

	unsigned skips = fake_vcpu(v)->skips;
	wrmsr(v, 0x201, 0x1FC0000800ull); /* bit 36 */
	assert_gp(v, skips);
	wrmsr(v, 0xFE, 0x508);
	assert_gp(v, skips);
	wrmsr(v, 0x2FF, 0xC02); /* undefined type */
	assert_gp(v, skips);
	const uint32_t bits39[4] = {39, 0, 0, 0};
	fake_set_cpuid(0x80000008, 0, bits39);
	wrmsr(v, 0x201, 0x1FC0000800ull);
	assert_false(fake_vcpu(v)->event.valid);
	assert_int_equal(fake_vcpu(v)->skips, skips + 1);
}

/* IA32_DEBUGCTL, machine-check architecture without banks; AMD's SYSCFG and
 * interrupt pending message register only on AMD. */
static void test_mca_and_syscfg(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(1);
	rdmsr(v, 0x179);
	assert_int_equal(edx_eax(v), 0);
	unsigned skips = fake_vcpu(v)->skips;
	wrmsr(v, 0x179, 0);
	assert_gp(v, skips);
	rdmsr(v, 0x17B); /* MCG_CTL: MCG_CAP.MCG_CTL_P is clear */
	assert_gp(v, skips);
	rdmsr(v, 0x401); /* MC0_STATUS: no banks */
	assert_gp(v, skips);
	rdmsr(v, 0x1D9); /* IA32_DEBUGCTL: 0, writable with 0 only */
	assert_int_equal(edx_eax(v), 0);
	wrmsr(v, 0x1D9, 0);
	assert_false(fake_vcpu(v)->event.valid);
	skips = fake_vcpu(v)->skips;
	wrmsr(v, 0x1D9, 2); /* BTF */
	assert_gp(v, skips);
	wrmsr(v, 0x17A, 5);
	rdmsr(v, 0x17A);
	assert_int_equal(edx_eax(v), 5);
	skips = fake_vcpu(v)->skips;
	wrmsr(v, 0x17A, 8); /* LMCE_S: not offered */
	assert_gp(v, skips);

	const uint32_t intel[4] = {0x16, 0x756E6547, 0x6C65746E, 0x49656E69};
	const uint32_t amd[4] = {0x10, 0x68747541, 0x444D4163, 0x69746E65};
	const uint32_t amd_only[] = {0xC0010010, 0xC0010055};
	for (unsigned i = 0; i < 2; i++) {
		fake_set_cpuid(0, 0, intel);
		rdmsr(v, amd_only[i]);
		assert_gp(v, skips);
		fake_set_cpuid(0, 0, amd);
		rdmsr(v, amd_only[i]);
		assert_int_equal(edx_eax(v), 0);
		skips = fake_vcpu(v)->skips;
		wrmsr(v, amd_only[i], 0);
		assert_gp(v, skips);
	}
}

/* Unknown MSRs, reads of write-only and writes of read-only entries:
 * #GP(0), RIP unchanged, registers untouched. */
static void test_unknown_msr_gp(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(1);
	uint64_t rip = fake_vcpu(v)->rip;
	rdmsr(v, 0x12345);
	assert_gp(v, 0);
	assert_int_equal(v->regs.rax, 0xDEADBEEFDEADBEEFull);
	assert_int_equal(fake_vcpu(v)->rip, rip);
	wrmsr(v, 0x12345, 1);
	assert_gp(v, 0);
	wrmsr(v, MSR_IA32_FEATURE_CONTROL, 5); /* no nested VMX */
	assert_gp(v, 0);
	rdmsr(v, MSR_IA32_BIOS_UPDT_TRIG); /* write only */
	assert_gp(v, 0);
	rdmsr(v, MSR_IA32_LSTAR); /* passed through by VMX, never exits */
	assert_gp(v, 0);
	assert_int_equal(v->exits[EXIT_RDMSR], 3);
	assert_int_equal(v->exits[EXIT_WRMSR], 2);
}

/* In real mode the #GP carries no error code (the backend drops it). */
static void test_gp_real_mode_no_error_code(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(1);
	assert_true(arch_vcpu_set_cr(v, 0, CR0_ET));
	rdmsr(v, 0x12345);
	struct arch_vcpu *a = fake_vcpu(v);
	assert_true(a->event.valid);
	assert_int_equal(a->event.vector, X86_EXC_GP);
	assert_false(a->event.has_err);
}

/* IA32_APIC_BASE: relocation and reserved bits are refused with #GP, the
 * base stays. */
static void test_apic_base_relocation_refused(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(1);
	const uint64_t cur =
	    APIC_BASE_DEFAULT | APIC_BASE_ENABLE | APIC_BASE_BSP;
	wrmsr(v, MSR_IA32_APIC_BASE, 0xFED00000ull | APIC_BASE_ENABLE);
	assert_gp(v, 0);
	wrmsr(v, MSR_IA32_APIC_BASE, cur | 1); /* reserved bit 0 */
	assert_gp(v, 0);
	wrmsr(v, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_X2APIC);
	assert_gp(v, 0); /* EN=0 EXTD=1 is invalid */
	rdmsr(v, MSR_IA32_APIC_BASE);
	assert_int_equal(edx_eax(v), cur);
	/* Rewriting the same value is accepted. */
	wrmsr(v, MSR_IA32_APIC_BASE, cur);
	assert_false(fake_vcpu(v)->event.valid);
	assert_int_equal(fake_vcpu(v)->skips, 2);
}

/* x2APIC MSRs #GP in xAPIC mode and work after the switch. */
static void test_x2apic_after_enable(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(2);
	struct vcpu *v1 = &v->part->vcpus[1];
	rdmsr(v, 0x802); /* ID */
	assert_gp(v, 0);
	assert_int_equal(v->regs.rax, 0xDEADBEEFDEADBEEFull);

	wrmsr(v, MSR_IA32_APIC_BASE,
	      APIC_BASE_DEFAULT | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	assert_false(fake_vcpu(v)->event.valid);
	assert_true(vlapic_x2apic(&v->lapic));
	rdmsr(v, MSR_IA32_APIC_BASE);
	assert_int_equal(edx_eax(v), APIC_BASE_DEFAULT | APIC_BASE_ENABLE |
					 APIC_BASE_X2APIC | APIC_BASE_BSP);
	rdmsr(v, 0x802);
	assert_int_equal(edx_eax(v), 0); /* x2APIC ID = vCPU index */
	rdmsr(v, 0x803);
	assert_int_equal(edx_eax(v), VLAPIC_VERSION);
	rdmsr(v, 0x80D); /* LDR: cluster 0, bit 0 */
	assert_int_equal(edx_eax(v), 1);
	/* SVR: software-enable the APIC. */
	wrmsr(v, 0x80F, 0x1FF);
	rdmsr(v, 0x80F);
	assert_int_equal(edx_eax(v), 0x1FF);
	/* x2APIC -> xAPIC directly is refused (SDM 10.12.5). */
	wrmsr(v, MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_ENABLE);
	assert_gp(v, 7);
	/* Reading a write-only register (EOI) is #GP. */
	rdmsr(v, MSR_X2APIC_EOI);
	assert_gp(v, 7);
	assert_int_equal(fake_vcpu(v)->skips, 7);

	/* A fixed IPI through the x2APIC ICR reaches vCPU 1 (whose guest
	 * software-enabled its APIC). */
	struct vlapic_ipi none;
	vlapic_mmio_write(&v1->lapic, VLAPIC_SVR, 0x1FF, 0, &none);
	wrmsr(v, MSR_X2APIC_ICR, (1ull << 32) | 0x4061);
	assert_false(fake_vcpu(v)->event.valid);
	assert_int_equal(vlapic_pending(&v1->lapic), 0x61);
	assert_int_equal(fake_kicks(v1->pcpu), 1);
	/* A self IPI (x2APIC SELF IPI register, 0x83F). */
	wrmsr(v, 0x83F, 0x62);
	assert_int_equal(vlapic_pending(&v->lapic), 0x62);
	assert_int_equal(fake_kicks(v->pcpu), 0); /* its own CPU */
}

/* IA32_TSC_DEADLINE: 0 unless the LVT timer is in TSC-deadline mode; armed,
 * it drives the backend deadline; once passed it reads 0 and the timer
 * vector is pending. */
static void test_tsc_deadline(void **state)
{
	(void)state;
	struct vcpu *v = setup_vcpu(1);
	struct arch_vcpu *a = fake_vcpu(v);
	const uint64_t t0 = 0x100000000ull, dl = t0 + 50000;
	fake_set_now(t0);
	wrmsr(v, MSR_IA32_TSC_DEADLINE, dl); /* ignored: LVT one-shot */
	rdmsr(v, MSR_IA32_TSC_DEADLINE);
	assert_int_equal(edx_eax(v), 0);

	/* The guest's xAPIC: SVR on, LVT timer TSC-deadline, vector 0xEC,
	 * written through MMIO exits. */
	struct vlapic_ipi none;
	vlapic_mmio_write(&v->lapic, VLAPIC_SVR, 0x1FF, t0, &none);
	vlapic_mmio_write(&v->lapic, VLAPIC_LVT_TIMER,
			  VLAPIC_TIMER_DEADLINE | 0xEC, t0, &none);
	wrmsr(v, MSR_IA32_TSC_DEADLINE, dl);
	rdmsr(v, MSR_IA32_TSC_DEADLINE);
	assert_int_equal(edx_eax(v), dl);
	assert_int_equal(v->regs.rdx, 1);

	irq_before_entry(v);
	assert_int_equal(a->deadline, dl);
	assert_false(a->event.valid);

	fake_set_now(dl + 1);
	rdmsr(v, MSR_IA32_TSC_DEADLINE);
	assert_int_equal(edx_eax(v), 0);
	fake_set_rflags(v, RFLAGS_IF);
	irq_before_entry(v);
	assert_true(a->event.valid);
	assert_false(a->event.exception);
	assert_int_equal(a->event.vector, 0xEC);
	assert_int_equal(a->deadline, UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rdmsr_allowlisted, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_wrmsr_allowlisted, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_msr_gp, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_mtrrs, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_mca_and_syscfg, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_misc_enable, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_gp_real_mode_no_error_code,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_apic_base_relocation_refused,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_x2apic_after_enable,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_tsc_deadline, core_setup,
					    core_teardown),
	};
	return CORE_RUN(tests);
}
