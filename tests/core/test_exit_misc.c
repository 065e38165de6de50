/* The other exit handlers on the fake backend: CPUID filtering, control
 * register writes, XSETBV, INVD, refused instructions, host interrupts,
 * and VMCALL hypercalls. */
#include "tests/core/core_test.h"
#include "hv/abi.h"

#define CPUID1_ECX_MONITOR    (1u << 3)
#define CPUID1_ECX_VMX	      (1u << 5)
#define CPUID1_ECX_X2APIC     (1u << 21)
#define CPUID1_ECX_OSXSAVE    (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)

static struct partition *part2(void)
{
	return fake_part_create(
	    0, &(struct fake_part_opts){.nvcpus = 2, .first_pcpu = 1});
}

static void cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub)
{
	v->regs.rax = leaf;
	v->regs.rcx = sub;
	struct exit_info e = {.kind = EXIT_CPUID};
	exit_dispatch(v, &e);
}

static void assert_exception(struct vcpu *v, uint8_t vector, bool has_err)
{
	struct arch_vcpu *a = fake_vcpu(v);
	assert_true(a->event.valid);
	assert_true(a->event.exception);
	assert_int_equal(a->event.vector, vector);
	assert_int_equal(a->event.has_err, has_err);
	a->event.valid = false;
}

static void test_cpuid_hypervisor_leaves(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[1];
	fake_set_cpu(v->pcpu);
	cpuid(v, BH_CPUID_BASE, 0);
	assert_int_equal(v->regs.rax, BH_CPUID_RESETS);
	assert_int_equal(v->regs.rbx, BH_SIGNATURE_EBX);
	assert_int_equal(v->regs.rcx, BH_SIGNATURE_ECX);
	assert_int_equal(v->regs.rdx, BH_SIGNATURE_EDX);
	cpuid(v, BH_CPUID_INFO, 0);
	assert_int_equal(v->regs.rax, 2);
	assert_int_equal(v->regs.rbx, 1);
	assert_int_equal(v->regs.rcx, 2); /* MiB */
	assert_int_equal(v->regs.rdx, BH_ABI_VERSION);
	assert_int_equal(fake_vcpu(v)->skips, 2);
	assert_int_equal(v->exits[EXIT_CPUID], 2);
}

/* Leaf 1: no VMX or MONITOR, a hypervisor, x2APIC, the vCPU's own APIC
 * ID and count; OSXSAVE follows the guest's CR4, the APIC flag (EDX[9])
 * IA32_APIC_BASE.EN. */
static void test_cpuid_leaf1_filtered(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[1];
	fake_set_cpu(v->pcpu);
	const uint32_t host[4] = {0x000906EA, 0x07100800,
				  CPUID1_ECX_VMX | CPUID1_ECX_MONITOR |
				      CPUID1_ECX_OSXSAVE | 1,
				  0x1FEBFBFF};
	fake_set_cpuid(1, 0, host);
	cpuid(v, 1, 0);
	assert_int_equal(v->regs.rax, 0x000906EA);
	assert_int_equal(v->regs.rbx, 0x01020800); /* APIC ID 1, 2 CPUs */
	assert_int_equal(v->regs.rcx & (CPUID1_ECX_VMX | CPUID1_ECX_MONITOR |
					CPUID1_ECX_OSXSAVE),
			 0);
	assert_true(v->regs.rcx & CPUID1_ECX_HYPERVISOR);
	assert_true(v->regs.rcx & CPUID1_ECX_X2APIC);
	assert_true(v->regs.rcx & 1); /* SSE3 passes */

	assert_true(arch_vcpu_set_cr(v, 4, CR4_OSXSAVE));
	cpuid(v, 1, 0);
	assert_true(v->regs.rcx & CPUID1_ECX_OSXSAVE);
	assert_true(v->regs.rdx & (1u << 9));

	/* WRMSR IA32_APIC_BASE with EN clear: the APIC is gone from CPUID. */
	uint64_t base = vlapic_get_base(&v->lapic) & ~(uint64_t)VLAPIC_BASE_EN;
	core_wrmsr(v, 0x1B, base);
	assert_false(fake_vcpu(v)->event.valid);
	cpuid(v, 1, 0);
	assert_false(v->regs.rdx & (1u << 9));
	assert_true(v->regs.rdx & 1); /* FPU still there */
}

/* AMD's SVM and SKINIT bits and its SVM leaf are hidden like VMX: the
 * guest sees no nested virtualization on either vendor. */
