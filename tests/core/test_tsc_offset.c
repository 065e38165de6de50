/* TSC offsetting in the core: with p->tsc_offset set (as a snapshot
 * restore does), everything the guest sees is in partition time (host TSC
 * + tsc_offset): IA32_TSC, the vLAPIC timers through MSRs and MMIO, the
 * PM timer and the RTC; and every deadline handed to the backend
 * (arch_set_deadline, arch_cpu_wait) is back in host time. Each test runs
 * with the partition's clock far ahead of the host's, behind it (host +
 * offset wraps 2^64), and just below 2^64. */
#include "tests/core/core_test.h"
#include "hv/abi.h"
#include "hv/cpu.h"

#define LAPIC_GPA   0xFEE00000ull
#define PM_TMR_PORT 0x608
#define PM_TIMER_HZ 3579545ull
#define TIMER_VEC   0xEC

static const struct clock_case {
	const char *name;
	uint64_t host;	 /* host TSC when the test starts */
	uint64_t offset; /* p->tsc_offset */
} clocks[] = {
    /* First: a host-time "now" slipped in somewhere fires its timers at
     * once, a quick failure (ahead, they never fire and the vCPU loop
     * spins until the watchdog ends the binary, as an unconverted HLT
     * wait does here). */
    {"behind, host + offset wraps", 0x50000000000ull,
     (uint64_t)0 - 0x3FFFFFFF123ull},
    {"ahead", 0x100000000ull, 0x7000000000000123ull},
    {"just below 2^64", 0x2000000ull, 0xFFFFFFFF00000000ull - 0x2000000ull},
};

/* A PC partition at host time c->host with c's offset, its devices reset
 * under it (as at a restore, their times are partition times). */
static struct vcpu *setup(const struct clock_case *c)
{
	core_setup(NULL); /* a fresh machine per clock */
	struct partition *p = fake_part_create(
	    0, &(struct fake_part_opts){.first_pcpu = 1, .pc_platform = true});
	fake_set_now(c->host);
	p->tsc_offset = c->offset;
	vdev_reset_all(&p->devs);
	struct vcpu *v = &p->vcpus[0];
	assert_true(arch_vcpu_set_cr(v, 0, CR0_ET | CR0_PE));
	/* Masks LINT0 (leaves virtual wire) so only the APIC timer counts. */
	struct vlapic_ipi none;
	vlapic_mmio_write(&v->lapic, VLAPIC_LVT_LINT0, 0x10700, 0, &none);
	print_message("clock: %s\n", c->name);
	return v;
}

static void rdmsr(struct vcpu *v, uint32_t msr)
{
	struct exit_info e = {.kind = EXIT_RDMSR};
	v->regs.rcx = msr;
	exit_dispatch(v, &e);
}

static void wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct exit_info e = {.kind = EXIT_WRMSR};
	v->regs.rcx = msr;
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	exit_dispatch(v, &e);
}

static uint64_t edx_eax(const struct vcpu *v)
{
	return v->regs.rdx << 32 | (uint32_t)v->regs.rax;
}

static void assert_no_gp(struct vcpu *v)
{
	assert_false(fake_vcpu(v)->event.valid);
}

static void lapic_write(struct vcpu *v, uint32_t reg, uint32_t val)
{
	struct exit_info e = {.kind = EXIT_MEM_VIOLATION};
	e.mem.gpa = LAPIC_GPA + reg;
	e.mem.write = true;
	fake_set_mmio(v, 4, true, val);
	exit_dispatch(v, &e);
	assert_int_equal(v->part->state, PART_RUNNING);
}

static uint32_t lapic_read(struct vcpu *v, uint32_t reg)
{
	struct exit_info e = {.kind = EXIT_MEM_VIOLATION};
	e.mem.gpa = LAPIC_GPA + reg;
	e.mem.read = true;
	fake_set_mmio(v, 4, false, 0);
	exit_dispatch(v, &e);
	return (uint32_t)fake_vcpu(v)->mmio.result;
}

static uint32_t in32(struct vcpu *v, uint16_t port)
{
	struct exit_info e = io_exit(port, 4, true);
	exit_dispatch(v, &e);
	return (uint32_t)v->regs.rax;
}

