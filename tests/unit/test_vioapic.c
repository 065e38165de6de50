/* Unit tests for hv/vioapic.c: the virtual I/O APIC, driven through its
 * IOREGSEL/IOWIN window the way a guest programs an 82093AA. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hv/vdev/vioapic.h"

#define IOREGSEL 0x00
#define IOWIN	 0x10

#define REG_ID	  0x00
#define REG_VER	  0x01
#define REG_ARB	  0x02
#define REG_LO(n) (0x10u + 2u * (n))
#define REG_HI(n) (0x11u + 2u * (n))

/* Redirection entry fields, low half. */
#define LO_MODE(m)  ((uint32_t)(m) << 8)
#define LO_LOGICAL  (1u << 11)
#define LO_STATUS   (1u << 12)
#define LO_POLARITY (1u << 13)
#define LO_REMOTE   (1u << 14)
#define LO_LEVEL    (1u << 15)
#define LO_MASK	    (1u << 16)
#define HI_DEST(d)  ((uint32_t)(d) << 24)
#define LO_WRITABLE                                                            \
	(0xFFu | 0x700u | LO_LOGICAL | LO_POLARITY | LO_LEVEL | LO_MASK)

/* A message the call under test must overwrite. */
static struct vioapic_msg stale(void)
{
	struct vioapic_msg m = {.valid = true, .vector = 0xEE};
	return m;
}

static uint32_t reg_read(struct vioapic *io, uint32_t reg)
{
	struct vioapic_msg m = stale();
	vioapic_write(io, IOREGSEL, reg, &m);
	assert_false(m.valid);
	return vioapic_read(io, IOWIN);
}

static struct vioapic_msg reg_write(struct vioapic *io, uint32_t reg,
				    uint32_t val)
{
	struct vioapic_msg m = stale();
	vioapic_write(io, IOREGSEL, reg, &m);
	assert_false(m.valid);
	m = stale();
	vioapic_write(io, IOWIN, val, &m);
	return m;
}

/* Program pin: high half first, then low (the order Linux uses when it
 * unmasks, so the destination is in place before the mask drops). */
static struct vioapic_msg program(struct vioapic *io, unsigned pin, uint32_t lo,
				  uint8_t dest)
{
	struct vioapic_msg m = reg_write(io, REG_HI(pin), HI_DEST(dest));
	assert_false(m.valid);
	return reg_write(io, REG_LO(pin), lo);
}

static struct vioapic_msg irq(struct vioapic *io, unsigned pin, bool level)
{
	struct vioapic_msg m = stale();
	vioapic_set_irq(io, pin, level, &m);
	return m;
}

static struct vioapic_msg eoi(struct vioapic *io, uint8_t vector)
{
	struct vioapic_msg m = stale();
	vioapic_eoi(io, vector, &m);
	return m;
}

static void assert_msg(struct vioapic_msg m, uint8_t vector, uint8_t mode,
		       bool logical, bool level, uint8_t dest)
{
	assert_true(m.valid);
	assert_int_equal(m.vector, vector);
	assert_int_equal(m.mode, mode);
	assert_int_equal(m.logical, logical);
	assert_int_equal(m.level, level);
	assert_int_equal(m.dest, dest);
}

/* Field-wise, so struct padding cannot matter. */
static void assert_same(const struct vioapic *a, const struct vioapic *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->sel, b->sel);
	assert_int_equal(a->line, b->line);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(a->redir[pin], b->redir[pin]);
}

static void test_init_state(void **state)
{
	(void)state;
	struct vioapic io;
	memset(&io, 0x5A, sizeof(io));
	vioapic_init(&io, 5);
	assert_int_equal(vioapic_read(&io, IOREGSEL), 0);
	assert_int_equal(reg_read(&io, REG_ID), 0x05000000);
	assert_int_equal(reg_read(&io, REG_VER), 0x000F0011);
	assert_int_equal(reg_read(&io, REG_ARB) & 0x0F000000, 0x05000000);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		assert_int_equal(reg_read(&io, REG_LO(pin)), LO_MASK);
		assert_int_equal(reg_read(&io, REG_HI(pin)), 0);
	}
	assert_int_equal(io.line, 0);
}

