/* libFuzzer harness: virtual 8259A pair (hv/vpic.c).
 *
 * Input: up to 512 operations. Operation byte: bits 0-2 the kind, bits
 * 3-7 modifiers; port operations pick the port with bits 3-5 (0x20, 0x21,
 * 0xA0, 0xA1, 0x4D0, 0x4D1, 0x22, or a raw port(2)):
 *   0 port write: value(1)        1 port read
 *   2 set_irq: irq(1) (% 32; bit 3: raw irq(4)), bit 4 level
 *   3 INTA (vpic_ack)             4 pulse: irq(1) % 16, high then low
 *   5 init: bit 3 slave; ICW1(1) ICW2(1) ICW3(1) ICW4(1), as expected
 *   6 OCW2/OCW3: bit 3 slave; value(1) (never ICW1)
 *   7 service: INTA, then a non-specific EOI to the chip(s) involved
 * Properties:
 * - vpic_pending() is what vpic_ack() returns right after (the master's
 *   IRQ7 vector, with no state change, when it is -1); vectors are -1 or
 *   inside a programmed base's eight;
 * - level inputs: IRR follows the line; edge inputs latch on a rising
 *   line and a falling line does not clear them; the cascade input 2 and
 *   irq > 15 are ignored; the master's IRR/line bit 2 stays clear;
 * - ELCR keeps IRQ0-2, 8 and 13 edge; unowned ports read 0xFF and writes
 *   change nothing; reads other than poll change nothing and return IMR,
 *   IRR or ISR as selected; a poll read returns 0 or 0x80 | irq;
 * - ICW1 resets the chip as documented, ICW2 sets the base, OCW1 the IMR. */
#include "hv/vdev/vpic.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_OPS 512u

static const uint16_t ports[7] = {
    VPIC_MASTER_CMD,  VPIC_MASTER_DATA, VPIC_SLAVE_CMD, VPIC_SLAVE_DATA,
    VPIC_ELCR_MASTER, VPIC_ELCR_SLAVE,	0x22,
};

static struct vpic pic;

static bool same(const struct vpic *a, const struct vpic *b)
{
	return !memcmp(a, b, sizeof(*a)); /* all uint8_t/bool: no padding */
}

static bool owned(uint16_t port)
{
	for (unsigned i = 0; i < 6; i++)
		if (port == ports[i])
			return true;
	return false;
}

static bool in_base(int v, uint8_t base)
{
	return v >= base && v < base + 8;
}

static void check_vector(int v)
{
	CHECK(v == -1 || in_base(v, pic.chip[0].base) ||
	      in_base(v, pic.chip[1].base));
}

static void check_invariants(void)
{
	int p = vpic_pending(&pic);

	check_vector(p);
	CHECK(vpic_pending(&pic) == p);
	CHECK((pic.chip[0].irr & 4) == 0 && (pic.chip[0].line & 4) == 0);
	CHECK((pic.chip[0].elcr & ~0xF8u) == 0);
	CHECK((pic.chip[1].elcr & ~0xDEu) == 0);
	for (unsigned n = 0; n < 2; n++) {
		const struct vpic_chip *c = &pic.chip[n];

		CHECK((c->base & 7) == 0);
		CHECK(c->prio_add < 8);
		CHECK(c->init_state == 0 || c->init_state == 2 ||
		      c->init_state == 3 || c->init_state == 4);
		CHECK(((c->irr ^ c->line) & c->elcr) == 0);
	}
}

static void do_ack(void)
{
	struct vpic pre = pic;
	int p = vpic_pending(&pic), a = vpic_ack(&pic);

	if (p < 0) {
		CHECK(a == pre.chip[0].base + 7);
		CHECK(same(&pic, &pre)); /* spurious: no ISR bit */
		return;
	}
	CHECK(a == p);
	/* The master's ISR takes a new bit (the slave's IR2 may already be
	 * in service under special fully nested mode). */
	if (!pre.chip[0].auto_eoi && !pre.chip[0].sfnm)
		CHECK(pic.chip[0].isr & ~pre.chip[0].isr);
}

static void do_write(uint16_t port, uint8_t val)
{
	struct vpic pre = pic;
	unsigned n = (port == VPIC_SLAVE_CMD || port == VPIC_SLAVE_DATA ||
		      port == VPIC_ELCR_SLAVE);
	struct vpic_chip *c = &pic.chip[n];
	const struct vpic_chip *o = &pre.chip[n];

	vpic_write(&pic, port, val);
	CHECK(vpic_owns_port(port) == owned(port));
	if (!owned(port)) {
		CHECK(same(&pic, &pre));
		return;
	}
	CHECK(!memcmp(&pic.chip[!n], &pre.chip[!n], sizeof(pic.chip[0])));
	if (port == VPIC_ELCR_MASTER || port == VPIC_ELCR_SLAVE) {
		CHECK(c->elcr == (val & o->elcr_mask));
		CHECK(c->line == o->line);
		return;
	}
	if (port == VPIC_MASTER_DATA || port == VPIC_SLAVE_DATA) {
		if (o->init_state == 0)
			CHECK(c->imr == val);
		if (o->init_state == 2)
			CHECK(c->base == (val & 0xF8));
		return;
	}
	if (val & 0x10) { /* ICW1 */
		CHECK(c->init_state == 2);
		CHECK(c->isr == 0 && c->imr == 0);
		CHECK(c->irr == (o->line & o->elcr));
		CHECK(c->prio_add == 0 && !c->special_mask && !c->poll);
	}
}

