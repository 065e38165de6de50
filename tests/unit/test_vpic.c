/* Unit tests for hv/vpic.c: the virtual 8259A pair, driven the way Linux
 * 6.1's arch/x86/kernel/i8259.c drives it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hv/vdev/vpic.h"

#define M_CMD  0x20
#define M_DATA 0x21
#define S_CMD  0xA0
#define S_DATA 0xA1

/* Linux's probe_8259A(): mask the slave, write the master mask and expect
 * to read it back. */
static void linux_probe(struct vpic *p)
{
	vpic_write(p, S_DATA, 0xFF);
	vpic_write(p, M_DATA, 0xFB);
	assert_int_equal(vpic_read(p, M_DATA), 0xFB);
}

/* Linux's init_8259A(auto_eoi), then the given masks. */
static void linux_init_aeoi(struct vpic *p, uint8_t mmask, uint8_t smask,
			    bool aeoi)
{
	vpic_write(p, M_DATA, 0xFF);
	vpic_write(p, M_CMD, 0x11);
	vpic_write(p, M_DATA, 0x30);
	vpic_write(p, M_DATA, 1u << 2);
	vpic_write(p, M_DATA, aeoi ? 0x03 : 0x01);
	vpic_write(p, S_CMD, 0x11);
	vpic_write(p, S_DATA, 0x38);
	vpic_write(p, S_DATA, 2);
	vpic_write(p, S_DATA, 0x01);
	vpic_write(p, M_DATA, mmask);
	vpic_write(p, S_DATA, smask);
}

static void linux_init(struct vpic *p, uint8_t mmask, uint8_t smask)
{
	linux_init_aeoi(p, mmask, smask, false);
}

/* Linux's mask_and_ack_8259A() EOI part (specific EOIs). */
static void linux_eoi(struct vpic *p, unsigned irq)
{
	if (irq & 8) {
		vpic_write(p, S_CMD, (uint8_t)(0x60 + (irq & 7)));
		vpic_write(p, M_CMD, 0x62);
	} else {
		vpic_write(p, M_CMD, (uint8_t)(0x60 + irq));
	}
}

static void pulse(struct vpic *p, unsigned irq)
{
	vpic_set_irq(p, irq, true);
	vpic_set_irq(p, irq, false);
}

static uint8_t read_isr(struct vpic *p, uint16_t cmd)
{
	vpic_write(p, cmd, 0x0B);
	uint8_t v = vpic_read(p, cmd);
	vpic_write(p, cmd, 0x0A);
	return v;
}

static void test_owns_port(void **state)
{
	(void)state;
	const uint16_t yes[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1};
	const uint16_t no[] = {0x1F, 0x22, 0x40,  0x60,
			       0x9F, 0xA2, 0x4CF, 0x4D2};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(vpic_owns_port(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(vpic_owns_port(no[i]));

	struct vpic p;
	vpic_init(&p);
	assert_int_equal(vpic_read(&p, 0x60), 0xFF);
	vpic_write(&p, 0x60, 0x12); /* ignored */
}

static void test_power_on_state(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	assert_int_equal(vpic_read(&p, M_DATA), 0xFF);
	assert_int_equal(vpic_read(&p, S_DATA), 0xFF);
	assert_int_equal(vpic_pending(&p), -1);
	pulse(&p, 0);
	assert_int_equal(vpic_pending(&p), -1); /* masked */
	vpic_write(&p, M_DATA, 0xFE);
	assert_int_equal(vpic_pending(&p), 0x08); /* BIOS-style base */
}

static void test_linux_probe(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_probe(&p);
	vpic_write(&p, M_DATA, 0xFF);
	assert_int_equal(vpic_read(&p, M_DATA), 0xFF);
	vpic_write(&p, S_DATA, 0x5A);
	assert_int_equal(vpic_read(&p, S_DATA), 0x5A);
	assert_int_equal(vpic_read(&p, M_DATA), 0xFF);
}

static void test_linux_init_sequence(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_probe(&p);

	/* ICW1 clears the IMR and selects IRR reads. */
	vpic_write(&p, M_DATA, 0xFF);
	vpic_write(&p, M_CMD, 0x11);
	assert_int_equal(vpic_read(&p, M_DATA), 0x00);
	/* ICW2..ICW4 go to the data port, not to the IMR. */
	vpic_write(&p, M_DATA, 0x30);
	vpic_write(&p, M_DATA, 0x04);
	assert_int_equal(vpic_read(&p, M_DATA), 0x00);
	vpic_write(&p, M_DATA, 0x01);
	/* Now the data port is OCW1 again. */
	vpic_write(&p, M_DATA, 0xFB);
	assert_int_equal(vpic_read(&p, M_DATA), 0xFB);
	assert_int_equal(p.chip[0].base, 0x30);
	assert_int_equal(p.chip[0].icw3, 0x04);
	assert_false(p.chip[0].auto_eoi);

	linux_init(&p, 0xFB, 0xFF);
	assert_int_equal(p.chip[1].base, 0x38);
	assert_int_equal(p.chip[1].icw3, 0x02);
	assert_int_equal(vpic_read(&p, M_DATA), 0xFB);
	assert_int_equal(vpic_read(&p, S_DATA), 0xFF);
	assert_int_equal(vpic_pending(&p), -1);

	/* Timer on IRQ0 once unmasked. */
	vpic_write(&p, M_DATA, 0xFA);
	pulse(&p, 0);
	assert_int_equal(vpic_pending(&p), 0x30);
	assert_int_equal(vpic_ack(&p), 0x30);
	assert_int_equal(vpic_pending(&p), -1);
	assert_int_equal(read_isr(&p, M_CMD), 0x01);
	linux_eoi(&p, 0);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);

	/* ICW2 low bits are ignored; ICW1 without IC4 skips ICW4. */
	vpic_write(&p, M_CMD, 0x10);
	vpic_write(&p, M_DATA, 0x47);
	vpic_write(&p, M_DATA, 0x04);
	vpic_write(&p, M_DATA, 0xFE); /* already OCW1 */
	assert_int_equal(vpic_read(&p, M_DATA), 0xFE);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), 0x40);
}

