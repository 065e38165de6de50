/* Unit tests for hv/vlapic.c: the virtual local APIC in xAPIC and x2APIC
 * modes, driven the way Linux 6.1's arch/x86/kernel/apic/ drives it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hv/vdev/vlapic.h"

#define BASE_XAPIC  (VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN)
#define BASE_X2APIC (BASE_XAPIC | VLAPIC_BASE_EXTD)
#define T0	    1000000ull /* an arbitrary TSC "now" */

static uint32_t rd(struct vlapic *l, uint32_t off, uint64_t now)
{
	uint32_t v = 0xDEADBEEF;
	assert_int_equal(vlapic_mmio_read(l, off, &v, now), 0);
	return v;
}

static void wr(struct vlapic *l, uint32_t off, uint32_t val, uint64_t now)
{
	struct vlapic_ipi ipi;
	assert_int_equal(vlapic_mmio_write(l, off, val, now, &ipi), 0);
}

static uint64_t rdmsr(struct vlapic *l, uint32_t msr, uint64_t now)
{
	uint64_t v = 0xDEADBEEF;
	assert_int_equal(vlapic_rdmsr(l, msr, &v, now), 0);
	return v;
}

static void wrmsr(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now)
{
	struct vlapic_ipi ipi;
	assert_int_equal(vlapic_wrmsr(l, msr, val, now, &ipi), 0);
}

static int rdmsr_rc(struct vlapic *l, uint32_t msr)
{
	uint64_t v = 0xDEADBEEF;
	int rc = vlapic_rdmsr(l, msr, &v, T0);
	if (rc < 0)
		assert_int_equal(v, 0);
	return rc;
}

static int wrmsr_rc(struct vlapic *l, uint32_t msr, uint64_t val)
{
	struct vlapic_ipi ipi;
	return vlapic_wrmsr(l, msr, val, T0, &ipi);
}

/* Latch and read the ESR as Linux does (write 0, then read). */
static uint32_t esr(struct vlapic *l)
{
	if (vlapic_x2apic(l)) {
		wrmsr(l, 0x828, 0, T0);
		return (uint32_t)rdmsr(l, 0x828, T0);
	}
	wr(l, VLAPIC_ESR, 0, T0);
	return rd(l, VLAPIC_ESR, T0);
}

static void enable(struct vlapic *l, uint32_t id)
{
	vlapic_reset(l, id, id == 0);
	wr(l, VLAPIC_SVR, VLAPIC_SVR_ENABLE | 0xFF, T0);
}

static void to_x2apic(struct vlapic *l)
{
	assert_int_equal(
	    vlapic_set_base(l, vlapic_get_base(l) | VLAPIC_BASE_EXTD), 0);
	assert_true(vlapic_x2apic(l));
}

static void test_reset_values(void **state)
{
	(void)state;
	struct vlapic l;

	vlapic_reset(&l, 3, false);
	assert_int_equal(vlapic_get_base(&l), 0xFEE00800ull);
	assert_true(vlapic_hw_enabled(&l));
	assert_false(vlapic_x2apic(&l));
	assert_int_equal(rd(&l, VLAPIC_ID, T0), 3u << 24);
	assert_int_equal(rd(&l, VLAPIC_VER, T0), 0x00050014);
	assert_int_equal(rd(&l, VLAPIC_TPR, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_APR, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_PPR, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_LDR, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_DFR, T0), 0xFFFFFFFF);
	assert_int_equal(rd(&l, VLAPIC_SVR, T0), 0xFF);
	assert_int_equal(rd(&l, VLAPIC_ESR, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_ICR_LO, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_ICR_HI, T0), 0);
	for (uint32_t off = VLAPIC_LVT_TIMER; off <= VLAPIC_LVT_ERROR;
	     off += 0x10)
		assert_int_equal(rd(&l, off, T0), VLAPIC_LVT_MASKED);
	for (uint32_t off = VLAPIC_ISR; off < VLAPIC_ESR; off += 0x10)
		assert_int_equal(rd(&l, off, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_ICR, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_DCR, T0), 0);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
	/* Software-disabled after reset: virtual wire. */
	assert_true(vlapic_extint_allowed(&l));

	vlapic_reset(&l, 0, true);
	assert_int_equal(vlapic_get_base(&l), 0xFEE00900ull);
	/* The xAPIC ID is the low 8 bits of a wider initial ID. */
	vlapic_reset(&l, 0x1234, false);
	assert_int_equal(rd(&l, VLAPIC_ID, T0), 0x34u << 24);
}

static void test_tpr_ppr_pending(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	vlapic_set_irr(&l, 0x45, false);
	assert_int_equal(rd(&l, VLAPIC_IRR + 0x20, T0), 1u << 5);
	assert_int_equal(vlapic_pending(&l), 0x45);
	wr(&l, VLAPIC_TPR, 0x40, T0);
	assert_int_equal(rd(&l, VLAPIC_PPR, T0), 0x40);
	assert_int_equal(vlapic_pending(&l), -1); /* same class: blocked */
	wr(&l, VLAPIC_TPR, 0x3F, T0);
	assert_int_equal(vlapic_pending(&l), 0x45);
	wr(&l, VLAPIC_TPR, 0xFFFFFF50, T0); /* upper bits dropped */
	assert_int_equal(rd(&l, VLAPIC_TPR, T0), 0x50);
	assert_int_equal(vlapic_pending(&l), -1);

	/* PPR = ISR class when that is higher than TPR's. */
	wr(&l, VLAPIC_TPR, 0x21, T0);
	assert_int_equal(rd(&l, VLAPIC_PPR, T0), 0x21);
	vlapic_ack(&l, 0x45);
	assert_int_equal(rd(&l, VLAPIC_PPR, T0), 0x40);
	wr(&l, VLAPIC_TPR, 0x52, T0);
	assert_int_equal(rd(&l, VLAPIC_PPR, T0), 0x52);
	wr(&l, VLAPIC_TPR, 0x00, T0);
	wr(&l, VLAPIC_EOI, 0, T0);
	assert_int_equal(rd(&l, VLAPIC_PPR, T0), 0x00);
}