static uint8_t cmos(struct vcpu *v, uint8_t reg)
{
	struct exit_info e = io_exit(0x70, 1, false);
	v->regs.rax = reg;
	exit_dispatch(v, &e);
	e = io_exit(0x71, 1, true);
	exit_dispatch(v, &e);
	return (uint8_t)v->regs.rax;
}

/* The ACPI PM timer the guest must read at partition time t. */
static uint32_t pm_ticks(uint64_t t)
{
	uint64_t hz = hv_tsc_hz;
	return (uint32_t)(t / hz * PM_TIMER_HZ + t % hz * PM_TIMER_HZ / hz);
}

/* RDMSR IA32_TSC is the vCPU's TSC. Writing it sets that vCPU's TSC
 * alone and moves IA32_TSC_ADJUST by as much; writing IA32_TSC_ADJUST
 * moves the TSC by the difference (SDM Vol. 3B 17.17.3). The partition's
 * clock (its offset, the PM timer) never moves, and the backend's offset
 * for the vCPU is the sum. */
static void test_rdmsr_tsc(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(clocks); i++) {
		const struct clock_case *c = &clocks[i];
		struct vcpu *v = setup(c);
		rdmsr(v, MSR_IA32_TSC);
		assert_no_gp(v);
		assert_int_equal(edx_eax(v), c->host + c->offset);
		fake_advance(12345);
		rdmsr(v, MSR_IA32_TSC);
		assert_int_equal(edx_eax(v), c->host + 12345 + c->offset);
		rdmsr(v, 0x3B); /* IA32_TSC_ADJUST */
		assert_no_gp(v);
		assert_int_equal(edx_eax(v), 0);
		uint64_t was = c->host + 12345 + c->offset;
		wrmsr(v, MSR_IA32_TSC, 1000);
		assert_no_gp(v);
		rdmsr(v, MSR_IA32_TSC);
		assert_int_equal(edx_eax(v), 1000);
		rdmsr(v, 0x3B);
		assert_int_equal(edx_eax(v), 1000 - was);
		assert_int_equal(vcpu_tsc_offset(v), 1000 - (c->host + 12345));
		fake_advance(10);
		rdmsr(v, MSR_IA32_TSC);
		assert_int_equal(edx_eax(v), 1010);
		wrmsr(v, 0x3B, 0); /* back to the partition's TSC */
		rdmsr(v, MSR_IA32_TSC);
		assert_int_equal(edx_eax(v), was + 10);
		wrmsr(v, 0x3B, ~0ull); /* one tick behind it */
		rdmsr(v, MSR_IA32_TSC);
		assert_int_equal(edx_eax(v), was + 9);
		assert_no_gp(v);
		assert_int_equal(v->part->tsc_offset, c->offset);
		assert_int_equal(in32(v, PM_TMR_PORT), pm_ticks(was + 10));
	}
}

/* After the vCPU set its own TSC, its TSC deadline is in that TSC: it
 * fires as far ahead in host time as it lies ahead of the vCPU's TSC, and
 * reads back as written. */
static void test_tsc_deadline_after_tsc_write(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(clocks); i++) {
		const struct clock_case *c = &clocks[i];
		struct vcpu *v = setup(c);
		struct arch_vcpu *a = fake_vcpu(v);
		lapic_write(v, VLAPIC_SVR, 0x1FF);
		lapic_write(v, VLAPIC_LVT_TIMER,
			    VLAPIC_TIMER_DEADLINE | TIMER_VEC);
		wrmsr(v, MSR_IA32_TSC, 7);
		wrmsr(v, MSR_IA32_TSC_DEADLINE, 7 + 50000);
		assert_no_gp(v);
		rdmsr(v, MSR_IA32_TSC_DEADLINE);
		assert_int_equal(edx_eax(v), 7 + 50000);
		irq_before_entry(v);
		assert_int_equal(a->deadline, c->host + 50000);
	}
}

/* A TSC deadline the guest writes in its own time makes the backend exit
 * at the same moment in host time, not earlier: just before it, it is
 * still armed and nothing is pending; the timer exit then injects it. */