static void test_single_mode_skips_icw3(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	vpic_write(&p, M_CMD, 0x13); /* SNGL + IC4 */
	vpic_write(&p, M_DATA, 0x20);
	vpic_write(&p, M_DATA, 0x03); /* ICW4: AEOI */
	assert_true(p.chip[0].auto_eoi);
	vpic_write(&p, M_DATA, 0xAA);
	assert_int_equal(vpic_read(&p, M_DATA), 0xAA);
}

static void test_edge_irq(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	/* A pulse latches the request until INTA. */
	pulse(&p, 4);
	assert_int_equal(vpic_read(&p, M_CMD), 0x10);
	assert_int_equal(vpic_pending(&p), 0x34);
	assert_int_equal(vpic_ack(&p), 0x34);
	assert_int_equal(vpic_read(&p, M_CMD), 0x00);
	linux_eoi(&p, 4);
	assert_int_equal(vpic_pending(&p), -1);

	/* A line held high does not request again... */
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_ack(&p), 0x34);
	linux_eoi(&p, 4);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_pending(&p), -1);
	/* ...until it goes low and high again. */
	vpic_set_irq(&p, 4, false);
	assert_int_equal(vpic_pending(&p), -1);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_pending(&p), 0x34);

	/* Two pulses before INTA collapse into one interrupt. */
	vpic_ack(&p);
	linux_eoi(&p, 4);
	vpic_set_irq(&p, 4, false);
	pulse(&p, 3);
	pulse(&p, 3);
	assert_int_equal(vpic_ack(&p), 0x33);
	linux_eoi(&p, 3);
	assert_int_equal(vpic_pending(&p), -1);
}

static void test_level_irq(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);
	vpic_write(&p, 0x4D0, 0x20); /* IRQ5 level */
	vpic_write(&p, 0x4D1, 0x04); /* IRQ10 level */

	vpic_set_irq(&p, 5, true);
	assert_int_equal(vpic_read(&p, M_CMD), 0x20);
	assert_int_equal(vpic_ack(&p), 0x35);
	/* INTA does not clear a level request; ISR blocks it. */
	assert_int_equal(vpic_read(&p, M_CMD), 0x20);
	assert_int_equal(vpic_pending(&p), -1);
	/* Still asserted after EOI: delivered again. */
	linux_eoi(&p, 5);
	assert_int_equal(vpic_pending(&p), 0x35);
	assert_int_equal(vpic_ack(&p), 0x35);
	vpic_set_irq(&p, 5, false);
	assert_int_equal(vpic_read(&p, M_CMD), 0x00);
	linux_eoi(&p, 5);
	assert_int_equal(vpic_pending(&p), -1);

	/* Level request on the slave, through the cascade. */
	vpic_set_irq(&p, 10, true);
	assert_int_equal(vpic_read(&p, S_CMD), 0x04);
	assert_int_equal(vpic_read(&p, M_CMD), 0x04); /* IR2 = slave INT */
	assert_int_equal(vpic_ack(&p), 0x3A);
	vpic_set_irq(&p, 10, false);
	linux_eoi(&p, 10);
	assert_int_equal(vpic_pending(&p), -1);

	/* Switching to level picks up a line that is high already; switching
	 * back to edge drops it until a new edge. */
	vpic_set_irq(&p, 6, true);
	assert_int_equal(vpic_ack(&p), 0x36);
	linux_eoi(&p, 6);
	assert_int_equal(vpic_pending(&p), -1);
	vpic_write(&p, 0x4D0, 0x60);
	assert_int_equal(vpic_pending(&p), 0x36);
	vpic_write(&p, 0x4D0, 0x20);
	assert_int_equal(vpic_pending(&p), -1);
}