static void test_cpuid_svm_hidden(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[1];
	fake_set_cpu(v->pcpu);
	const uint32_t ext1[4] = {0, 0, (1u << 2) | (1u << 12) | 1, 0x2C100800};
	const uint32_t svm[4] = {1, 16, 0, 0x1};
	fake_set_cpuid(0x80000001, 0, ext1);
	fake_set_cpuid(0x8000000A, 0, svm);
	cpuid(v, 0x80000001, 0);
	assert_int_equal(v->regs.rcx, 1); /* LAHF/SAHF passes */
	assert_int_equal(v->regs.rdx, 0x2C100800);
	cpuid(v, 0x8000000A, 0);
	assert_int_equal(v->regs.rax | v->regs.rbx | v->regs.rcx | v->regs.rdx,
			 0);
}

/* AMD's topology leaves describe the partition, not the host: 2 cores
 * (0x80000008 ECX NC = 1, APIC ID size 1 bit), and 0x8000001E the vCPU's
 * extended APIC ID and core, one node. A CPU without them (Intel: ECX 0,
 * no leaf 0x8000001E) keeps what it says. */
static void test_cpuid_amd_topology(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[1];
	fake_set_cpu(v->pcpu);
	const uint32_t max[4] = {0x80000021, 0, 0, 0};
	const uint32_t sizes[4] = {0x3030, 0, 0x1000F | (6u << 12), 0};
	const uint32_t ext[4] = {17, 0x10B, 0x300, 0};
	fake_set_cpuid(0x80000000, 0, max);
	fake_set_cpuid(0x80000008, 0, sizes);
	fake_set_cpuid(0x8000001E, 0, ext);
	cpuid(v, 0x80000008, 0);
	assert_int_equal(v->regs.rax, 0x3030);
	assert_int_equal(v->regs.rcx, 0x10000 | (1u << 12) | 1);
	cpuid(v, 0x8000001E, 0);
	assert_int_equal(v->regs.rax, 1);
	assert_int_equal(v->regs.rbx, 1);
	assert_int_equal(v->regs.rcx | v->regs.rdx, 0);

	const uint32_t intel_max[4] = {0x80000008, 0, 0, 0};
	const uint32_t intel_sizes[4] = {0x3027, 0, 0, 0};
	fake_set_cpuid(0x80000000, 0, intel_max);
	fake_set_cpuid(0x80000008, 0, intel_sizes);
	fake_set_cpuid(0x8000001E, 0, ext);
	cpuid(v, 0x80000008, 0);
	assert_int_equal(v->regs.rcx, 0);
	cpuid(v, 0x8000001E, 0);
	assert_int_equal(v->regs.rax, 17);
}

/* What lets Linux keep its TSC without the clocksource watchdog: an
 * invariant TSC (0x80000007 EDX[8]) and TSC_ADJUST (7.0 EBX[1]), offered
 * whatever the host says, while SGX and MPX stay hidden. */
static void test_cpuid_tsc_features(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[0];
	fake_set_cpu(v->pcpu);
	const uint32_t leaf7[4] = {0, (1u << 2) | (1u << 14) | (1u << 3), 0, 0};
	const uint32_t pm[4] = {0, 0, 0, 0};
	fake_set_cpuid(7, 0, leaf7);
	fake_set_cpuid(0x80000007, 0, pm);
	cpuid(v, 7, 0);
	assert_int_equal(v->regs.rbx, (1u << 1) | (1u << 3)); /* BMI1 passes */
	cpuid(v, 0x80000007, 0);
	assert_int_equal(v->regs.rdx, 1u << 8);
}

/* Features whose MSRs the partition has (MCE, MTRR, MCA: its own MTRRs,
 * machine checks without banks) pass; those whose MSRs it refuses (DS,
 * ACPI thermal, TM, PBE; CET shadow stacks, WAITPKG, LA57) are hidden. */
static void test_cpuid_msr_features(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[0];
	fake_set_cpu(v->pcpu);
	const uint32_t mce_mtrr_mca = (1u << 7) | (1u << 12) | (1u << 14);
	const uint32_t ds_acpi_tm_pbe =
	    (1u << 21) | (1u << 22) | (1u << 29) | (1u << 31);
	const uint32_t leaf1[4] = {0, 0, 0, mce_mtrr_mca | ds_acpi_tm_pbe};
	const uint32_t waitpkg_cet_la57 = (1u << 5) | (1u << 7) | (1u << 16);
	const uint32_t gfni = 1u << 8;
	const uint32_t leaf7[4] = {0, 0, waitpkg_cet_la57 | gfni, 0};
	fake_set_cpuid(1, 0, leaf1);
	fake_set_cpuid(7, 0, leaf7);
	cpuid(v, 1, 0);
	assert_int_equal(v->regs.rdx & (mce_mtrr_mca | ds_acpi_tm_pbe),
			 mce_mtrr_mca);
	cpuid(v, 7, 0);
	assert_int_equal(v->regs.rcx, gfni);
}

