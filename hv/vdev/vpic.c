/* Virtual 8259A pair (see vpic.h). Priorities are relative to prio_add: the
 * input numbered prio_add has priority 0 (highest), prio_add+1 priority 1,
 * and so on modulo 8. */
#include "hv/vdev/vpic.h"

#define ICW1_IC4  0x01
#define ICW1_SNGL 0x02
#define ICW1_INIT 0x10
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW3_SEL  0x08
#define OCW3_RIS  0x01
#define OCW3_RR	  0x02
#define OCW3_P	  0x04
#define OCW3_SMM  0x20
#define OCW3_ESMM 0x40

static unsigned prio_of(const struct vpic_chip *c, unsigned irq)
{
	return (irq - c->prio_add) & 7;
}

/* Input with the highest priority among `mask`, or -1. */
static int highest(const struct vpic_chip *c, uint8_t mask)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned irq = (c->prio_add + i) & 7;
		if (mask & (1u << irq))
			return (int)irq;
	}
	return -1;
}

/* Input the chip would signal on INT, given its effective IRR, or -1. */
static int chip_get_irq(const struct vpic_chip *c, uint8_t irr, bool master)
{
	int req = highest(c, irr & (uint8_t)~c->imr);
	if (req < 0)
		return -1;
	uint8_t busy = c->isr;
	if (c->special_mask)
		busy &= (uint8_t)~c->imr; /* masked levels don't block */
	if (master && c->sfnm)
		busy &= (uint8_t) ~(1u << VPIC_CASCADE_IRQ);
	int cur = highest(c, busy);
	if (cur >= 0 && prio_of(c, (unsigned)req) >= prio_of(c, (unsigned)cur))
		return -1;
	return req;
}

static int slave_irq(const struct vpic *p)
{
	return chip_get_irq(&p->chip[1], p->chip[1].irr, false);
}

/* Master IRR with IR2 driven by the slave's INT output. */
static uint8_t master_irr(const struct vpic *p)
{
	uint8_t irr = p->chip[0].irr & (uint8_t) ~(1u << VPIC_CASCADE_IRQ);
	if (slave_irq(p) >= 0)
		irr |= 1u << VPIC_CASCADE_IRQ;
	return irr;
}

static uint8_t chip_irr(const struct vpic *p, unsigned n)
{
	return n == 0 ? master_irr(p) : p->chip[1].irr;
}

static void chip_intack(struct vpic_chip *c, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);
	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->prio_add = (uint8_t)((irq + 1) & 7);
	} else {
		c->isr |= bit;
	}
	/* A level-triggered request keeps following its line. */
	if (!(c->elcr & bit))
		c->irr &= (uint8_t)~bit;
}

static void chip_reset(struct vpic_chip *c, uint8_t base, uint8_t elcr_mask)
{
	memset(c, 0, sizeof(*c));
	c->base = base;
	c->imr = 0xFF;
	c->elcr_mask = elcr_mask;
}

void vpic_init(struct vpic *p)
{
	chip_reset(&p->chip[0], 0x08, 0xF8); /* IRQ0, 1, 2 always edge */
	chip_reset(&p->chip[1], 0x70, 0xDE); /* IRQ8, 13 always edge */
}

bool vpic_owns_port(uint16_t port)
{
	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_CMD:
	case VPIC_SLAVE_DATA:
	case VPIC_ELCR_MASTER:
	case VPIC_ELCR_SLAVE:
		return true;
	default:
		return false;
	}
}

static void write_icw1(struct vpic_chip *c, uint8_t val)
{
	/* Edge-sense reset: latched edges are lost and a line that is high
	 * now must go low and high again; level requests keep their line. */
	c->irr = c->line & c->elcr;
	c->isr = 0;
	c->imr = 0;
	c->prio_add = 0;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_aeoi = false;
	c->icw4_needed = (val & ICW1_IC4) != 0;
	c->single = (val & ICW1_SNGL) != 0;
	if (!c->icw4_needed) {
		c->auto_eoi = false;
		c->sfnm = false;
	}
	c->init_state = 2;
}

static void write_data(struct vpic_chip *c, uint8_t val)
{
	switch (c->init_state) {
	case 2:
		c->base = val & 0xF8;
		if (!c->single)
			c->init_state = 3;
		else
			c->init_state = c->icw4_needed ? 4 : 0;
		break;
	case 3:
		c->icw3 = val;
		c->init_state = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = (val & ICW4_AEOI) != 0;
		c->sfnm = (val & ICW4_SFNM) != 0;
		c->init_state = 0;
		break;
	default:
		c->imr = val; /* OCW1 */
		break;
	}
}