static void do_read(uint16_t port)
{
	struct vpic pre = pic;
	unsigned n = (port & 0x80) ? 1 : 0;
	const struct vpic_chip *o = &pre.chip[n];
	uint8_t v = vpic_read(&pic, port);

	if (!owned(port)) {
		CHECK(v == 0xFF);
		CHECK(same(&pic, &pre));
		return;
	}
	if (port == VPIC_ELCR_MASTER || port == VPIC_ELCR_SLAVE) {
		CHECK(v == pre.chip[port & 1].elcr);
		CHECK(same(&pic, &pre));
		return;
	}
	if (o->poll) {
		CHECK(v == 0 || (v & 0x78) == 0x00);
		CHECK(v == 0 || (v & 0x80));
		CHECK(!pic.chip[n].poll);
		return;
	}
	CHECK(same(&pic, &pre));
	if (port & 1)
		CHECK(v == o->imr);
	else if (o->read_isr)
		CHECK(v == o->isr);
	else if (n == 1)
		CHECK(v == o->irr);
	else /* IR2 shows the slave's INT output */
		CHECK((v & ~4u) == (o->irr & ~4u));
}

static void set_irq(unsigned irq, bool level)
{
	struct vpic pre = pic;
	unsigned n = irq >> 3;
	uint8_t bit;

	vpic_set_irq(&pic, irq, level);
	if (irq > 15 || irq == VPIC_CASCADE_IRQ) {
		CHECK(same(&pic, &pre));
		return;
	}
	bit = (uint8_t)(1u << (irq & 7));
	CHECK(!!(pic.chip[n].line & bit) == level);
	if (pre.chip[n].elcr & bit)
		CHECK(!!(pic.chip[n].irr & bit) == level);
	else if (level && !(pre.chip[n].line & bit))
		CHECK(pic.chip[n].irr & bit);
	else
		CHECK((pic.chip[n].irr & bit) == (pre.chip[n].irr & bit));
	pre.chip[n].line = pic.chip[n].line;
	pre.chip[n].irr = pic.chip[n].irr;
	CHECK(same(&pic, &pre));
}

static uint16_t pick_port(struct reader *rd, unsigned op)
{
	unsigned i = (op >> 3) & 7;

	return i < 7 ? ports[i] : (uint16_t)take(rd, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};

	vpic_init(&pic);
	CHECK(pic.chip[0].base == 0x08 && pic.chip[1].base == 0x70);
	CHECK(pic.chip[0].imr == 0xFF && pic.chip[1].imr == 0xFF);
	CHECK(vpic_pending(&pic) == -1);
	check_invariants();

	for (unsigned n = 0; n < MAX_OPS && rd.n; n++) {
		unsigned op = (unsigned)take(&rd, 1), irq;
		uint16_t port, cmd = op & 8 ? VPIC_SLAVE_CMD : VPIC_MASTER_CMD;
		int p;

		switch (op & 7) {
		case 0:
			port = pick_port(&rd, op);
			do_write(port, (uint8_t)take(&rd, 1));
			break;
		case 1:
			do_read(pick_port(&rd, op));
			break;
		case 2:
			irq = (unsigned)take(&rd, op & 8 ? 4 : 1);
			set_irq(op & 8 ? irq : irq % 32, op & 16);
			break;
		case 3:
			do_ack();
			break;
		case 4:
			irq = (unsigned)take(&rd, 1) % 16;
			set_irq(irq, true);
			set_irq(irq, false);
			break;
		case 5:
			do_write(cmd, (uint8_t)(take(&rd, 1) | 0x10));
			do_write(cmd + 1, (uint8_t)take(&rd, 1));
			if (pic.chip[cmd == VPIC_SLAVE_CMD].init_state == 3)
				do_write(cmd + 1, (uint8_t)take(&rd, 1));
			if (pic.chip[cmd == VPIC_SLAVE_CMD].init_state == 4)
				do_write(cmd + 1, (uint8_t)take(&rd, 1));
			break;
		case 6:
			do_write(cmd, (uint8_t)(take(&rd, 1) & ~0x10u));
			break;
		default:
			p = vpic_pending(&pic);
			do_ack();
			if (p >= 0 && in_base(p, pic.chip[1].base))
				do_write(VPIC_SLAVE_CMD, 0x20);
			if (p >= 0)
				do_write(VPIC_MASTER_CMD, 0x20);
			break;
		}
		check_invariants();
	}
	return 0;
}