static void test_accept_ack_eoi_nesting(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	vlapic_set_irr(&l, 0x31, false);
	assert_int_equal(vlapic_pending(&l), 0x31);
	vlapic_ack(&l, 0x31);
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x10, T0), 1u << 17);
	assert_int_equal(rd(&l, VLAPIC_IRR + 0x10, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_PPR, T0), 0x30);

	/* Same class as in service: held. Higher class: nests. */
	vlapic_set_irr(&l, 0x3E, false);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_irr(&l, 0x61, false);
	assert_int_equal(vlapic_pending(&l), 0x61);
	vlapic_ack(&l, 0x61);
	assert_int_equal(rd(&l, VLAPIC_PPR, T0), 0x60);
	assert_int_equal(vlapic_pending(&l), -1);

	/* EOI retires the highest in service first. */
	wr(&l, VLAPIC_EOI, 0, T0);
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x30, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x10, T0), 1u << 17);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_EOI, 0x12345678, T0); /* xAPIC: value ignored */
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x10, T0), 0);
	assert_int_equal(vlapic_pending(&l), 0x3E);
	vlapic_ack(&l, 0x3E);
	wr(&l, VLAPIC_EOI, 0, T0);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(&l, VLAPIC_EOI, 0, T0); /* nothing in service: harmless */

	/* ack of a vector not in IRR does nothing. */
	vlapic_ack(&l, 0x80);
	assert_int_equal(rd(&l, VLAPIC_ISR + 0x40, T0), 0);

	/* Highest IRR vector is the one reported. */
	vlapic_set_irr(&l, 0x20, false);
	vlapic_set_irr(&l, 0xFF, false);
	vlapic_set_irr(&l, 0x9F, false);
	assert_int_equal(vlapic_pending(&l), 0xFF);
}

static void test_level_eoi(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	vlapic_set_irr(&l, 0x41, true);
	assert_int_equal(rd(&l, VLAPIC_TMR + 0x20, T0), 1u << 1);
	vlapic_ack(&l, 0x41);
	wr(&l, VLAPIC_EOI, 0, T0);
	assert_int_equal(vlapic_level_eoi(&l), 0x41);
	wr(&l, VLAPIC_TPR, 0, T0);
	assert_int_equal(vlapic_level_eoi(&l), -1);

	vlapic_set_irr(&l, 0x41, false); /* edge now: TMR cleared */
	assert_int_equal(rd(&l, VLAPIC_TMR + 0x20, T0), 0);
	vlapic_ack(&l, 0x41);
	wr(&l, VLAPIC_EOI, 0, T0);
	assert_int_equal(vlapic_level_eoi(&l), -1);
}

static void test_illegal_vector_and_esr(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	vlapic_set_irr(&l, 5, false);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(&l, VLAPIC_IRR, T0), 0);
	/* ESR shows errors only after a write latches them. */
	assert_int_equal(rd(&l, VLAPIC_ESR, T0), 0);
	wr(&l, VLAPIC_ESR, 0, T0);
	assert_int_equal(rd(&l, VLAPIC_ESR, T0), VLAPIC_ESR_RECV_ILLEGAL);
	wr(&l, VLAPIC_ESR, 0xFFFFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_ESR, T0), 0);

	/* With LVT error unmasked, an error raises its vector. */
	wr(&l, VLAPIC_LVT_ERROR, 0xFE, T0);
	vlapic_set_irr(&l, 15, false);
	assert_int_equal(vlapic_pending(&l), 0xFE);
	assert_int_equal(esr(&l), VLAPIC_ESR_RECV_ILLEGAL);

	/* An illegal LVT error vector only records the error. */
	vlapic_ack(&l, 0xFE);
	wr(&l, VLAPIC_EOI, 0, T0);
	wr(&l, VLAPIC_LVT_ERROR, 0x03, T0);
	vlapic_set_irr(&l, 0, false);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(esr(&l), VLAPIC_ESR_RECV_ILLEGAL);

	/* Timer LVT with an illegal vector. */
	wr(&l, VLAPIC_LVT_ERROR, VLAPIC_LVT_MASKED | 0xFE, T0);
	wr(&l, VLAPIC_LVT_TIMER, 0x02, T0);
	wr(&l, VLAPIC_TIMER_DCR, 0xB, T0);
	wr(&l, VLAPIC_TIMER_ICR, 10, T0);
	vlapic_timer_update(&l, T0 + 10);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(esr(&l), VLAPIC_ESR_RECV_ILLEGAL);
}

static void test_mmio_invalid_access(void **state)
{
	(void)state;
	struct vlapic l;
	uint32_t v;
	enable(&l, 0);

	/* Misaligned and out of range. */
	v = 1;
	assert_int_equal(vlapic_mmio_read(&l, 0x84, &v, T0), -1);
	assert_int_equal(v, 0);
	assert_int_equal(vlapic_mmio_write(&l, 0x81, 0, T0, NULL), -1);
	assert_int_equal(vlapic_mmio_read(&l, 0x1000, &v, T0), -1);
	assert_int_equal(vlapic_mmio_read(&l, 0xFFFFFFF0u, &v, T0), -1);
	assert_int_equal(esr(&l), 0);
	/* Unimplemented registers flag ESR "illegal register address". */
	assert_int_equal(vlapic_mmio_read(&l, 0x040, &v, T0), -1);
	assert_int_equal(esr(&l), VLAPIC_ESR_ILLEGAL_REG);
	assert_int_equal(vlapic_mmio_write(&l, 0x2F0, 0, T0, NULL), -1);
	assert_int_equal(vlapic_mmio_read(&l, 0x3F0, &v, T0), -1);
	assert_int_equal(vlapic_mmio_read(&l, 0x800, &v, T0), -1);
	assert_int_equal(esr(&l), VLAPIC_ESR_ILLEGAL_REG);

	/* Writes to read-only registers are ignored, not errors. */
	wr(&l, VLAPIC_VER, 0, T0);
	wr(&l, VLAPIC_PPR, 0xFF, T0);
	wr(&l, VLAPIC_ISR, 0xFFFFFFFF, T0);
	wr(&l, VLAPIC_IRR + 0x70, 0xFFFFFFFF, T0);
	wr(&l, VLAPIC_TIMER_CCR, 5, T0);
	assert_int_equal(rd(&l, VLAPIC_VER, T0), VLAPIC_VERSION);
	assert_int_equal(rd(&l, VLAPIC_ISR, T0), 0);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(esr(&l), 0);
}