static void test_masking(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0xFB, 0xFF);

	/* IMR gates delivery, not latching. */
	pulse(&p, 1);
	assert_int_equal(vpic_read(&p, M_CMD), 0x02);
	assert_int_equal(vpic_pending(&p), -1);
	vpic_write(&p, M_DATA, 0xF9);
	assert_int_equal(vpic_pending(&p), 0x31);
	vpic_write(&p, M_DATA, 0xFB);
	assert_int_equal(vpic_pending(&p), -1);

	/* Slave input masked on the slave, and via IR2 on the master. */
	pulse(&p, 14);
	assert_int_equal(vpic_pending(&p), -1);
	vpic_write(&p, S_DATA, 0xBF);
	assert_int_equal(vpic_pending(&p), 0x3E);
	vpic_write(&p, M_DATA, 0xFF);
	assert_int_equal(vpic_pending(&p), -1);
	vpic_write(&p, M_DATA, 0xFB);
	assert_int_equal(vpic_ack(&p), 0x3E);
}

static void test_priority(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	pulse(&p, 4);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), 0x30); /* IRQ0 beats IRQ4 */
	/* IRQ4 is lower than IRQ0 in service: waits. */
	assert_int_equal(vpic_pending(&p), -1);
	linux_eoi(&p, 0);
	assert_int_equal(vpic_ack(&p), 0x34);

	/* A higher request nests over IRQ4 in service. */
	pulse(&p, 1);
	assert_int_equal(vpic_ack(&p), 0x31);
	assert_int_equal(read_isr(&p, M_CMD), 0x12);
	/* Same level as in service does not nest. */
	pulse(&p, 1);
	assert_int_equal(vpic_pending(&p), -1);
	linux_eoi(&p, 1);
	assert_int_equal(vpic_ack(&p), 0x31);
	linux_eoi(&p, 1);
	linux_eoi(&p, 4);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
}

static void test_cascade_priority(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	/* IRQ12 has the master's IR2 priority: above IRQ3, below IRQ1. */
	pulse(&p, 3);
	pulse(&p, 12);
	assert_int_equal(vpic_pending(&p), 0x3C);
	pulse(&p, 1);
	assert_int_equal(vpic_pending(&p), 0x31);
	assert_int_equal(vpic_ack(&p), 0x31);
	linux_eoi(&p, 1);

	assert_int_equal(vpic_ack(&p), 0x3C);
	assert_int_equal(read_isr(&p, M_CMD), 0x04);
	assert_int_equal(read_isr(&p, S_CMD), 0x10);
	/* IRQ3 (below IR2) and IRQ8 (same master level) wait. */
	pulse(&p, 8);
	assert_int_equal(vpic_pending(&p), -1);
	/* IRQ0 nests over the slave. */
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), 0x30);
	linux_eoi(&p, 0);
	assert_int_equal(vpic_pending(&p), -1);

	linux_eoi(&p, 12);
	assert_int_equal(vpic_ack(&p), 0x38);
	linux_eoi(&p, 8);
	assert_int_equal(vpic_ack(&p), 0x33);
	linux_eoi(&p, 3);
	assert_int_equal(vpic_pending(&p), -1);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
	assert_int_equal(read_isr(&p, S_CMD), 0x00);

	/* The cascade input itself is not an external line. */
	pulse(&p, 2);
	assert_int_equal(vpic_pending(&p), -1);
	pulse(&p, 16);
	pulse(&p, 1000);
	assert_int_equal(vpic_pending(&p), -1);
}

