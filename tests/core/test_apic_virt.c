/* The core with a CPU that virtualizes the local APIC (arch/vcpu.h, "local
 * APIC virtualization"), on the fake backend: the test plays the CPU's
 * part on the register page (delivering IRR -> ISR, retiring ISR on EOI,
 * putting written values in the page) and checks what the core does
 * around it: it leaves the local APIC's vectors to the CPU in xAPIC mode
 * and injects them itself otherwise, tells the CPU which EOIs must exit,
 * and catches up on writes and level-triggered EOIs. */
#include "tests/core/core_test.h"

#define LAPIC_GPA  0xFEE00000ull
#define IOAPIC_GPA 0xFEC00000ull

static struct partition *pc_part(unsigned nvcpus)
{
	struct partition *p = fake_part_create(0, &(struct fake_part_opts){
						      .nvcpus = nvcpus,
						      .first_pcpu = 1,
						      .pc_platform = true,
						  });
	for (unsigned i = 0; i < nvcpus; i++)
		fake_vcpu(&p->vcpus[i])->apic_virt = true;
	return p;
}

/* The guest writes `val` at `off` of its page and the CPU leaves it to
 * the model (an APIC-write exit). */
static void apic_write(struct vcpu *v, uint32_t off, uint32_t val)
{
	struct exit_info e = {.kind = EXIT_APIC_WRITE};
	*vlapic_reg(&v->lapic, off) = val;
	e.apic.offset = (uint16_t)off;
	exit_dispatch(v, &e);
	assert_int_equal(v->part->state, PART_RUNNING);
}

/* A decoded MMIO write (an access the CPU did not virtualize). */
static void mmio_write(struct vcpu *v, uint64_t gpa, uint32_t val)
{
	struct exit_info e = {.kind = EXIT_MEM_VIOLATION};
	e.mem.gpa = gpa;
	e.mem.write = true;
	fake_set_mmio(v, 4, true, val);
	exit_dispatch(v, &e);
	assert_false(fake_vcpu(v)->mmio.armed);
}

/* A write the model takes as decoded MMIO (no APIC virtualization). */
static void apic_write_model(struct vcpu *v, uint32_t off, uint32_t val)
{
	mmio_write(v, LAPIC_GPA + off, val);
	assert_int_equal(v->part->state, PART_RUNNING);
}

static bool bit(struct vcpu *v, uint32_t bank, unsigned vec)
{
	return (vlapic_reg_get(&v->lapic, bank + (vec / 32) * 16) >>
		(vec % 32)) &
	       1;
}

/* What virtual-interrupt delivery does with the highest IRR vector. */
static void cpu_delivers(struct vcpu *v, unsigned vec)
{
	assert_true(bit(v, VLAPIC_IRR, vec));
	*vlapic_reg(&v->lapic, VLAPIC_IRR + (vec / 32) * 16) &=
	    ~(1u << (vec % 32));
	*vlapic_reg(&v->lapic, VLAPIC_ISR + (vec / 32) * 16) |= 1u
								<< (vec % 32);
}

/* EOI virtualization: the highest ISR vector is retired. */
static void cpu_eoi(struct vcpu *v, unsigned vec)
{
	*vlapic_reg(&v->lapic, VLAPIC_ISR + (vec / 32) * 16) &=
	    ~(1u << (vec % 32));
}

/* An IPI to a vCPU in xAPIC mode is not injected: the CPU is told the
 * vector (RVI) and delivers it; the EOI of an edge-triggered vector is not
 * one the core must see. */