static void test_xapic_id_ldr_dfr(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 2);

	wr(&l, VLAPIC_ID, 0x07FFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_ID, T0), 0x07000000);
	wr(&l, VLAPIC_LDR, 0x01FFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_LDR, T0), 0x01000000);
	wr(&l, VLAPIC_DFR, 0x0FFFFFFF, T0); /* cluster model */
	assert_int_equal(rd(&l, VLAPIC_DFR, T0), 0x0FFFFFFF);
	wr(&l, VLAPIC_DFR, 0xF0000000, T0);
	assert_int_equal(rd(&l, VLAPIC_DFR, T0), 0xFFFFFFFF);
	wr(&l, VLAPIC_ICR_HI, 0xFFFFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_ICR_HI, T0), 0xFF000000);
	wr(&l, VLAPIC_TIMER_DCR, 0xFFFFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_DCR, T0), 0xB);
	wr(&l, VLAPIC_SVR, 0xFFFFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_SVR, T0), 0x3FF);
	/* LVT writes keep only defined, writable bits. */
	wr(&l, VLAPIC_LVT_LINT0, 0xFFFFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, T0), 0x1A7FF);
	wr(&l, VLAPIC_LVT_ERROR, 0xFFFFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_LVT_ERROR, T0), 0x100FF);
	wr(&l, VLAPIC_LVT_PERF, 0xFFFFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_LVT_PERF, T0), 0x107FF);
}

static void test_x2apic_view(void **state)
{
	(void)state;
	struct vlapic l;
	uint32_t v;

	enable(&l, 0x123);
	wr(&l, VLAPIC_TPR, 0x20, T0);
	assert_int_equal(rdmsr_rc(&l, 0x802), -1); /* not in x2APIC yet */
	to_x2apic(&l);

	/* MMIO page is off in x2APIC mode. */
	assert_int_equal(vlapic_mmio_read(&l, VLAPIC_ID, &v, T0), -1);
	assert_int_equal(vlapic_mmio_write(&l, VLAPIC_TPR, 0, T0, NULL), -1);

	assert_int_equal(rdmsr(&l, 0x802, T0), 0x123);
	assert_int_equal(rdmsr(&l, 0x803, T0), 0x00050014);
	assert_int_equal(rdmsr(&l, 0x808, T0), 0x20); /* state kept */
	assert_int_equal(rdmsr(&l, 0x80A, T0), 0x20);
	assert_int_equal(rdmsr(&l, 0x80D, T0), (0x12u << 16) | (1u << 3));
	assert_int_equal(rdmsr(&l, 0x80F, T0), 0x1FF);
	assert_int_equal(rdmsr(&l, 0x835, T0), VLAPIC_LVT_MASKED);

	/* #GP cases. */
	assert_int_equal(rdmsr_rc(&l, 0x831), -1); /* ICR high offset */
	assert_int_equal(wrmsr_rc(&l, 0x831, 0), -1);
	assert_int_equal(rdmsr_rc(&l, 0x80E), -1); /* DFR */
	assert_int_equal(wrmsr_rc(&l, 0x80E, 0xFFFFFFFF), -1);
	assert_int_equal(rdmsr_rc(&l, 0x809), -1); /* APR */
	assert_int_equal(rdmsr_rc(&l, 0x80C), -1); /* RRD */
	assert_int_equal(rdmsr_rc(&l, 0x80B), -1); /* EOI is write-only */
	assert_int_equal(rdmsr_rc(&l, 0x83F), -1); /* SELF IPI too */
	assert_int_equal(rdmsr_rc(&l, 0x82F), -1); /* no CMCI LVT */
	assert_int_equal(rdmsr_rc(&l, 0x800), -1);
	assert_int_equal(rdmsr_rc(&l, 0x8FF), -1);
	assert_int_equal(rdmsr_rc(&l, 0x7FF), -1);
	assert_int_equal(rdmsr_rc(&l, 0x900), -1);
	assert_int_equal(wrmsr_rc(&l, 0x802, 0x123), -1); /* ID read-only */
	assert_int_equal(wrmsr_rc(&l, 0x803, 0), -1);	  /* version */
	assert_int_equal(wrmsr_rc(&l, 0x80A, 0), -1);	  /* PPR */
	assert_int_equal(wrmsr_rc(&l, 0x80D, 0), -1);	  /* LDR */
	assert_int_equal(wrmsr_rc(&l, 0x810, 0), -1);	  /* ISR */
	assert_int_equal(wrmsr_rc(&l, 0x827, 0), -1);	  /* IRR */
	assert_int_equal(wrmsr_rc(&l, 0x839, 0), -1);	  /* CCR */
	assert_int_equal(wrmsr_rc(&l, 0x80B, 1), -1);	  /* EOI != 0 */
	assert_int_equal(wrmsr_rc(&l, 0x828, 1), -1);	  /* ESR != 0 */
	assert_int_equal(wrmsr_rc(&l, 0x808, 0x100), -1); /* TPR rsvd */
	assert_int_equal(wrmsr_rc(&l, 0x808, 1ull << 32), -1);
	assert_int_equal(wrmsr_rc(&l, 0x80F, 0x1000), -1); /* no EOI supp. */
	assert_int_equal(wrmsr_rc(&l, 0x832, 1u << 19), -1);
	assert_int_equal(wrmsr_rc(&l, 0x835, 1u << 17), -1);
	assert_int_equal(wrmsr_rc(&l, 0x837, 0x700), -1); /* no mode field */
	assert_int_equal(wrmsr_rc(&l, 0x83E, 0x4), -1);
	assert_int_equal(wrmsr_rc(&l, 0x83F, 0x1FF), -1);
	assert_int_equal(wrmsr_rc(&l, 0x830, 1u << 13), -1);
	assert_int_equal(wrmsr_rc(&l, 0x830, 1u << 20), -1);
	assert_int_equal(wrmsr_rc(&l, 0x838, 1ull << 32), -1);
	/* Nothing above changed state. */
	assert_int_equal(rdmsr(&l, 0x808, T0), 0x20);
	assert_int_equal(rdmsr(&l, 0x80F, T0), 0x1FF);

	/* Valid writes: read-only bits of an LVT are accepted (Linux writes
	 * back what it read), EOI 0, ESR 0. */
	wrmsr(&l, 0x835, 0x700 | (1u << 12) | (1u << 14), T0);
	assert_int_equal(rdmsr(&l, 0x835, T0), 0x700);
	wrmsr(&l, 0x80B, 0, T0);
	wrmsr(&l, 0x828, 0, T0);
	wrmsr(&l, 0x808, 0, T0);

	/* Nested accept/EOI through MSRs. */
	vlapic_set_irr(&l, 0x50, false);
	vlapic_ack(&l, 0x50);
	assert_int_equal(rdmsr(&l, 0x812, T0), 1u << 16);
	assert_int_equal(rdmsr(&l, 0x80A, T0), 0x50);
	wrmsr(&l, 0x80B, 0, T0);
	assert_int_equal(rdmsr(&l, 0x812, T0), 0);

	/* Every MSR in the range either works or #GPs, without UB. */
	for (uint32_t msr = 0x800; msr <= 0x8FF; msr++) {
		uint64_t val;
		(void)vlapic_rdmsr(&l, msr, &val, T0);
	}

	/* xAPIC-only ID width: the x2APIC ID is 32 bits. */
	enable(&l, 0xABCDEF01);
	to_x2apic(&l);
	assert_int_equal(rdmsr(&l, 0x802, T0), 0xABCDEF01);
	assert_int_equal(rdmsr(&l, 0x80D, T0),
			 ((0xABCDEF01u >> 4) << 16) | (1u << 1));
}