static void test_special_fully_nested(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);
	/* Re-initialise the master with ICW4.SFNM. */
	vpic_write(&p, M_CMD, 0x11);
	vpic_write(&p, M_DATA, 0x30);
	vpic_write(&p, M_DATA, 0x04);
	vpic_write(&p, M_DATA, 0x11);
	vpic_write(&p, M_DATA, 0x00);

	pulse(&p, 12);
	assert_int_equal(vpic_ack(&p), 0x3C);
	/* A higher slave input gets through despite master ISR2. */
	pulse(&p, 9);
	assert_int_equal(vpic_ack(&p), 0x39);
	/* A lower one does not (slave's own ISR). */
	pulse(&p, 13);
	assert_int_equal(vpic_pending(&p), -1);
	vpic_write(&p, S_CMD, 0x20);
	vpic_write(&p, S_CMD, 0x20);
	vpic_write(&p, M_CMD, 0x20);
	assert_int_equal(vpic_ack(&p), 0x3D);
}

static void test_eoi_kinds(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	pulse(&p, 5);
	assert_int_equal(vpic_ack(&p), 0x35);
	pulse(&p, 3);
	assert_int_equal(vpic_ack(&p), 0x33);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), 0x30);
	assert_int_equal(read_isr(&p, M_CMD), 0x29);

	/* Non-specific EOI retires the highest priority in service. */
	vpic_write(&p, M_CMD, 0x20);
	assert_int_equal(read_isr(&p, M_CMD), 0x28);
	/* Specific EOI retires exactly that level. */
	vpic_write(&p, M_CMD, 0x65);
	assert_int_equal(read_isr(&p, M_CMD), 0x08);
	vpic_write(&p, M_CMD, 0x65); /* not in service: no effect */
	assert_int_equal(read_isr(&p, M_CMD), 0x08);
	vpic_write(&p, M_CMD, 0x20);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
	vpic_write(&p, M_CMD, 0x20); /* nothing in service */
	vpic_write(&p, M_CMD, 0x40); /* OCW2 no-op */
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
}

static void test_rotation(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	/* Rotate on non-specific EOI: IRQ0 becomes the lowest. */
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), 0x30);
	vpic_write(&p, M_CMD, 0xA0);
	pulse(&p, 0);
	pulse(&p, 6);
	assert_int_equal(vpic_ack(&p), 0x36);
	/* Rotate on specific EOI of 6: 7 is now the highest. */
	vpic_write(&p, M_CMD, 0xE6);
	pulse(&p, 7);
	assert_int_equal(vpic_ack(&p), 0x37);
	vpic_write(&p, M_CMD, 0x67);
	/* Set priority: 3 lowest, so 4 highest. */
	vpic_write(&p, M_CMD, 0xC3);
	pulse(&p, 3);
	pulse(&p, 4);
	assert_int_equal(vpic_ack(&p), 0x34);
	vpic_write(&p, M_CMD, 0x20);
	assert_int_equal(vpic_ack(&p), 0x30);
	vpic_write(&p, M_CMD, 0x20);
	assert_int_equal(vpic_ack(&p), 0x33);
	vpic_write(&p, M_CMD, 0x20);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
}

static void test_auto_eoi(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init_aeoi(&p, 0x00, 0x00, true);
	assert_true(p.chip[0].auto_eoi);

	pulse(&p, 3);
	assert_int_equal(vpic_ack(&p), 0x33);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
	/* Nothing in service: the same IRQ is deliverable again. */
	pulse(&p, 3);
	assert_int_equal(vpic_ack(&p), 0x33);
	/* Lower priority is not blocked either. */
	pulse(&p, 7);
	assert_int_equal(vpic_ack(&p), 0x37);

	/* Slave (normal EOI) through an auto-EOI master. */
	pulse(&p, 11);
	assert_int_equal(vpic_ack(&p), 0x3B);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
	assert_int_equal(read_isr(&p, S_CMD), 0x08);

	/* Rotate in auto-EOI mode. */
	vpic_write(&p, M_CMD, 0x80);
	pulse(&p, 0);
	assert_int_equal(vpic_ack(&p), 0x30);
	pulse(&p, 0);
	pulse(&p, 1);
	assert_int_equal(vpic_ack(&p), 0x31); /* 0 is now lowest */
	vpic_write(&p, M_CMD, 0x00);
	assert_false(p.chip[0].rotate_aeoi);

	/* ICW1 without IC4 clears the ICW4 functions. */
	vpic_write(&p, M_CMD, 0x10);
	vpic_write(&p, M_DATA, 0x30);
	vpic_write(&p, M_DATA, 0x04);
	assert_false(p.chip[0].auto_eoi);
}