static void test_ioregsel_readback(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);
	struct vioapic_msg m = stale();
	vioapic_write(&io, IOREGSEL, 0x23, &m);
	assert_false(m.valid);
	assert_int_equal(vioapic_read(&io, IOREGSEL), 0x23);
	/* IOREGSEL is an 8-bit register. */
	vioapic_write(&io, IOREGSEL, 0xABCD0012, &m);
	assert_int_equal(vioapic_read(&io, IOREGSEL), 0x12);
	assert_int_equal(vioapic_read(&io, IOWIN), LO_MASK); /* entry 1 low */
}

static void test_entry_read_write(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);

	uint32_t lo =
	    0x31 | LO_MODE(5) | LO_LOGICAL | LO_POLARITY | LO_LEVEL | LO_MASK;
	struct vioapic_msg m = reg_write(&io, REG_LO(7), lo);
	assert_false(m.valid);
	m = reg_write(&io, REG_HI(7), 0xC3000000);
	assert_false(m.valid);
	assert_int_equal(reg_read(&io, REG_LO(7)), lo);
	assert_int_equal(reg_read(&io, REG_HI(7)), 0xC3000000);

	/* Writing one half leaves the other alone. */
	reg_write(&io, REG_HI(7), 0x01000000);
	assert_int_equal(reg_read(&io, REG_LO(7)), lo);
	reg_write(&io, REG_LO(7), 0x42 | LO_MASK);
	assert_int_equal(reg_read(&io, REG_HI(7)), 0x01000000);
	assert_int_equal(reg_read(&io, REG_LO(7)), 0x42 | LO_MASK);

	/* Neighbours are untouched. */
	assert_int_equal(reg_read(&io, REG_LO(6)), LO_MASK);
	assert_int_equal(reg_read(&io, REG_HI(6)), 0);
	assert_int_equal(reg_read(&io, REG_LO(8)), LO_MASK);
	assert_int_equal(reg_read(&io, REG_HI(8)), 0);

	/* First and last entries are reachable. */
	reg_write(&io, REG_LO(0), 0x20 | LO_MASK);
	reg_write(&io, REG_HI(15), HI_DEST(0x7F));
	assert_int_equal(reg_read(&io, REG_LO(0)), 0x20 | LO_MASK);
	assert_int_equal(reg_read(&io, REG_HI(15)), HI_DEST(0x7F));
}

static void test_entry_reserved_and_readonly_bits(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);

	/* Status (12), remote IRR (14) and reserved bits read back as 0. */
	struct vioapic_msg m = reg_write(&io, REG_LO(2), 0xFFFFFFFF);
	assert_false(m.valid);
	assert_int_equal(reg_read(&io, REG_LO(2)), LO_WRITABLE);
	assert_int_equal(reg_read(&io, REG_LO(2)) & (LO_STATUS | LO_REMOTE), 0);
	reg_write(&io, REG_HI(2), 0xFFFFFFFF);
	assert_int_equal(reg_read(&io, REG_HI(2)), 0xFF000000);

	reg_write(&io, REG_LO(2), LO_STATUS | LO_REMOTE | LO_MASK);
	assert_int_equal(reg_read(&io, REG_LO(2)), LO_MASK);

	/* A set remote IRR survives writes that try to clear it. */
	program(&io, 4, 0x60 | LO_LEVEL, 0);
	m = irq(&io, 4, true);
	assert_true(m.valid);
	assert_true(reg_read(&io, REG_LO(4)) & LO_REMOTE);
	m = reg_write(&io, REG_LO(4), 0x60 | LO_LEVEL | LO_MASK);
	assert_false(m.valid);
	assert_int_equal(reg_read(&io, REG_LO(4)),
			 0x60 | LO_LEVEL | LO_MASK | LO_REMOTE);
	m = reg_write(&io, REG_HI(4), HI_DEST(3));
	assert_false(m.valid);
	assert_true(reg_read(&io, REG_LO(4)) & LO_REMOTE);
}