static void test_apic_base_transitions(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 1);

	/* Reserved bits, relocation, EN=0/EXTD=1. */
	assert_int_equal(vlapic_set_base(&l, BASE_XAPIC | 1), -1);
	assert_int_equal(vlapic_set_base(&l, BASE_XAPIC | (1u << 9)), -1);
	assert_int_equal(vlapic_set_base(&l, 0xFED00000ull | 0x800), -1);
	assert_int_equal(vlapic_set_base(&l, BASE_XAPIC | (1ull << 40)), -1);
	assert_int_equal(
	    vlapic_set_base(&l, VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EXTD), -1);
	assert_int_equal(vlapic_get_base(&l), BASE_XAPIC);

	/* Same state, BSP bit read-only. */
	assert_int_equal(vlapic_set_base(&l, BASE_XAPIC | VLAPIC_BASE_BSP), 0);
	assert_int_equal(vlapic_get_base(&l), BASE_XAPIC);

	/* xAPIC -> x2APIC keeps the register state. */
	wr(&l, VLAPIC_LVT_LINT0, 0x700, T0);
	assert_int_equal(vlapic_set_base(&l, BASE_X2APIC), 0);
	assert_int_equal(rdmsr(&l, 0x835, T0), 0x700);
	/* x2APIC -> xAPIC directly is invalid. */
	assert_int_equal(vlapic_set_base(&l, BASE_XAPIC), -1);
	assert_true(vlapic_x2apic(&l));
	/* x2APIC -> disabled is fine and resets the registers. */
	assert_int_equal(vlapic_set_base(&l, VLAPIC_DEFAULT_BASE), 0);
	assert_false(vlapic_hw_enabled(&l));
	assert_false(vlapic_x2apic(&l));
	assert_true(vlapic_extint_allowed(&l));
	assert_int_equal(rdmsr_rc(&l, 0x835), -1);
	uint32_t v;
	assert_int_equal(vlapic_mmio_read(&l, VLAPIC_ID, &v, T0), -1);
	vlapic_set_irr(&l, 0x40, false); /* dropped */
	assert_int_equal(vlapic_pending(&l), -1);
	/* disabled -> x2APIC directly is invalid. */
	assert_int_equal(vlapic_set_base(&l, BASE_X2APIC), -1);
	/* disabled -> xAPIC -> x2APIC. */
	assert_int_equal(vlapic_set_base(&l, BASE_XAPIC), 0);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, T0), VLAPIC_LVT_MASKED);
	assert_int_equal(rd(&l, VLAPIC_SVR, T0), 0xFF);
	assert_int_equal(rd(&l, VLAPIC_ID, T0), 1u << 24);
	assert_int_equal(vlapic_set_base(&l, BASE_X2APIC), 0);
	assert_int_equal(rdmsr(&l, 0x802, T0), 1);
	/* xAPIC -> disabled. */
	vlapic_reset(&l, 1, false);
	wr(&l, VLAPIC_TPR, 0x80, T0);
	assert_int_equal(vlapic_set_base(&l, VLAPIC_DEFAULT_BASE), 0);
	assert_int_equal(vlapic_set_base(&l, BASE_XAPIC), 0);
	assert_int_equal(rd(&l, VLAPIC_TPR, T0), 0);
}

static void test_init_signal(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 5);
	to_x2apic(&l);
	wrmsr(&l, 0x808, 0x30, T0);
	vlapic_set_irr(&l, 0x99, false);
	vlapic_init_signal(&l);
	assert_true(vlapic_x2apic(&l));
	assert_int_equal(rdmsr(&l, 0x802, T0), 5);
	assert_int_equal(rdmsr(&l, 0x80D, T0), 1u << 5);
	assert_int_equal(rdmsr(&l, 0x808, T0), 0);
	assert_int_equal(rdmsr(&l, 0x80F, T0), 0xFF);
	assert_int_equal(vlapic_pending(&l), -1);
}