static void test_ocw3_read_select(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	pulse(&p, 6);
	assert_int_equal(vpic_ack(&p), 0x36);
	pulse(&p, 10);
	/* IRR by default. */
	assert_int_equal(vpic_read(&p, M_CMD), 0x04); /* IR2 from slave */
	assert_int_equal(vpic_read(&p, S_CMD), 0x04);
	vpic_write(&p, M_CMD, 0x0B);
	assert_int_equal(vpic_read(&p, M_CMD), 0x40);
	assert_int_equal(vpic_read(&p, M_CMD), 0x40);  /* sticky */
	assert_int_equal(vpic_read(&p, M_DATA), 0x00); /* IMR unaffected */
	assert_int_equal(vpic_read(&p, S_CMD), 0x04);  /* slave still IRR */
	/* OCW3 without RR keeps the selection. */
	vpic_write(&p, M_CMD, 0x08);
	assert_int_equal(vpic_read(&p, M_CMD), 0x40);
	vpic_write(&p, M_CMD, 0x0A);
	assert_int_equal(vpic_read(&p, M_CMD), 0x04);

	/* Linux's i8259A_irq_real() / irq_pending() patterns. */
	assert_int_equal(read_isr(&p, M_CMD) & 0x40, 0x40);
	assert_int_equal(vpic_read(&p, S_CMD) & 0x04, 0x04);
}

static void test_poll_mode(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	vpic_write(&p, M_CMD, 0x0C);
	assert_int_equal(vpic_read(&p, M_CMD), 0x00); /* nothing requested */
	pulse(&p, 5);
	vpic_write(&p, M_CMD, 0x0C);
	assert_int_equal(vpic_read(&p, M_DATA), 0x85); /* poll on either */
	assert_int_equal(read_isr(&p, M_CMD), 0x20);
	assert_int_equal(vpic_read(&p, M_DATA), 0x00); /* poll is one-shot */
	vpic_write(&p, M_CMD, 0x20);

	pulse(&p, 13);
	vpic_write(&p, M_CMD, 0x0C);
	assert_int_equal(vpic_read(&p, M_CMD), 0x82);
	vpic_write(&p, S_CMD, 0x0C);
	assert_int_equal(vpic_read(&p, S_CMD), 0x85);
	assert_int_equal(read_isr(&p, S_CMD), 0x20);
	assert_int_equal(vpic_pending(&p), -1);
}

static void test_special_mask_mode(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	pulse(&p, 1);
	assert_int_equal(vpic_ack(&p), 0x31);
	pulse(&p, 5);
	assert_int_equal(vpic_pending(&p), -1);
	/* Mask the in-service level and enter special mask mode. */
	vpic_write(&p, M_DATA, 0x02);
	vpic_write(&p, M_CMD, 0x68);
	assert_int_equal(vpic_pending(&p), 0x35);
	/* Leave special mask mode: IRQ1 in service blocks again. */
	vpic_write(&p, M_CMD, 0x48);
	assert_int_equal(vpic_pending(&p), -1);
}

static void test_spurious(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	/* INTA with nothing requested. */
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);

	/* A level request that vanishes between INT and INTA. */
	vpic_write(&p, 0x4D0, 0x20);
	vpic_set_irq(&p, 5, true);
	assert_int_equal(vpic_pending(&p), 0x35);
	vpic_set_irq(&p, 5, false);
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);

	/* A request masked between INT and INTA. */
	pulse(&p, 4);
	assert_int_equal(vpic_pending(&p), 0x34);
	vpic_write(&p, M_DATA, 0x10);
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
	vpic_write(&p, M_DATA, 0x00);
	assert_int_equal(vpic_ack(&p), 0x34); /* edge stayed latched */

	/* A slave request that vanishes: the master sees IR2 drop. */
	vpic_write(&p, M_CMD, 0x20);
	vpic_write(&p, 0x4D1, 0x08);
	vpic_set_irq(&p, 11, true);
	assert_int_equal(vpic_pending(&p), 0x3B);
	vpic_set_irq(&p, 11, false);
	assert_int_equal(vpic_ack(&p), 0x37);
	assert_int_equal(read_isr(&p, M_CMD), 0x00);
	assert_int_equal(read_isr(&p, S_CMD), 0x00);
}