static void cr_write(struct vcpu *v, enum cr_op op, uint8_t cr, uint64_t val)
{
	struct exit_info e = {.kind = EXIT_CR_ACCESS};
	e.cr.op = op;
	e.cr.cr = cr;
	e.cr.val = val;
	exit_dispatch(v, &e);
}

/* MOV to CR0/CR4 is checked by the core, applied by the backend; what
 * either refuses is #GP(0) without a skip. */
static void test_cr_writes(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[0];
	struct arch_vcpu *a = fake_vcpu(v);
	cr_write(v, CR_MOV_TO, 0, CR0_ET | CR0_PE);
	assert_int_equal(arch_vcpu_reg(v, VREG_CR0), CR0_ET | CR0_PE);
	assert_int_equal(a->skips, 1);

	cr_write(v, CR_MOV_TO, 0, CR0_PG | CR0_ET); /* PG without PE */
	assert_exception(v, X86_EXC_GP, true);
	cr_write(v, CR_MOV_TO, 0, CR0_NW | CR0_PE); /* NW without CD */
	assert_exception(v, X86_EXC_GP, true);
	cr_write(v, CR_MOV_TO, 0, 1ull << 32 | CR0_PE);
	assert_exception(v, X86_EXC_GP, true);
	cr_write(v, CR_MOV_TO, 4, CR4_VMXE);
	assert_exception(v, X86_EXC_GP, true);
	cr_write(v, CR_MOV_TO, 3, 0x1000); /* not the core's */
	assert_exception(v, X86_EXC_GP, true);
	a->cr4_supported = ~CR4_PKE; /* this "CPU" lacks PKE */
	cr_write(v, CR_MOV_TO, 4, CR4_PKE);
	assert_exception(v, X86_EXC_GP, true);
	assert_int_equal(a->skips, 1);
	assert_int_equal(arch_vcpu_reg(v, VREG_CR0), CR0_ET | CR0_PE);

	/* CLTS; LMSW sets PE but never clears it. */
	cr_write(v, CR_MOV_TO, 0, CR0_ET | CR0_PE | CR0_TS);
	cr_write(v, CR_CLTS, 0, 0);
	assert_int_equal(arch_vcpu_reg(v, VREG_CR0), CR0_ET | CR0_PE);
	cr_write(v, CR_LMSW, 0, 0x0);
	assert_int_equal(arch_vcpu_reg(v, VREG_CR0) & CR0_PE, CR0_PE);

	/* Long mode: paging with EFER.LME needs CR4.PAE; the backend then
	 * sets EFER.LMA. */
	a->efer = EFER_LME;
	cr_write(v, CR_MOV_TO, 0, CR0_PG | CR0_PE | CR0_ET);
	assert_exception(v, X86_EXC_GP, true);
	cr_write(v, CR_MOV_TO, 4, CR4_PAE);
	cr_write(v, CR_MOV_TO, 0, CR0_PG | CR0_PE | CR0_ET);
	assert_false(a->event.valid);
	assert_true(arch_vcpu_reg(v, VREG_EFER) & EFER_LMA);
	cr_write(v, CR_MOV_TO, 4, 0); /* leaving PAE in IA-32e mode */
	assert_exception(v, X86_EXC_GP, true);
	assert_int_equal(v->exits[EXIT_CR_ACCESS], 14);
}

static void xsetbv(struct vcpu *v, uint32_t index, uint64_t val)
{
	struct exit_info e = {.kind = EXIT_XSETBV};
	v->regs.rcx = index;
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	exit_dispatch(v, &e);
}

static void test_xsetbv(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[0];
	assert_true(arch_vcpu_set_cr(v, 0, CR0_ET | CR0_PE));
	xsetbv(v, 0, 0x7);
	assert_int_equal(fake_xcr0(), 0x7);
	assert_int_equal(fake_vcpu(v)->skips, 1);
	xsetbv(v, 0, 0x6); /* x87 must stay */
	assert_exception(v, X86_EXC_GP, true);
	xsetbv(v, 0, 0x5); /* AVX without SSE */
	assert_exception(v, X86_EXC_GP, true);
	xsetbv(v, 1, 0x1);
	assert_exception(v, X86_EXC_GP, true);
	xsetbv(v, 0, 1ull << 40);
	assert_exception(v, X86_EXC_GP, true);
	assert_int_equal(fake_xcr0(), 0x7);
	assert_int_equal(fake_vcpu(v)->skips, 1);
}