static void test_xapic_vectors_left_to_cpu(void **state)
{
	(void)state;
	struct partition *p = pc_part(2);
	struct vcpu *v0 = &p->vcpus[0], *v1 = &p->vcpus[1];
	struct arch_vcpu *a1 = fake_vcpu(v1);
	fake_set_cpu(v1->pcpu);
	apic_write(v1, VLAPIC_SVR, 0x1FF);
	assert_int_equal(vlapic_reg_get(&v1->lapic, VLAPIC_SVR), 0x1FF);

	fake_set_cpu(v0->pcpu);
	/* ICR high is written without an exit (SDM 29.4.3.2). */
	*vlapic_reg(&v0->lapic, VLAPIC_ICR_HI) = 1u << 24;
	apic_write(v0, VLAPIC_ICR_LO, 0x4050);
	assert_int_equal(fake_kicks(v1->pcpu), 1);
	/* Recorded off the page: another CPU may be delivering from it. */
	assert_false(bit(v1, VLAPIC_IRR, 0x50));

	fake_set_cpu(v1->pcpu);
	fake_set_rflags(v1, RFLAGS_IF);
	irq_before_entry(v1);
	assert_false(a1->event.valid);
	assert_false(a1->irq_window);
	assert_int_equal(a1->apic.mode, APIC_XAPIC);
	assert_int_equal(a1->apic.irr, 0x50);
	assert_int_equal(a1->apic.isr, -1);
	assert_int_equal(a1->apic.tmr[0x50 / 32], 0);

	cpu_delivers(v1, 0x50);
	irq_before_entry(v1); /* nothing changed: the quiet entry */
	cpu_eoi(v1, 0x50);
	/* What the CPU changed itself (RVI and SVI follow), it is not told
	 * again, even at a full check. */
	unsigned syncs = a1->apic_syncs;
	irq_recheck(v1);
	irq_before_entry(v1);
	assert_int_equal(a1->apic_syncs, syncs);
	assert_false(a1->event.valid);
	/* The next vector the model accepts, it is. */
	fake_set_cpu(v0->pcpu);
	apic_write(v0, VLAPIC_ICR_LO, 0x4051);
	fake_set_cpu(v1->pcpu);
	irq_before_entry(v1);
	assert_int_equal(a1->apic_syncs, syncs + 1);
	assert_int_equal(a1->apic.irr, 0x51);
	assert_int_equal(a1->apic.isr, -1);
	assert_false(a1->event.valid);
}

/* A level-triggered vector from the I/O APIC is marked for an EOI exit;
 * that exit goes to the I/O APIC, which sends the still-asserted line
 * again (remote IRR). */
static void test_level_eoi_exit(void **state)
{
	(void)state;
	struct partition *p = pc_part(1);
	struct vcpu *v = &p->vcpus[0];
	struct arch_vcpu *a = fake_vcpu(v);
	fake_set_rflags(v, RFLAGS_IF);
	apic_write(v, VLAPIC_LVT_LINT0, 0x10700); /* leave virtual wire */
	mmio_write(v, IOAPIC_GPA, 0x10 + 2 * 9);
	mmio_write(v, IOAPIC_GPA + 0x10, (1u << 15) | 0x49);
	mmio_write(v, IOAPIC_GPA, 0x10 + 2 * 9 + 1);
	mmio_write(v, IOAPIC_GPA + 0x10, 0);
	irq_set_isa(p, 9, true);
	irq_before_entry(v);
	assert_false(a->event.valid);
	assert_int_equal(a->apic.irr, 0x49);
	assert_true(a->apic.tmr[0x49 / 32] & (1u << (0x49 % 32)));

	cpu_delivers(v, 0x49);
	cpu_eoi(v, 0x49);
	struct exit_info e = {.kind = EXIT_APIC_EOI};
	e.apic.vector = 0x49;
	exit_dispatch(v, &e);
	irq_before_entry(v);
	assert_int_equal(a->apic.irr, 0x49); /* line still high */

	cpu_delivers(v, 0x49);
	cpu_eoi(v, 0x49);
	irq_set_isa(p, 9, false);
	unsigned syncs = a->apic_syncs;
	exit_dispatch(v, &e);
	irq_before_entry(v);
	assert_int_equal(a->apic_syncs, syncs); /* nothing sent again */
	assert_false(bit(v, VLAPIC_IRR, 0x49));
	assert_false(a->event.valid);
}

/* A write the CPU leaves to the model gets the model's rules: reserved
 * LVT bits are dropped from the page, and the timer runs. */