static void test_ipi_xapic(void **state)
{
	(void)state;
	struct vlapic l;
	struct vlapic_ipi ipi;
	enable(&l, 0);

	/* Fixed IPI as Linux sends it (no assert bit), physical dest 3. */
	wr(&l, VLAPIC_ICR_HI, 3u << 24, T0);
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x000000FD, T0, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.vector, 0xFD);
	assert_int_equal(ipi.mode, 0);
	assert_int_equal(ipi.shorthand, 0);
	assert_false(ipi.logical);
	assert_false(ipi.assert);
	assert_false(ipi.level);
	assert_int_equal(ipi.dest, 3);
	assert_int_equal(rd(&l, VLAPIC_ICR_LO, T0), 0xFD); /* idle */

	/* INIT assert, level, then de-assert. */
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x0000C500, T0, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.mode, 5);
	assert_true(ipi.assert);
	assert_true(ipi.level);
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x00008500, T0, &ipi), 0);
	assert_true(ipi.valid);
	assert_false(ipi.assert);

	/* SIPI vector 0x9A. */
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x0000069A, T0, &ipi), 0);
	assert_int_equal(ipi.mode, 6);
	assert_int_equal(ipi.vector, 0x9A);

	/* NMI to all-but-self; logical fixed. */
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x000C0400, T0, &ipi), 0);
	assert_int_equal(ipi.mode, 4);
	assert_int_equal(ipi.shorthand, 3);
	wr(&l, VLAPIC_ICR_HI, 0x0F000000, T0);
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x00080830, T0, &ipi), 0);
	assert_true(ipi.logical);
	assert_int_equal(ipi.shorthand, 2);
	assert_int_equal(ipi.dest, 0x0F);
	/* Self shorthand. */
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x00040041, T0, &ipi), 0);
	assert_int_equal(ipi.shorthand, 1);

	/* Delivery status is read-only and reads idle. */
	wr(&l, VLAPIC_ICR_LO, 0xFFFFFFFF, T0);
	assert_int_equal(rd(&l, VLAPIC_ICR_LO, T0) & (1u << 12), 0);

	/* Illegal vector: nothing sent, ESR "send illegal vector". */
	assert_int_equal(esr(&l), 0);
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x0000000E, T0, &ipi), 0);
	assert_false(ipi.valid);
	assert_int_equal(esr(&l), VLAPIC_ESR_SEND_ILLEGAL);
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x00000105, T0, &ipi), 0);
	assert_false(ipi.valid); /* lowest priority too */
	/* ...but a SIPI page number below 16 is fine. */
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x00000608, T0, &ipi), 0);
	assert_true(ipi.valid);
	/* Reserved delivery mode. */
	assert_int_equal(
	    vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0x00000340, T0, &ipi), 0);
	assert_false(ipi.valid);

	/* Non-ICR writes report no IPI; a NULL ipi is allowed. */
	ipi.valid = true;
	assert_int_equal(vlapic_mmio_write(&l, VLAPIC_TPR, 0, T0, &ipi), 0);
	assert_false(ipi.valid);
	assert_int_equal(vlapic_mmio_write(&l, VLAPIC_ICR_LO, 0xFD, T0, NULL),
			 0);
}

static void test_ipi_x2apic(void **state)
{
	(void)state;
	struct vlapic l;
	struct vlapic_ipi ipi;
	enable(&l, 0);
	to_x2apic(&l);

	assert_int_equal(
	    vlapic_wrmsr(&l, 0x830, (0x12345678ull << 32) | 0x4FD, T0, &ipi),
	    0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.dest, 0x12345678);
	assert_int_equal(ipi.mode, 4);
	assert_int_equal(ipi.vector, 0xFD);
	assert_int_equal(rdmsr(&l, 0x830, T0), (0x12345678ull << 32) | 0x4FD);

	/* Logical (cluster) INIT. */
	assert_int_equal(
	    vlapic_wrmsr(&l, 0x830, (0x00010002ull << 32) | 0x4D00, T0, &ipi),
	    0);
	assert_true(ipi.logical);
	assert_true(ipi.assert);
	assert_int_equal(ipi.mode, 5);
	assert_int_equal(ipi.dest, 0x00010002);

	/* SELF IPI MSR. */
	assert_int_equal(vlapic_wrmsr(&l, 0x83F, 0xEC, T0, &ipi), 0);
	assert_true(ipi.valid);
	assert_int_equal(ipi.shorthand, 1);
	assert_int_equal(ipi.mode, 0);
	assert_int_equal(ipi.vector, 0xEC);
	assert_int_equal(rdmsr(&l, 0x830, T0), (0x00010002ull << 32) | 0x4D00);
	assert_int_equal(vlapic_wrmsr(&l, 0x83F, 0x07, T0, &ipi), 0);
	assert_false(ipi.valid);
	assert_int_equal(esr(&l), VLAPIC_ESR_SEND_ILLEGAL);
	/* The SELF IPI register doesn't exist in xAPIC mode. */
	struct vlapic x;
	enable(&x, 0);
	assert_int_equal(vlapic_mmio_write(&x, VLAPIC_SELF_IPI, 0xEC, T0, &ipi),
			 -1);
	assert_false(ipi.valid);
}

static void test_timer_oneshot_divide(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	/* Linux: LVTT vector, divide by 16, initial count. */
	wr(&l, VLAPIC_LVT_TIMER, 0xEC, T0);
	wr(&l, VLAPIC_TIMER_DCR, 0x3, T0);
	wr(&l, VLAPIC_TIMER_ICR, 1000, T0);
	assert_int_equal(vlapic_next_event(&l), T0 + 16000);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0), 1000);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 15), 1000);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 16), 999);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 1600), 900);
	vlapic_timer_update(&l, T0 + 15999);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 15999), 1);
	vlapic_timer_update(&l, T0 + 16000);
	assert_int_equal(vlapic_pending(&l), 0xEC);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 16000), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_ICR, T0 + 16000), 1000);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
	vlapic_ack(&l, 0xEC);
	wr(&l, VLAPIC_EOI, 0, T0 + 20000);
	vlapic_timer_update(&l, T0 + 1000000);
	assert_int_equal(vlapic_pending(&l), -1); /* fired once only */

	/* All divide encodings. */
	static const struct {
		uint32_t dcr;
		uint64_t div;
	} divs[] = {{0x0, 2},  {0x1, 4},  {0x2, 8},   {0x3, 16},
		    {0x8, 32}, {0x9, 64}, {0xA, 128}, {0xB, 1}};
	for (size_t i = 0; i < sizeof(divs) / sizeof(divs[0]); i++) {
		wr(&l, VLAPIC_TIMER_DCR, divs[i].dcr, T0);
		wr(&l, VLAPIC_TIMER_ICR, 7, T0);
		assert_int_equal(vlapic_next_event(&l), T0 + 7 * divs[i].div);
	}
	/* Initial count 0 stops the timer. */
	wr(&l, VLAPIC_TIMER_ICR, 0, T0);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0), 0);

	/* Expiry is processed by a register access too (lazy update). */
	wr(&l, VLAPIC_TIMER_DCR, 0xB, T0);
	wr(&l, VLAPIC_TIMER_ICR, 10, T0);
	(void)rd(&l, VLAPIC_TPR, T0 + 10);
	assert_int_equal(vlapic_pending(&l), 0xEC);

	/* Re-writing the initial count restarts the count. */
	vlapic_ack(&l, 0xEC);
	wr(&l, VLAPIC_EOI, 0, T0);
	wr(&l, VLAPIC_TIMER_ICR, 100, T0);
	wr(&l, VLAPIC_TIMER_ICR, 100, T0 + 50);
	assert_int_equal(vlapic_next_event(&l), T0 + 150);
}