static void test_tsc_deadline_fires_at_host_time(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(clocks); i++) {
		const struct clock_case *c = &clocks[i];
		struct vcpu *v = setup(c);
		struct arch_vcpu *a = fake_vcpu(v);
		const uint64_t dl = c->host + c->offset + 50000;
		lapic_write(v, VLAPIC_SVR, 0x1FF);
		lapic_write(v, VLAPIC_LVT_TIMER,
			    VLAPIC_TIMER_DEADLINE | TIMER_VEC);
		wrmsr(v, MSR_IA32_TSC_DEADLINE, dl);
		assert_no_gp(v);
		fake_set_rflags(v, RFLAGS_IF);
		irq_before_entry(v);
		assert_int_equal(a->deadline, c->host + 50000);
		assert_false(a->event.valid);

		/* Just before it: still armed, nothing pending. */
		fake_set_now(c->host + 45000);
		rdmsr(v, MSR_IA32_TSC_DEADLINE);
		assert_int_equal(edx_eax(v), dl);
		irq_before_entry(v);
		assert_false(a->event.valid);
		assert_int_equal(a->deadline, c->host + 50000);

		/* The guest runs on past it: the timer exit comes first, at
		 * the deadline (the fake stops its clock there), and injects
		 * the vector; then the rest of the run, then the CPUID. */
		struct fake_exit x = {.info = {.kind = EXIT_CPUID},
				      .ticks = 10000};
		fake_queue_exit(v, &x);
		assert_int_equal(fake_run_loop(v), FAKE_END_NO_EXIT);
		assert_int_equal(fake_now(), c->host + 55000);
		assert_int_equal(v->exits[EXIT_CPUID], 1);
		assert_int_equal(v->exits[EXIT_TIMER], 1);
		assert_int_equal(a->ndelivered, 1);
		assert_int_equal(a->delivered[0].vector, TIMER_VEC);
		assert_int_equal(a->deadline, UINT64_MAX); /* disarmed */
		rdmsr(v, MSR_IA32_TSC_DEADLINE);
		assert_int_equal(edx_eax(v), 0);
	}
}

/* A deadline so far away that its host time would pass 2^64 is no timer
 * exit at all, not one that wrapped into the past (which would exit at
 * every entry). */
static void test_far_deadline_saturates(void **state)
{
	(void)state;
	const struct clock_case *c = &clocks[0]; /* behind: host > guest */
	struct vcpu *v = setup(c);
	lapic_write(v, VLAPIC_SVR, 0x1FF);
	lapic_write(v, VLAPIC_LVT_TIMER, VLAPIC_TIMER_DEADLINE | TIMER_VEC);
	wrmsr(v, MSR_IA32_TSC_DEADLINE, UINT64_MAX - 1);
	irq_before_entry(v);
	assert_int_equal(fake_vcpu(v)->deadline, UINT64_MAX);
	rdmsr(v, MSR_IA32_TSC_DEADLINE);
	assert_int_equal(edx_eax(v), UINT64_MAX - 1);
}

/* The one-shot APIC timer, programmed through MMIO (xAPIC) and through
 * the x2APIC MSRs: counted in partition time, the backend deadline in
 * host time, the current count consistent, injected when the exit
 * comes. */
static void oneshot(struct vcpu *v, const struct clock_case *c, bool x2)
{
	struct arch_vcpu *a = fake_vcpu(v);
	if (x2) {
		wrmsr(v, MSR_IA32_APIC_BASE,
		      LAPIC_GPA | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
		wrmsr(v, 0x80F, 0x1FF);	    /* SVR */
		wrmsr(v, 0x83E, 0xB);	    /* DCR: divide by 1 */
		wrmsr(v, 0x832, TIMER_VEC); /* LVT timer, one-shot */
		wrmsr(v, 0x838, 100000);    /* initial count */
		assert_no_gp(v);
	} else {
		lapic_write(v, VLAPIC_SVR, 0x1FF);
		lapic_write(v, VLAPIC_TIMER_DCR, 0xB);
		lapic_write(v, VLAPIC_LVT_TIMER, TIMER_VEC);
		lapic_write(v, VLAPIC_TIMER_ICR, 100000);
	}
	fake_set_rflags(v, RFLAGS_IF);
	irq_before_entry(v);
	assert_int_equal(a->deadline, c->host + 100000);

	fake_advance(40000);
	uint64_t ccr;
	if (x2) {
		rdmsr(v, 0x839);
		ccr = edx_eax(v);
	} else {
		ccr = lapic_read(v, VLAPIC_TIMER_CCR);
	}
	assert_int_equal(ccr, 60000);
	irq_before_entry(v);
	assert_false(a->event.valid);
	assert_int_equal(a->deadline, c->host + 100000);

	struct fake_exit x = {.info = {.kind = EXIT_CPUID}, .ticks = 100000};
	fake_queue_exit(v, &x);
	assert_int_equal(fake_run_loop(v), FAKE_END_NO_EXIT);
	assert_int_equal(v->exits[EXIT_TIMER], 1);
	assert_int_equal(fake_now(), c->host + 140000);
	assert_int_equal(a->ndelivered, 1);
	assert_int_equal(a->delivered[0].vector, TIMER_VEC);
	assert_int_equal(a->deadline, UINT64_MAX);
}

static void test_oneshot_timer_xapic(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(clocks); i++)
		oneshot(setup(&clocks[i]), &clocks[i], false);
}

