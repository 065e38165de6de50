/* libFuzzer harness: virtual I/O APIC (hv/vioapic.c).
 *
 * Input: id(1), then up to 512 operations. Operation byte: bits 0-2 the
 * kind, bits 3-7 modifiers:
 *   0 IOREGSEL write: sel(1) (bit 3: raw value(4))
 *   1 IOWIN write: value(4)
 *   2 read: bit 3 IOWIN, else IOREGSEL
 *   3 other offset: offset(1) value(4), written then read
 *   4 set_irq: pin(1) (% 32; bit 3: raw pin(4)), bit 4 asserted
 *   5 EOI: vector(1) (bit 3: the vector of entry byte % 24)
 *   6 program entry: pin(1) low(4) dest(1), through IOREGSEL/IOWIN
 *   7 pulse: pin(1) (% 32), asserted then deasserted
 * A model predicts every message and register change. Properties:
 * - read-only bits never change through writes: ID bits other than 27:24,
 *   version, arbitration, delivery status (always 0), reserved entry bits
 *   17-55 (always 0); remote IRR only clears when the entry is (made) edge
 *   triggered and only sets when the write delivered the pin's message;
 * - messages only for unmasked pins and carry the entry's fields; a level
 *   message sets remote IRR and no level message goes out while it is set;
 *   edge messages only on a rising line; pin >= 24 never produces a
 *   message nor changes anything;
 * - EOI clears remote IRR of the level entries with that vector and
 *   re-delivers one of them iff one is unmasked with its line asserted;
 * - IOWIN reads return the register selected, unknown offsets read 0. */
#include "hv/vdev/vioapic.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_OPS 512u

/* Redirection entry bits (82093AA datasheet 3.2.4). */
#define E_STATUS   (1ull << 12)
#define E_RIRR	   (1ull << 14)
#define E_LEVEL	   (1ull << 15)
#define E_MASK	   (1ull << 16)
#define E_RESERVED 0x00FFFFFFFFFE0000ull /* bits 17-55 */
#define E_WRITABLE                                                             \
	(0xFF00000000000000ull | 0xFFFull | (1ull << 13) | E_LEVEL | E_MASK)

#define SEL   0x00u
#define WIN   0x10u
#define REDIR 0x10u
#define VER   (((VIOAPIC_PINS - 1u) << 16) | VIOAPIC_VERSION)

static struct vioapic io;

static bool same(const struct vioapic *a, const struct vioapic *b)
{
	return a->id == b->id && a->sel == b->sel && a->line == b->line &&
	       !memcmp(a->redir, b->redir, sizeof(a->redir));
}

static bool line(const struct vioapic *a, unsigned pin)
{
	return (a->line >> pin) & 1;
}

/* The message must be the one pin `pin` sends. */
static void check_msg_of(const struct vioapic_msg *m, uint64_t e)
{
	CHECK(m->valid);
	CHECK(!(e & E_MASK));
	CHECK(m->vector == (uint8_t)e);
	CHECK(m->mode == ((e >> 8) & 7));
	CHECK(m->logical == !!(e & (1ull << 11)));
	CHECK(m->level == !!(e & E_LEVEL));
	CHECK(m->dest == (uint8_t)(e >> 56));
}

static void check_invariants(void)
{
	CHECK((io.line >> VIOAPIC_PINS) == 0);
	CHECK((io.id & ~0x0Fu) == 0);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = io.redir[pin];

		CHECK((e & E_STATUS) == 0);
		CHECK((e & E_RESERVED) == 0);
		if (e & E_RIRR)
			CHECK(e & E_LEVEL);
	}
}