static void test_write_exit_applies_model(void **state)
{
	(void)state;
	struct partition *p = pc_part(1);
	struct vcpu *v = &p->vcpus[0];
	apic_write(v, VLAPIC_SVR, 0x1FF);
	apic_write(v, VLAPIC_LVT_TIMER, 0xFFF0FF30u);
	assert_int_equal(vlapic_reg_get(&v->lapic, VLAPIC_LVT_TIMER),
			 0xFFF0FF30u & 0x000700FFu);
	apic_write(v, VLAPIC_LVT_TIMER, 0x30);
	apic_write(v, VLAPIC_TIMER_DCR, 0xB); /* divide by 1 */
	apic_write(v, VLAPIC_TIMER_ICR, 1000);
	assert_int_not_equal(vlapic_next_event(&v->lapic), UINT64_MAX);
}

/* In x2APIC mode, on a CPU that virtualizes only xAPIC mode, the core
 * injects: the CPU is told the mode and declines. */
static void test_x2apic_core_injects(void **state)
{
	(void)state;
	struct partition *p = pc_part(1);
	struct vcpu *v = &p->vcpus[0];
	struct arch_vcpu *a = fake_vcpu(v);
	fake_set_rflags(v, RFLAGS_IF);
	core_wrmsr(v, 0x1B, vlapic_get_base(&v->lapic) | VLAPIC_BASE_EXTD);
	core_wrmsr(v, 0x80F, 0x1FF);
	core_wrmsr(v, 0x83F, 0x55); /* self IPI */
	irq_before_entry(v);
	assert_int_equal(a->apic.mode, APIC_X2APIC);
	assert_true(a->event.valid);
	assert_int_equal(a->event.vector, 0x55);
	assert_true(bit(v, VLAPIC_ISR, 0x55)); /* the core acknowledged it */
}

/* The page in x2APIC mode, as a CPU that virtualizes x2APIC mode reads
 * it (SDM Vol. 3C 29.5: RDMSR 0x800 + n reads the 8 bytes at n << 4). */
static uint64_t x2_page_msr(struct vcpu *v, uint32_t msr)
{
	const uint32_t *r = &v->lapic.page.r[((msr & 0xFF) << 4) >> 2];
	return r[0] | (uint64_t)r[1] << 32;
}

/* In x2APIC mode, on a CPU that virtualizes it, the CPU delivers the
 * page's vectors as in xAPIC mode, and the page holds every register it
 * serves reads of in x2APIC form: the 32-bit ID, the logical ID, the
 * 64-bit ICR; on the way out (disable) the xAPIC form comes back. */
static void test_x2apic_vectors_left_to_cpu(void **state)
{
	(void)state;
	struct partition *p = pc_part(2);
	struct vcpu *v = &p->vcpus[1];
	struct arch_vcpu *a = fake_vcpu(v);
	a->apic_x2_virt = true;
	fake_set_cpu(v->pcpu);
	fake_set_rflags(v, RFLAGS_IF);
	uint64_t base = vlapic_get_base(&v->lapic);
	core_wrmsr(v, 0x1B, base | VLAPIC_BASE_EXTD);
	core_wrmsr(v, 0x80F, 0x1FF);
	core_wrmsr(v, 0x828, 0);     /* latch ESR */
	core_wrmsr(v, 0x835, 0x700); /* LINT0: ExtINT */
	core_wrmsr(v, 0x83F, 0x55);  /* self IPI */
	irq_before_entry(v);
	assert_false(a->event.valid);
	assert_int_equal(a->apic.mode, APIC_X2APIC);
	assert_int_equal(a->apic.irr, 0x55);
	assert_true(bit(v, VLAPIC_IRR, 0x55));
	assert_false(
	    bit(v, VLAPIC_ISR, 0x55)); /* not acknowledged by the core */

	assert_int_equal(x2_page_msr(v, 0x802), 1); /* x2APIC ID */
	assert_int_equal(x2_page_msr(v, 0x80D), 2); /* cluster 0, bit 1 */
	assert_int_equal(x2_page_msr(v, 0x80F), 0x1FF);
	assert_int_equal(x2_page_msr(v, 0x835), 0x700);
	/* A fixed IPI to x2APIC ID 0 (which is in xAPIC mode: not delivered
	 * as x2APIC, but the register holds what was written). */
	core_wrmsr(v, 0x830, 0x0000000000004061ull);
	assert_int_equal(x2_page_msr(v, 0x830), 0x4061);
	core_wrmsr(v, 0x830, 0x0000000700004062ull);
	assert_int_equal(x2_page_msr(v, 0x830), 0x0000000700004062ull);
	for (uint32_t m = 0x802; m <= 0x83F; m++) {
		uint64_t model;
		if (m == 0x80A || m == 0x839 || m == 0x830 ||
		    vlapic_rdmsr(&v->lapic, m, &model, 0) < 0)
			continue; /* PPR, CCR: the reads exit */
		assert_int_equal(x2_page_msr(v, m), model);
	}

	core_wrmsr(v, 0x1B, base & ~(VLAPIC_BASE_EN | VLAPIC_BASE_EXTD));
	irq_before_entry(v);
	assert_int_equal(a->apic.mode, APIC_OFF);
	core_wrmsr(v, 0x1B, base);
	irq_before_entry(v);
	assert_int_equal(a->apic.mode, APIC_XAPIC);
	assert_int_equal(vlapic_reg_get(&v->lapic, VLAPIC_ID), 1u << 24);
	assert_int_equal(v->lapic.page.r[(VLAPIC_ICR_LO >> 2) + 1], 0);
}