/* INVD is done as WBINVD; MONITOR/MWAIT and the like raise #UD; host
 * interrupts go to the host; NMI, timer and window exits only re-enter. */
static void test_small_handlers(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[0];
	struct arch_vcpu *a = fake_vcpu(v);
	exit_dispatch(v, &(struct exit_info){.kind = EXIT_INVD});
	assert_int_equal(fake_wbinvds(), 1);
	assert_int_equal(a->skips, 1);

	exit_dispatch(v, &(struct exit_info){.kind = EXIT_PRIV_INSN});
	assert_exception(v, X86_EXC_UD, false);
	assert_int_equal(a->skips, 1);

	exit_dispatch(v, &(struct exit_info){.kind = EXIT_INTERRUPT});
	assert_int_equal(fake_host_irqs(), 1);
	exit_dispatch(v, &(struct exit_info){.kind = EXIT_NMI});
	exit_dispatch(v, &(struct exit_info){.kind = EXIT_TIMER});
	exit_dispatch(v, &(struct exit_info){.kind = EXIT_IRQ_WINDOW});
	assert_int_equal(a->skips, 1);
	assert_false(a->event.valid);
	assert_int_equal(p->state, PART_RUNNING);
	uint64_t c[EXIT_KIND_COUNT];
	part_exit_counts(p, c);
	assert_int_equal(c[EXIT_INVD] + c[EXIT_PRIV_INSN] + c[EXIT_INTERRUPT] +
			     c[EXIT_NMI] + c[EXIT_TIMER] + c[EXIT_IRQ_WINDOW],
			 6);
}

static int64_t vmcall(struct vcpu *v, uint64_t nr, uint64_t rbx, uint64_t rcx)
{
	struct exit_info e = {.kind = EXIT_HYPERCALL};
	v->regs.rax = nr;
	v->regs.rbx = rbx;
	v->regs.rcx = rcx;
	exit_dispatch(v, &e);
	return (int64_t)v->regs.rax;
}

static void test_hypercalls(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[0];
	assert_int_equal(vmcall(v, BH_HC_VERSION, 0, 0), BH_ABI_VERSION);
	memcpy((char *)p->ram_hpa + 0x2000, "hello\n", 6);
	assert_int_equal(vmcall(v, BH_HC_CONSOLE_WRITE, 0x2000, 6), 6);
	assert_console_has("[p0] hello\n");
	assert_int_equal(vmcall(v, BH_HC_CONSOLE_WRITE, p->ram_size - 2, 6),
			 BH_EFAULT);
	assert_int_equal(vmcall(v, BH_HC_CONSOLE_WRITE, 0, 5000), BH_EINVAL);
	assert_int_equal(vmcall(v, 99, 0, 0), BH_ENOSYS);
	assert_int_equal(fake_vcpu(v)->skips, 5);

	struct vcpu *v1 = &p->vcpus[1];
	fake_set_cpu(v1->pcpu);
	assert_int_equal(vmcall(v1, BH_HC_VCPU_INFO, 0, 0), 1);
	assert_int_equal(v1->regs.rbx, 2);
	assert_int_equal(v->exits[EXIT_HYPERCALL] + v1->exits[EXIT_HYPERCALL],
			 6);
}

/* The sleep hypercall: the vCPU waits on its CPU (the fake's clock moves
 * to the deadline) and returns no earlier; a state change ends it at
 * once. */
static void test_sleep_hypercall(void **state)
{
	(void)state;
	struct partition *p = part2();
	struct vcpu *v = &p->vcpus[0];
	fake_set_now(1000000);
	unsigned waits = fake_cpu_waits();
	assert_int_equal(vmcall(v, BH_HC_SLEEP, 50000, 0), BH_EOK);
	assert_true(arch_now() >= 1050000);
	assert_true(fake_cpu_waits() > waits);
	assert_int_equal(fake_vcpu(v)->skips, 1);

	fake_set_now(2000000);
	p->state = PART_STOPPED; /* a state change ends the sleep */
	assert_int_equal(vmcall(v, BH_HC_SLEEP, 1000000000, 0), BH_EOK);
	assert_true(arch_now() < 1000000000);
	p->state = PART_RUNNING;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cpuid_hypervisor_leaves,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_cpuid_amd_topology, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_cpuid_svm_hidden, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_cpuid_tsc_features, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_cpuid_msr_features, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_cpuid_leaf1_filtered,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_cr_writes, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_xsetbv, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_small_handlers, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_sleep_hypercall, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_hypercalls, core_setup,
					    core_teardown),
	};
	return CORE_RUN(tests);
}