static void test_id_register(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 2);
	struct vioapic_msg m = reg_write(&io, REG_ID, 0x0A000000);
	assert_false(m.valid);
	assert_int_equal(reg_read(&io, REG_ID), 0x0A000000);
	/* Only bits 27:24 are implemented. */
	reg_write(&io, REG_ID, 0xFFFFFFFF);
	assert_int_equal(reg_read(&io, REG_ID), 0x0F000000);
	reg_write(&io, REG_ID, 0x00000000);
	assert_int_equal(reg_read(&io, REG_ID), 0);

	/* Version and arbitration are read-only. */
	reg_write(&io, REG_ID, 0x03000000);
	reg_write(&io, REG_VER, 0xFFFFFFFF);
	assert_int_equal(reg_read(&io, REG_VER), 0x000F0011);
	reg_write(&io, REG_ARB, 0x0C000000);
	assert_int_equal(reg_read(&io, REG_ARB) & 0x0F000000, 0x03000000);
	assert_int_equal(reg_read(&io, REG_ID), 0x03000000);
}

static void test_edge_delivery(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);
	struct vioapic_msg m = program(&io, 3, 0x41, 0x02);
	assert_false(m.valid);

	m = irq(&io, 3, true);
	assert_msg(m, 0x41, 0, false, false, 0x02);
	/* Edge entries never set remote IRR. */
	assert_int_equal(reg_read(&io, REG_LO(3)), 0x41);

	/* Holding the line is not a new edge. */
	m = irq(&io, 3, true);
	assert_false(m.valid);
	m = irq(&io, 3, false);
	assert_false(m.valid);
	m = irq(&io, 3, false);
	assert_false(m.valid);
	m = irq(&io, 3, true);
	assert_msg(m, 0x41, 0, false, false, 0x02);

	/* An EOI for the vector means nothing to an edge entry. */
	m = eoi(&io, 0x41);
	assert_false(m.valid);
}

static void test_edge_message_fields(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);

	/* Lowest priority, logical, to a cluster of CPUs. */
	program(&io, 9, 0xA9 | LO_MODE(1) | LO_LOGICAL, 0x0F);
	struct vioapic_msg m = irq(&io, 9, true);
	assert_msg(m, 0xA9, 1, true, false, 0x0F);
	irq(&io, 9, false);

	/* Every delivery mode is passed through as programmed. */
	for (uint8_t mode = 0; mode < 8; mode++) {
		program(&io, 9, (0x50u + mode) | LO_MODE(mode),
			(uint8_t)(0xF0 + mode));
		m = irq(&io, 9, true);
		assert_msg(m, (uint8_t)(0x50 + mode), mode, false, false,
			   (uint8_t)(0xF0 + mode));
		m = irq(&io, 9, false);
		assert_false(m.valid);
	}

	/* Polarity is stored but the device side is the logical level. */
	program(&io, 10, 0x77 | LO_POLARITY, 1);
	m = irq(&io, 10, true);
	assert_msg(m, 0x77, 0, false, false, 1);
}

static void test_edge_masked(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);
	program(&io, 1, 0x31 | LO_MASK, 0);

	struct vioapic_msg m = irq(&io, 1, true);
	assert_false(m.valid);
	/* Unmasking an edge pin does not replay the edge it missed. */
	m = reg_write(&io, REG_LO(1), 0x31);
	assert_false(m.valid);
	m = irq(&io, 1, true);
	assert_false(m.valid);
	/* The next real edge is delivered. */
	irq(&io, 1, false);
	m = irq(&io, 1, true);
	assert_msg(m, 0x31, 0, false, false, 0);

	/* Masking again suppresses the next edge. */
	irq(&io, 1, false);
	reg_write(&io, REG_LO(1), 0x31 | LO_MASK);
	m = irq(&io, 1, true);
	assert_false(m.valid);
	m = reg_write(&io, REG_LO(1), 0x31);
	assert_false(m.valid);
}