static void write_ocw2(struct vpic_chip *c, uint8_t val)
{
	unsigned level = val & 7;
	int irq;

	switch (val >> 5) {
	case 0: /* clear rotate in automatic EOI mode */
		c->rotate_aeoi = false;
		break;
	case 4: /* set rotate in automatic EOI mode */
		c->rotate_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		irq = highest(c, c->isr);
		if (irq < 0)
			break;
		c->isr &= (uint8_t) ~(1u << irq);
		if (val >> 5 == 5)
			c->prio_add = (uint8_t)((irq + 1) & 7);
		break;
	case 3: /* specific EOI */
		c->isr &= (uint8_t) ~(1u << level);
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= (uint8_t) ~(1u << level);
		/* fall through */
	case 6: /* set priority: `level` becomes the lowest */
		c->prio_add = (uint8_t)((level + 1) & 7);
		break;
	default: /* 2: no operation */
		break;
	}
}

static void write_ocw3(struct vpic_chip *c, uint8_t val)
{
	if (val & OCW3_ESMM)
		c->special_mask = (val & OCW3_SMM) != 0;
	if (val & OCW3_RR)
		c->read_isr = (val & OCW3_RIS) != 0;
	if (val & OCW3_P)
		c->poll = true;
}

static void write_elcr(struct vpic_chip *c, uint8_t val)
{
	uint8_t elcr = val & c->elcr_mask;
	uint8_t to_level = elcr & (uint8_t)~c->elcr;
	uint8_t to_edge = c->elcr & (uint8_t)~elcr;

	c->irr = (uint8_t)((c->irr & ~to_level) | (c->line & to_level));
	c->irr &= (uint8_t)~to_edge; /* needs a fresh edge */
	c->elcr = elcr;
}

void vpic_write(struct vpic *p, uint16_t port, uint8_t val)
{
	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_SLAVE_CMD: {
		struct vpic_chip *c = &p->chip[port == VPIC_SLAVE_CMD];
		if (val & ICW1_INIT)
			write_icw1(c, val);
		else if (val & OCW3_SEL)
			write_ocw3(c, val);
		else
			write_ocw2(c, val);
		break;
	}
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_DATA:
		write_data(&p->chip[port == VPIC_SLAVE_DATA], val);
		break;
	case VPIC_ELCR_MASTER:
	case VPIC_ELCR_SLAVE:
		write_elcr(&p->chip[port == VPIC_ELCR_SLAVE], val);
		break;
	default:
		break;
	}
}

/* Poll read: an interrupt acknowledge of this chip alone. */
static uint8_t poll_read(struct vpic *p, unsigned n)
{
	struct vpic_chip *c = &p->chip[n];
	int irq = chip_get_irq(c, chip_irr(p, n), n == 0);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_intack(c, (unsigned)irq);
	return (uint8_t)(0x80 | irq);
}

uint8_t vpic_read(struct vpic *p, uint16_t port)
{
	switch (port) {
	case VPIC_MASTER_CMD:
	case VPIC_SLAVE_CMD:
	case VPIC_MASTER_DATA:
	case VPIC_SLAVE_DATA: {
		unsigned n = (port & 0x80) ? 1 : 0;
		const struct vpic_chip *c = &p->chip[n];
		if (c->poll)
			return poll_read(p, n);
		if (port & 1)
			return c->imr;
		return c->read_isr ? c->isr : chip_irr(p, n);
	}
	case VPIC_ELCR_MASTER:
	case VPIC_ELCR_SLAVE:
		return p->chip[port == VPIC_ELCR_SLAVE].elcr;
	default:
		return 0xFF;
	}
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	if (irq > 15 || irq == VPIC_CASCADE_IRQ)
		return;
	struct vpic_chip *c = &p->chip[irq >> 3];
	uint8_t bit = (uint8_t)(1u << (irq & 7));

	/* Level-triggered, IRR follows the line; edge-triggered, a rising
	 * edge sets it. */
	if (level && ((c->elcr & bit) || !(c->line & bit)))
		c->irr |= bit;
	else if (!level && (c->elcr & bit))
		c->irr &= (uint8_t)~bit;
	c->line = level ? c->line | bit : c->line & (uint8_t)~bit;
}

int vpic_pending(const struct vpic *p)
{
	int m = chip_get_irq(&p->chip[0], master_irr(p), true);
	if (m < 0)
		return -1;
	if (m != VPIC_CASCADE_IRQ)
		return p->chip[0].base + m;
	int s = slave_irq(p);
	return p->chip[1].base + (s < 0 ? 7 : s);
}

int vpic_ack(struct vpic *p)
{
	int m = chip_get_irq(&p->chip[0], master_irr(p), true);
	int vec;

	if (m < 0)
		return p->chip[0].base + 7; /* spurious IRQ7, no ISR bit */
	if (m == VPIC_CASCADE_IRQ) {
		int s = slave_irq(p);
		if (s >= 0)
			chip_intack(&p->chip[1], (unsigned)s);
		else
			s = 7; /* spurious IRQ15 (IR2 follows INT, so unused) */
		vec = p->chip[1].base + s;
	} else {
		vec = p->chip[0].base + m;
	}
	chip_intack(&p->chip[0], (unsigned)m);
	return vec;
}