static void test_timer_periodic(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	wr(&l, VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0xEF, T0);
	wr(&l, VLAPIC_TIMER_DCR, 0x0, T0); /* divide by 2 */
	wr(&l, VLAPIC_TIMER_ICR, 50, T0);
	assert_int_equal(vlapic_next_event(&l), T0 + 100);
	vlapic_timer_update(&l, T0 + 100);
	assert_int_equal(vlapic_pending(&l), 0xEF);
	assert_int_equal(vlapic_next_event(&l), T0 + 200);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 100), 50);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 150), 25);
	vlapic_ack(&l, 0xEF);
	wr(&l, VLAPIC_EOI, 0, T0 + 150);

	/* Late by several periods: one interrupt, next on the grid. */
	vlapic_timer_update(&l, T0 + 450);
	assert_int_equal(vlapic_pending(&l), 0xEF);
	assert_int_equal(vlapic_next_event(&l), T0 + 500);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 450), 25);
	vlapic_ack(&l, 0xEF);
	wr(&l, VLAPIC_EOI, 0, T0 + 460);

	/* Switch to one-shot: counts down the current period and stops. */
	wr(&l, VLAPIC_LVT_TIMER, 0xEF, T0 + 460);
	vlapic_timer_update(&l, T0 + 500);
	assert_int_equal(vlapic_pending(&l), 0xEF);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
}

static void test_timer_divide_change(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	wr(&l, VLAPIC_LVT_TIMER, 0xEC, T0);
	wr(&l, VLAPIC_TIMER_DCR, 0xB, T0); /* /1 */
	wr(&l, VLAPIC_TIMER_ICR, 1000, T0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 400), 600);
	wr(&l, VLAPIC_TIMER_DCR, 0x1, T0 + 400); /* /4: 600 counts left */
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 400), 600);
	assert_int_equal(vlapic_next_event(&l), T0 + 400 + 2400);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0 + 800), 500);
}

static void test_timer_tsc_deadline(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	/* Not in deadline mode: MSR reads 0, writes ignored. */
	vlapic_set_tsc_deadline(&l, T0 + 10, T0);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);

	/* Switching modes disarms a running count-down timer. */
	wr(&l, VLAPIC_TIMER_ICR, 500, T0);
	wr(&l, VLAPIC_LVT_TIMER, VLAPIC_TIMER_DEADLINE | 0xEC, T0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_ICR, T0), 0);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);

	vlapic_set_tsc_deadline(&l, T0 + 5000, T0);
	assert_int_equal(vlapic_get_tsc_deadline(&l), T0 + 5000);
	assert_int_equal(vlapic_next_event(&l), T0 + 5000);
	/* The initial count is ignored, the current count reads 0. */
	wr(&l, VLAPIC_TIMER_ICR, 10, T0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_ICR, T0), 0);
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, T0), 0);
	assert_int_equal(vlapic_next_event(&l), T0 + 5000);

	vlapic_timer_update(&l, T0 + 4999);
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_timer_update(&l, T0 + 5001);
	assert_int_equal(vlapic_pending(&l), 0xEC);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0); /* self-clearing */
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
	vlapic_ack(&l, 0xEC);
	wr(&l, VLAPIC_EOI, 0, T0 + 5001);

	/* Re-arm, then disarm with 0. */
	vlapic_set_tsc_deadline(&l, T0 + 9000, T0 + 6000);
	vlapic_set_tsc_deadline(&l, 0, T0 + 6000);
	vlapic_timer_update(&l, T0 + 10000);
	assert_int_equal(vlapic_pending(&l), -1);

	/* A deadline in the past fires at once. */
	vlapic_set_tsc_deadline(&l, 1, T0 + 10000);
	assert_int_equal(vlapic_pending(&l), 0xEC);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
	vlapic_ack(&l, 0xEC);
	wr(&l, VLAPIC_EOI, 0, T0 + 10000);

	/* Leaving deadline mode disarms it. */
	vlapic_set_tsc_deadline(&l, T0 + 20000, T0 + 10000);
	wr(&l, VLAPIC_LVT_TIMER, 0xEC, T0 + 10000);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
	vlapic_timer_update(&l, T0 + 30000);
	assert_int_equal(vlapic_pending(&l), -1);

	/* Deadline mode through x2APIC MSRs works the same. */
	to_x2apic(&l);
	wrmsr(&l, 0x832, VLAPIC_TIMER_DEADLINE | 0xED, T0);
	vlapic_set_tsc_deadline(&l, UINT64_MAX, T0);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
	vlapic_timer_update(&l, UINT64_MAX);
	assert_int_equal(vlapic_pending(&l), 0xED);
}