static void test_oneshot_timer_x2apic(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(clocks); i++)
		oneshot(setup(&clocks[i]), &clocks[i], true);
}

/* HLT waiting for the APIC timer sleeps until its host time, exactly;
 * the sleep hypercall's duration is the same in both clocks. */
static void test_hlt_and_sleep_wait_host_time(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(clocks); i++) {
		const struct clock_case *c = &clocks[i];
		struct vcpu *v = setup(c);
		lapic_write(v, VLAPIC_SVR, 0x1FF);
		lapic_write(v, VLAPIC_TIMER_DCR, 0xB);
		lapic_write(v, VLAPIC_LVT_TIMER, TIMER_VEC);
		lapic_write(v, VLAPIC_TIMER_ICR, 5000);
		fake_set_rflags(v, RFLAGS_IF);
		struct exit_info e = {.kind = EXIT_HLT};
		exit_dispatch(v, &e);
		assert_int_equal(fake_now(), c->host + 5000);
		assert_int_equal(vlapic_pending(&v->lapic), TIMER_VEC);

		/* IF clear: only the hypercall's own time ends the sleep. */
		fake_set_rflags(v, 0);
		e = (struct exit_info){.kind = EXIT_HYPERCALL};
		v->regs.rax = BH_HC_SLEEP;
		v->regs.rbx = 7000;
		exit_dispatch(v, &e);
		assert_int_equal(v->regs.rax, BH_EOK);
		assert_int_equal(fake_now(), c->host + 12000);
	}
}

/* The PM timer counts partition time, and advances with the host's
 * clock at its own rate; the RTC counts from its reset in partition time. */
static void test_pm_timer_and_rtc(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(clocks); i++) {
		const struct clock_case *c = &clocks[i];
		struct vcpu *v = setup(c);
		const uint64_t t0 = c->host + c->offset;
		uint32_t pm0 = in32(v, PM_TMR_PORT);
		assert_int_equal(pm0, pm_ticks(t0));
		assert_int_not_equal(pm0, pm_ticks(c->host));
		fake_advance(hv_tsc_hz / 1000); /* 1 ms */
		uint32_t pm1 = in32(v, PM_TMR_PORT);
		assert_int_equal(pm1, pm_ticks(t0 + hv_tsc_hz / 1000));
		uint32_t d = pm1 - pm0;
		assert_true(d == PM_TIMER_HZ / 1000 ||
			    d == PM_TIMER_HZ / 1000 + 1);

		assert_int_equal(cmos(v, 0x00), 0x00); /* seconds, BCD */
		fake_advance(hv_tsc_hz * 61);
		assert_int_equal(cmos(v, 0x00), 0x01);
		assert_int_equal(cmos(v, 0x02), 0x01); /* minutes */
		assert_int_equal(cmos(v, 0x04), 0x00); /* hours */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rdmsr_tsc, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_tsc_deadline_after_tsc_write,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(
		test_tsc_deadline_fires_at_host_time, core_setup,
		core_teardown),
	    cmocka_unit_test_setup_teardown(test_far_deadline_saturates,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_oneshot_timer_xapic,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_oneshot_timer_x2apic,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_hlt_and_sleep_wait_host_time,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_pm_timer_and_rtc, core_setup,
					    core_teardown),
	};
	return CORE_RUN(tests);
}