static void test_level_delivery(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);
	program(&io, 11, 0x52 | LO_LEVEL, 0x01);
	assert_int_equal(reg_read(&io, REG_LO(11)) & LO_REMOTE, 0);

	struct vioapic_msg m = irq(&io, 11, true);
	assert_msg(m, 0x52, 0, false, true, 0x01);
	assert_int_equal(reg_read(&io, REG_LO(11)),
			 0x52 | LO_LEVEL | LO_REMOTE);

	/* Still in service: no re-delivery however often the line is set. */
	m = irq(&io, 11, true);
	assert_false(m.valid);
	m = irq(&io, 11, true);
	assert_false(m.valid);

	/* An EOI for another vector leaves the entry in service. */
	m = eoi(&io, 0x53);
	assert_false(m.valid);
	assert_true(reg_read(&io, REG_LO(11)) & LO_REMOTE);

	/* EOI with the line still asserted: re-delivered, IRR set again. */
	m = eoi(&io, 0x52);
	assert_msg(m, 0x52, 0, false, true, 0x01);
	assert_true(reg_read(&io, REG_LO(11)) & LO_REMOTE);

	/* Deassert, then EOI: cleared, nothing sent. */
	m = irq(&io, 11, false);
	assert_false(m.valid);
	assert_true(reg_read(&io, REG_LO(11)) & LO_REMOTE);
	m = eoi(&io, 0x52);
	assert_false(m.valid);
	assert_int_equal(reg_read(&io, REG_LO(11)), 0x52 | LO_LEVEL);

	/* A spurious second EOI does nothing. */
	m = eoi(&io, 0x52);
	assert_false(m.valid);

	/* The next assertion is delivered again. */
	m = irq(&io, 11, true);
	assert_msg(m, 0x52, 0, false, true, 0x01);
}

static void test_level_deassert_before_eoi(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);
	program(&io, 5, 0x65 | LO_LEVEL | LO_LOGICAL | LO_MODE(1), 0x03);

	struct vioapic_msg m = irq(&io, 5, true);
	assert_msg(m, 0x65, 1, true, true, 0x03);
	/* A new assertion before the EOI is held off, then sent on EOI. */
	irq(&io, 5, false);
	m = irq(&io, 5, true);
	assert_false(m.valid);
	m = eoi(&io, 0x65);
	assert_msg(m, 0x65, 1, true, true, 0x03);
}

static void test_level_unmask(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);
	program(&io, 10, 0x70 | LO_LEVEL | LO_MASK, 0x04);

	struct vioapic_msg m = irq(&io, 10, true);
	assert_false(m.valid);
	assert_int_equal(reg_read(&io, REG_LO(10)) & LO_REMOTE, 0);
	/* Reprogramming the destination while masked sends nothing. */
	m = reg_write(&io, REG_HI(10), HI_DEST(0x08));
	assert_false(m.valid);

	m = reg_write(&io, REG_LO(10), 0x70 | LO_LEVEL);
	assert_msg(m, 0x70, 0, false, true, 0x08);
	assert_true(reg_read(&io, REG_LO(10)) & LO_REMOTE);

	/* Rewriting the entry while in service sends nothing more. */
	m = reg_write(&io, REG_LO(10), 0x70 | LO_LEVEL);
	assert_false(m.valid);

	/* Masked, EOI'd: cleared but held; unmasking delivers. */
	reg_write(&io, REG_LO(10), 0x70 | LO_LEVEL | LO_MASK);
	m = eoi(&io, 0x70);
	assert_false(m.valid);
	assert_int_equal(reg_read(&io, REG_LO(10)) & LO_REMOTE, 0);
	m = reg_write(&io, REG_LO(10), 0x70 | LO_LEVEL);
	assert_msg(m, 0x70, 0, false, true, 0x08);

	/* Unmasking a deasserted level pin sends nothing. */
	program(&io, 11, 0x71 | LO_LEVEL | LO_MASK, 0);
	m = reg_write(&io, REG_LO(11), 0x71 | LO_LEVEL);
	assert_false(m.valid);
	irq(&io, 11, true);
	irq(&io, 11, false);
	eoi(&io, 0x71);
	reg_write(&io, REG_LO(11), 0x71 | LO_LEVEL | LO_MASK);
	m = reg_write(&io, REG_LO(11), 0x71 | LO_LEVEL);
	assert_false(m.valid);
}