static void test_timer_masked(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	wr(&l, VLAPIC_LVT_TIMER, VLAPIC_LVT_MASKED | 0xEC, T0);
	wr(&l, VLAPIC_TIMER_DCR, 0xB, T0);
	wr(&l, VLAPIC_TIMER_ICR, 100, T0);
	vlapic_timer_update(&l, T0 + 100);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(&l, VLAPIC_IRR + 0x70, T0 + 100), 0);
	/* The one-shot expired while masked: unmasking doesn't fire it. */
	wr(&l, VLAPIC_LVT_TIMER, 0xEC, T0 + 200);
	vlapic_timer_update(&l, T0 + 300);
	assert_int_equal(vlapic_pending(&l), -1);

	/* Periodic keeps counting while masked. */
	wr(&l, VLAPIC_LVT_TIMER,
	   VLAPIC_LVT_MASKED | VLAPIC_TIMER_PERIODIC | 0xEC, T0);
	wr(&l, VLAPIC_TIMER_ICR, 100, T0);
	vlapic_timer_update(&l, T0 + 250);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_next_event(&l), T0 + 300);
	wr(&l, VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0xEC, T0 + 250);
	vlapic_timer_update(&l, T0 + 300);
	assert_int_equal(vlapic_pending(&l), 0xEC);

	/* Masked deadline timer: disarms without an interrupt. */
	vlapic_ack(&l, 0xEC);
	wr(&l, VLAPIC_EOI, 0, T0 + 300);
	wr(&l, VLAPIC_LVT_TIMER,
	   VLAPIC_LVT_MASKED | VLAPIC_TIMER_DEADLINE | 0xEC, T0 + 300);
	vlapic_set_tsc_deadline(&l, T0 + 400, T0 + 300);
	vlapic_timer_update(&l, T0 + 400);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(vlapic_get_tsc_deadline(&l), 0);
}

static void test_current_count_decreases(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	wr(&l, VLAPIC_LVT_TIMER, 0xEC, T0);
	wr(&l, VLAPIC_TIMER_DCR, 0x2, T0); /* /8 */
	wr(&l, VLAPIC_TIMER_ICR, 0xFFFFFFFF, T0);
	uint32_t prev = rd(&l, VLAPIC_TIMER_CCR, T0);
	assert_int_equal(prev, 0xFFFFFFFF);
	for (uint64_t t = T0 + 8; t < T0 + 80000; t += 997) {
		uint32_t c = rd(&l, VLAPIC_TIMER_CCR, t);
		assert_true(c < prev);
		assert_int_equal(c, 0xFFFFFFFFu - (uint32_t)((t - T0) / 8));
		prev = c;
	}
	/* Time going backwards never yields more than the initial count. */
	assert_int_equal(rd(&l, VLAPIC_TIMER_CCR, 0), 0xFFFFFFFF);
	/* A huge period near the end of TSC time saturates. */
	wr(&l, VLAPIC_TIMER_ICR, 0xFFFFFFFF, UINT64_MAX - 10);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
}

static void test_software_disable(void **state)
{
	(void)state;
	struct vlapic l;
	enable(&l, 0);

	wr(&l, VLAPIC_LVT_LINT0, 0x700, T0); /* ExtINT, unmasked */
	wr(&l, VLAPIC_LVT_TIMER, 0xEC, T0);
	assert_true(vlapic_extint_allowed(&l));
	wr(&l, VLAPIC_LVT_LINT0, VLAPIC_LVT_MASKED | 0x700, T0);
	assert_false(vlapic_extint_allowed(&l));
	wr(&l, VLAPIC_LVT_LINT0, 0x400, T0); /* NMI mode */
	assert_false(vlapic_extint_allowed(&l));
	wr(&l, VLAPIC_LVT_LINT0, 0x700, T0);

	vlapic_set_irr(&l, 0x70, false);
	wr(&l, VLAPIC_SVR, 0xFF, T0); /* software disable */
	for (uint32_t off = VLAPIC_LVT_TIMER; off <= VLAPIC_LVT_ERROR;
	     off += 0x10)
		assert_true(rd(&l, off, T0) & VLAPIC_LVT_MASKED);
	assert_int_equal(rd(&l, VLAPIC_LVT_LINT0, T0), 0x10700);
	/* LVT writes keep the mask while disabled. */
	wr(&l, VLAPIC_LVT_TIMER, 0xEC, T0);
	assert_int_equal(rd(&l, VLAPIC_LVT_TIMER, T0), 0x100EC);
	/* New fixed interrupts are dropped; held ones still dispatch. */
	vlapic_set_irr(&l, 0x80, false);
	assert_int_equal(vlapic_pending(&l), 0x70);
	assert_true(vlapic_extint_allowed(&l)); /* virtual wire */

	/* Re-enabling doesn't unmask. */
	wr(&l, VLAPIC_SVR, 0x1FF, T0);
	assert_int_equal(rd(&l, VLAPIC_LVT_TIMER, T0), 0x100EC);
	assert_false(vlapic_extint_allowed(&l));
}

/* The sequence of Linux 6.1's setup_local_APIC() + lapic timer setup on
 * xAPIC, checking the values it reads back. */