/* Expected IOWIN value for the current IOREGSEL. */
static uint32_t expect_win(const struct vioapic *a)
{
	unsigned r = a->sel;

	if (r == 0 || r == 2)
		return (uint32_t)a->id << 24;
	if (r == 1)
		return VER;
	if (r >= REDIR && r < REDIR + 2 * VIOAPIC_PINS) {
		uint64_t e = a->redir[(r - REDIR) / 2];

		return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	return 0;
}

static void do_read(uint32_t off)
{
	struct vioapic pre = io;
	uint32_t v = vioapic_read(&io, off);

	CHECK(same(&io, &pre));
	if (off == SEL)
		CHECK(v == io.sel);
	else if (off == WIN)
		CHECK(v == expect_win(&io));
	else
		CHECK(v == 0);
}

static void do_write(uint32_t off, uint32_t val)
{
	struct vioapic pre = io, exp = io;
	struct vioapic_msg m;
	unsigned r = pre.sel, pin;
	uint64_t e, nv;
	bool fire;

	memset(&m, 0xA5, sizeof(m));
	vioapic_write(&io, off, val, &m);
	if (off == SEL) {
		CHECK(!m.valid);
		exp.sel = (uint8_t)val;
		CHECK(same(&io, &exp));
		return;
	}
	if (off != WIN || r < REDIR || r >= REDIR + 2 * VIOAPIC_PINS) {
		CHECK(!m.valid);
		if (off == WIN && r == 0)
			exp.id = (uint8_t)((val >> 24) & 0x0F);
		CHECK(same(&io, &exp));
		return;
	}
	pin = (r - REDIR) / 2;
	e = pre.redir[pin];
	nv = (r & 1) ? (e & 0xFFFFFFFFull) | (uint64_t)val << 32
		     : (e & ~0xFFFFFFFFull) | val;
	nv = (nv & E_WRITABLE) | (e & E_RIRR);
	if (!(nv & E_LEVEL))
		nv &= ~E_RIRR; /* remote IRR is undefined for edge entries */
	fire = line(&pre, pin) && (nv & E_LEVEL) && !(nv & E_MASK) &&
	       !(nv & E_RIRR);
	if (fire)
		nv |= E_RIRR;
	exp.redir[pin] = nv;
	CHECK(same(&io, &exp));
	CHECK(m.valid == fire);
	if (fire)
		check_msg_of(&m, nv);
	/* Read-only bits: status never set; remote IRR set only with the
	 * message just sent, cleared only for an edge entry. */
	if ((io.redir[pin] & E_RIRR) && !(e & E_RIRR))
		CHECK(m.valid);
	if (!(io.redir[pin] & E_RIRR) && (e & E_RIRR))
		CHECK(!(io.redir[pin] & E_LEVEL));
}

static void set_irq(unsigned pin, bool asserted)
{
	struct vioapic pre = io, exp = io;
	struct vioapic_msg m;
	uint64_t e;
	bool fire;

	memset(&m, 0xA5, sizeof(m));
	vioapic_set_irq(&io, pin, asserted, &m);
	if (pin >= VIOAPIC_PINS) {
		CHECK(!m.valid);
		CHECK(same(&io, &pre));
		return;
	}
	e = pre.redir[pin];
	fire = asserted && !(e & E_MASK) &&
	       ((e & E_LEVEL) ? !(e & E_RIRR) : !line(&pre, pin));
	exp.line = asserted ? pre.line | 1u << pin : pre.line & ~(1u << pin);
	if (fire && (e & E_LEVEL))
		exp.redir[pin] |= E_RIRR;
	CHECK(same(&io, &exp));
	CHECK(m.valid == fire);
	if (fire)
		check_msg_of(&m, e);
}

static void eoi(uint8_t vector)
{
	struct vioapic pre = io;
	struct vioapic_msg m;
	bool can_fire = false;
	int fired = -1;

	memset(&m, 0xA5, sizeof(m));
	vioapic_eoi(&io, vector, &m);
	CHECK(io.sel == pre.sel && io.id == pre.id && io.line == pre.line);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = pre.redir[pin];
		bool match = (e & E_LEVEL) && (uint8_t)e == vector;

		if (!match) {
			CHECK(io.redir[pin] == e);
			continue;
		}
		CHECK((io.redir[pin] & ~E_RIRR) == (e & ~E_RIRR));
		if (line(&pre, pin) && !(e & E_MASK))
			can_fire = true;
		if (io.redir[pin] & E_RIRR) {
			CHECK(fired < 0); /* one message, one pin */
			CHECK(line(&pre, pin) && !(e & E_MASK));
			fired = (int)pin;
		}
	}
	CHECK(m.valid == can_fire);
	CHECK(m.valid == (fired >= 0));
	if (fired >= 0)
		check_msg_of(&m, io.redir[fired]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};
	uint8_t id = (uint8_t)(take(&rd, 1) & 0x0F);

	vioapic_init(&io, id);
	CHECK(io.id == id && io.sel == 0 && io.line == 0);
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++)
		CHECK(io.redir[pin] == E_MASK);
	check_invariants();

	for (unsigned n = 0; n < MAX_OPS && rd.n; n++) {
		unsigned op = (unsigned)take(&rd, 1), pin;
		uint32_t off;

		switch (op & 7) {
		case 0:
			do_write(SEL, (uint32_t)take(&rd, op & 8 ? 4 : 1));
			break;
		case 1:
			do_write(WIN, (uint32_t)take(&rd, 4));
			break;
		case 2:
			do_read(op & 8 ? WIN : SEL);
			break;
		case 3:
			off = (uint32_t)take(&rd, 1);
			do_write(off, (uint32_t)take(&rd, 4));
			do_read(off);
			break;
		case 4:
			pin = (unsigned)take(&rd, op & 8 ? 4 : 1);
			set_irq(op & 8 ? pin : pin % 32, op & 16);
			break;
		case 5:
			pin = (unsigned)take(&rd, 1);
			eoi(op & 8 ? (uint8_t)io.redir[pin % VIOAPIC_PINS]
				   : (uint8_t)pin);
			break;
		case 6:
			pin = (unsigned)take(&rd, 1) % VIOAPIC_PINS;
			do_write(SEL, REDIR + 2 * pin);
			do_write(WIN, (uint32_t)take(&rd, 4));
			do_write(SEL, REDIR + 2 * pin + 1);
			do_write(WIN, (uint32_t)take(&rd, 1) << 24);
			do_read(WIN);
			break;
		default:
			pin = (unsigned)take(&rd, 1) % 32;
			set_irq(pin, true);
			set_irq(pin, false);
			break;
		}
		check_invariants();
	}
	return 0;
}