static void test_level_eoi_per_vector(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);
	program(&io, 12, 0x90 | LO_LEVEL, 0);
	program(&io, 13, 0x91 | LO_LEVEL, 0);

	assert_true(irq(&io, 12, true).valid);
	assert_true(irq(&io, 13, true).valid);
	struct vioapic_msg m = eoi(&io, 0x91);
	assert_msg(m, 0x91, 0, false, true, 0);
	irq(&io, 13, false);
	m = eoi(&io, 0x91);
	assert_false(m.valid);
	assert_true(reg_read(&io, REG_LO(12)) & LO_REMOTE);
	assert_int_equal(reg_read(&io, REG_LO(13)) & LO_REMOTE, 0);
	irq(&io, 12, false);
	m = eoi(&io, 0x90);
	assert_false(m.valid);
	assert_int_equal(reg_read(&io, REG_LO(12)) & LO_REMOTE, 0);
}

static void test_pin_out_of_range(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 0);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		program(&io, pin, 0x40 + pin, 0);
	struct vioapic before = io;

	const unsigned bad[] = {16, 23, 24, 31, 32, 63, 255, 0xFFFFFFFF};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vioapic_msg m = irq(&io, bad[i], true);
		assert_false(m.valid);
		m = irq(&io, bad[i], false);
		assert_false(m.valid);
	}
	assert_same(&io, &before);
}

static void test_other_offsets(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 6);
	program(&io, 0, 0x33 | LO_MASK, 0x12);
	struct vioapic_msg m = stale();
	vioapic_write(&io, IOREGSEL, REG_LO(0), &m);
	struct vioapic before = io;

	const uint32_t offs[] = {0x01, 0x04, 0x08, 0x0C, 0x0F, 0x11,
				 0x14, 0x18, 0x20, 0x40, 0xFF, 0x1000};
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		m = stale();
		vioapic_write(&io, offs[i], 0xFFFFFFFF, &m);
		assert_false(m.valid);
		assert_int_equal(vioapic_read(&io, offs[i]), 0);
	}
	assert_same(&io, &before);
	assert_int_equal(vioapic_read(&io, IOWIN), 0x33 | LO_MASK);
}

static void test_unused_registers(void **state)
{
	(void)state;
	struct vioapic io;
	vioapic_init(&io, 9);
	const uint32_t regs[] = {0x03, 0x04, 0x08, 0x0F, 0x30,
				 0x3F, 0x40, 0x41, 0x80, 0xFF};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		assert_int_equal(reg_read(&io, regs[i]), 0);
		struct vioapic before = io;
		struct vioapic_msg m = reg_write(&io, regs[i], 0xFFFFFFFF);
		assert_false(m.valid);
		io.sel = before.sel;
		assert_same(&io, &before);
		assert_int_equal(reg_read(&io, regs[i]), 0);
	}
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		assert_int_equal(reg_read(&io, REG_LO(pin)), LO_MASK);
	assert_int_equal(reg_read(&io, REG_ID), 0x09000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_state),
	    cmocka_unit_test(test_ioregsel_readback),
	    cmocka_unit_test(test_entry_read_write),
	    cmocka_unit_test(test_entry_reserved_and_readonly_bits),
	    cmocka_unit_test(test_id_register),
	    cmocka_unit_test(test_edge_delivery),
	    cmocka_unit_test(test_edge_message_fields),
	    cmocka_unit_test(test_edge_masked),
	    cmocka_unit_test(test_level_delivery),
	    cmocka_unit_test(test_level_deassert_before_eoi),
	    cmocka_unit_test(test_level_unmask),
	    cmocka_unit_test(test_level_eoi_per_vector),
	    cmocka_unit_test(test_pin_out_of_range),
	    cmocka_unit_test(test_other_offsets),
	    cmocka_unit_test(test_unused_registers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