static void test_linux_setup_sequence(void **state)
{
	(void)state;
	struct vlapic l;
	uint64_t t = T0;
	vlapic_reset(&l, 0, true);

	uint32_t ver = rd(&l, VLAPIC_VER, t);
	assert_int_equal((ver >> 16) & 0xFF, 5); /* maxlvt */
	assert_true((ver & 0xFF) >= 0x14);	 /* xAPIC (modern_apic) */
	/* clear_local_APIC */
	wr(&l, VLAPIC_LVT_ERROR, 0xFE | VLAPIC_LVT_MASKED, t);
	for (uint32_t off = VLAPIC_LVT_TIMER; off <= VLAPIC_LVT_LINT1;
	     off += 0x10)
		wr(&l, off, rd(&l, off, t) | VLAPIC_LVT_MASKED, t);
	wr(&l, VLAPIC_ESR, 0, t);
	(void)rd(&l, VLAPIC_ESR, t);
	/* Logical flat mode. */
	wr(&l, VLAPIC_DFR, 0xFFFFFFFF, t);
	wr(&l, VLAPIC_LDR, (rd(&l, VLAPIC_LDR, t) & ~0xFF000000u) | (1u << 24),
	   t);
	wr(&l, VLAPIC_TPR, rd(&l, VLAPIC_TPR, t) & ~0xFFu, t);
	/* Drain ISR/IRR. */
	for (int i = 7; i >= 0; i--)
		assert_int_equal(rd(&l, VLAPIC_ISR + (uint32_t)i * 0x10, t), 0);
	uint32_t svr = rd(&l, VLAPIC_SVR, t);
	svr = (svr & ~0xFFu) | VLAPIC_SVR_ENABLE | 0xFF;
	wr(&l, VLAPIC_SVR, svr, t);
	assert_int_equal(rd(&l, VLAPIC_SVR, t), 0x1FF);
	/* BSP: LINT0 ExtINT (PIC mode), LINT1 NMI. */
	wr(&l, VLAPIC_LVT_LINT0, 0x700, t);
	wr(&l, VLAPIC_LVT_LINT1, 0x400, t);
	assert_true(vlapic_extint_allowed(&l));
	/* lapic_setup_esr */
	wr(&l, VLAPIC_ESR, 0, t);
	wr(&l, VLAPIC_LVT_ERROR, 0xFE, t);
	wr(&l, VLAPIC_ESR, 0, t);
	assert_int_equal(rd(&l, VLAPIC_ESR, t), 0);
	/* Periodic tick at divide 16. */
	wr(&l, VLAPIC_LVT_TIMER, VLAPIC_TIMER_PERIODIC | 0xEC, t);
	uint32_t tdcr = rd(&l, VLAPIC_TIMER_DCR, t);
	wr(&l, VLAPIC_TIMER_DCR, (tdcr & ~0xBu) | 0x3, t);
	wr(&l, VLAPIC_TIMER_ICR, 62500, t);
	for (int tick = 1; tick <= 3; tick++) {
		t = T0 + (uint64_t)tick * 1000000;
		vlapic_timer_update(&l, t);
		int v = vlapic_pending(&l);
		assert_int_equal(v, 0xEC);
		vlapic_ack(&l, (uint8_t)v);
		wr(&l, VLAPIC_EOI, 0, t);
	}
	/* lapic_timer_shutdown */
	wr(&l, VLAPIC_LVT_TIMER,
	   rd(&l, VLAPIC_LVT_TIMER, t) | VLAPIC_LVT_MASKED | 0xEC, t);
	wr(&l, VLAPIC_TIMER_ICR, 0, t);
	assert_int_equal(vlapic_next_event(&l), UINT64_MAX);
	assert_int_equal(esr(&l), 0);
}

/* Arbitrary guest accesses in both modes: no UB (sanitizers), results
 * within range. */
static void test_untrusted_inputs(void **state)
{
	(void)state;
	struct vlapic l;
	struct vlapic_ipi ipi;
	uint64_t x = 0x9E3779B97F4A7C15ull, now = 0;

	vlapic_reset(&l, 7, false);
	for (int i = 0; i < 300000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		now += (x >> 40) & 0xFFF;
		uint32_t off = (uint32_t)(x >> 20) & 0x3F0;
		if ((x & 0xF) == 0)
			off |= (uint32_t)(x >> 8) & 0xFFF;
		uint64_t val = x * 0x2545F4914F6CDD1Dull;
		switch ((x >> 4) % 9) {
		case 0:
		case 1: {
			/* Bias towards the interesting registers. */
			if (x & 0x100)
				off = VLAPIC_LVT_TIMER +
				      ((uint32_t)(x >> 12) % 0x70 & 0x70);
			(void)vlapic_mmio_write(&l, off, (uint32_t)val, now,
						&ipi);
			break;
		}
		case 2: {
			uint32_t v;
			(void)vlapic_mmio_read(&l, off, &v, now);
			break;
		}
		case 3:
			(void)vlapic_wrmsr(&l, 0x800 + (off >> 4),
					   (x & 0x200) ? val : (uint32_t)val,
					   now, &ipi);
			break;
		case 4: {
			uint64_t v;
			(void)vlapic_rdmsr(&l, 0x800 + (off >> 4), &v, now);
			break;
		}
		case 5:
			vlapic_set_irr(&l, (uint8_t)val, val & 0x100);
			break;
		case 6: {
			int v = vlapic_pending(&l);
			assert_true(v == -1 || (v >= 16 && v <= 255));
			if (v >= 0)
				vlapic_ack(&l, (uint8_t)v);
			break;
		}
		case 7:
			if ((x & 0xFF) < 4) {
				(void)vlapic_set_base(&l, VLAPIC_DEFAULT_BASE |
							      ((x >> 10) & 3)
								  << 10);
			} else {
				vlapic_timer_update(&l, now);
				assert_true(vlapic_next_event(&l) > now);
			}
			break;
		default:
			vlapic_set_tsc_deadline(&l, now + (val & 0xFFFFF), now);
			break;
		}
		assert_true(vlapic_hw_enabled(&l) ||
			    !(vlapic_get_base(&l) & VLAPIC_BASE_EXTD));
		if (!vlapic_hw_enabled(&l) && (x & 0x3000) == 0)
			(void)vlapic_set_base(&l, BASE_XAPIC);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reset_values),
	    cmocka_unit_test(test_tpr_ppr_pending),
	    cmocka_unit_test(test_accept_ack_eoi_nesting),
	    cmocka_unit_test(test_level_eoi),
	    cmocka_unit_test(test_illegal_vector_and_esr),
	    cmocka_unit_test(test_mmio_invalid_access),
	    cmocka_unit_test(test_xapic_id_ldr_dfr),
	    cmocka_unit_test(test_x2apic_view),
	    cmocka_unit_test(test_apic_base_transitions),
	    cmocka_unit_test(test_init_signal),
	    cmocka_unit_test(test_ipi_xapic),
	    cmocka_unit_test(test_ipi_x2apic),
	    cmocka_unit_test(test_timer_oneshot_divide),
	    cmocka_unit_test(test_timer_periodic),
	    cmocka_unit_test(test_timer_divide_change),
	    cmocka_unit_test(test_timer_tsc_deadline),
	    cmocka_unit_test(test_timer_masked),
	    cmocka_unit_test(test_current_count_decreases),
	    cmocka_unit_test(test_software_disable),
	    cmocka_unit_test(test_linux_setup_sequence),
	    cmocka_unit_test(test_untrusted_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