static void test_elcr(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	assert_int_equal(vpic_read(&p, 0x4D0), 0x00);
	assert_int_equal(vpic_read(&p, 0x4D1), 0x00);
	vpic_write(&p, 0x4D0, 0xFF);
	vpic_write(&p, 0x4D1, 0xFF);
	assert_int_equal(vpic_read(&p, 0x4D0), 0xF8); /* IRQ0-2 edge */
	assert_int_equal(vpic_read(&p, 0x4D1), 0xDE); /* IRQ8, 13 edge */
	vpic_write(&p, 0x4D1, 0x0C);
	assert_int_equal(vpic_read(&p, 0x4D1), 0x0C);

	/* Re-initialising the PICs keeps ELCR. */
	linux_init(&p, 0x00, 0x00);
	assert_int_equal(vpic_read(&p, 0x4D0), 0xF8);
	assert_int_equal(vpic_read(&p, 0x4D1), 0x0C);
}

static void test_icw1_resets_edge_sense(void **state)
{
	(void)state;
	struct vpic p;
	vpic_init(&p);
	linux_init(&p, 0x00, 0x00);

	pulse(&p, 3);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_ack(&p), 0x33);
	linux_init(&p, 0x00, 0x00);
	assert_int_equal(vpic_read(&p, M_CMD), 0x00); /* IRR cleared */
	assert_int_equal(read_isr(&p, M_CMD), 0x00);  /* ISR cleared */
	vpic_set_irq(&p, 4, true);		      /* still high: no edge */
	assert_int_equal(vpic_pending(&p), -1);
	vpic_set_irq(&p, 4, false);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_pending(&p), 0x34);

	/* A level line survives re-initialisation. */
	vpic_write(&p, 0x4D0, 0x40);
	vpic_set_irq(&p, 6, true);
	linux_init(&p, 0x00, 0x00);
	assert_int_equal(vpic_read(&p, M_CMD) & 0x40, 0x40);
}

/* Arbitrary guest port writes and line changes: no UB (sanitizers), and
 * results stay within range. */
static void test_untrusted_inputs(void **state)
{
	(void)state;
	const uint16_t ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1, 0x22};
	uint32_t x = 0x12345678;
	struct vpic p;

	vpic_init(&p);
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint16_t port = ports[x % 7];
		switch ((x >> 8) % 6) {
		case 0:
			vpic_write(&p, port, (uint8_t)(x >> 16));
			break;
		case 1:
			(void)vpic_read(&p, port);
			break;
		case 2:
			vpic_set_irq(&p, (x >> 16) % 20, (x >> 24) & 1);
			break;
		case 3: {
			int v = vpic_pending(&p);
			assert_true(v >= -1 && v <= 255);
			break;
		}
		case 4: {
			int v = vpic_ack(&p);
			assert_true(v >= 0 && v <= 255);
			break;
		}
		default: {
			int v = vpic_pending(&p);
			if (v >= 0)
				assert_int_equal(vpic_ack(&p), v);
			break;
		}
		}
		assert_int_equal(p.chip[0].elcr & 0x07, 0);
		assert_int_equal(p.chip[1].elcr & 0x21, 0);
		assert_true(p.chip[0].prio_add < 8 && p.chip[1].prio_add < 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_owns_port),
	    cmocka_unit_test(test_power_on_state),
	    cmocka_unit_test(test_linux_probe),
	    cmocka_unit_test(test_linux_init_sequence),
	    cmocka_unit_test(test_single_mode_skips_icw3),
	    cmocka_unit_test(test_edge_irq),
	    cmocka_unit_test(test_level_irq),
	    cmocka_unit_test(test_masking),
	    cmocka_unit_test(test_priority),
	    cmocka_unit_test(test_cascade_priority),
	    cmocka_unit_test(test_special_fully_nested),
	    cmocka_unit_test(test_eoi_kinds),
	    cmocka_unit_test(test_rotation),
	    cmocka_unit_test(test_auto_eoi),
	    cmocka_unit_test(test_ocw3_read_select),
	    cmocka_unit_test(test_poll_mode),
	    cmocka_unit_test(test_special_mask_mode),
	    cmocka_unit_test(test_spurious),
	    cmocka_unit_test(test_elcr),
	    cmocka_unit_test(test_icw1_resets_edge_sense),
	    cmocka_unit_test(test_untrusted_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