/* MOV CR8 where the CPU keeps no TPR shadow exits: the core loads and
 * reads the vCPU's own TPR (class in bits 7:4), refuses reserved bits,
 * and a lower TPR lets a blocked vector through at the next entry. */
static void test_cr8_is_the_vlapic_tpr(void **state)
{
	(void)state;
	struct partition *p = pc_part(1);
	struct vcpu *v = &p->vcpus[0];
	struct arch_vcpu *a = fake_vcpu(v);
	fake_vcpu(v)->apic_virt = false; /* no TPR shadow: CR8 exits */
	fake_set_rflags(v, RFLAGS_IF);
	struct exit_info e = {.kind = EXIT_CR_ACCESS};
	e.cr.op = CR_MOV_TO;
	e.cr.cr = 8;
	e.cr.val = 6;
	exit_dispatch(v, &e);
	assert_int_equal(vlapic_reg_get(&v->lapic, VLAPIC_TPR), 0x60);
	assert_int_equal(a->skips, 1);

	apic_write_model(v, VLAPIC_SVR, 0x1FF);
	apic_write_model(v, VLAPIC_LVT_LINT0, 0x10700); /* no virtual wire */
	apic_write_model(v, VLAPIC_ICR_LO, 0x40055);	/* self IPI, class 5 */
	irq_before_entry(v);
	assert_false(a->event.valid); /* blocked by TPR class 6 */

	e.cr.op = CR_MOV_FROM;
	e.cr.gpr = 3; /* RBX */
	exit_dispatch(v, &e);
	assert_int_equal(v->regs.rbx, 6);
	e.cr.gpr = 4; /* RSP */
	exit_dispatch(v, &e);
	assert_int_equal(a->rsp, 6);

	e.cr.op = CR_MOV_TO;
	e.cr.val = 0x10; /* reserved bits 63:4 */
	exit_dispatch(v, &e);
	assert_true(a->event.valid && a->event.exception);
	assert_int_equal(a->event.vector, X86_EXC_GP);
	assert_int_equal(vlapic_reg_get(&v->lapic, VLAPIC_TPR), 0x60);
	a->event.valid = false;

	e.cr.val = 0;
	exit_dispatch(v, &e);
	irq_before_entry(v);
	assert_true(a->event.valid);
	assert_int_equal(a->event.vector, 0x55);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_xapic_vectors_left_to_cpu,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_level_eoi_exit, core_setup,
					    core_teardown),
	    cmocka_unit_test_setup_teardown(test_write_exit_applies_model,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_x2apic_vectors_left_to_cpu,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_x2apic_core_injects,
					    core_setup, core_teardown),
	    cmocka_unit_test_setup_teardown(test_cr8_is_the_vlapic_tpr,
					    core_setup, core_teardown),
	};
	return CORE_RUN(tests);
}
