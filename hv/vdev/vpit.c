/* Virtual 8254 PIT and port B (see vpit.h). "The datasheet" is Intel's
 * 82C54 CHMOS Programmable Interval Timer (231244); its mode figures give
 * the count and OUT of each mode clock by clock, which the functions
 * value() and out_high() compute for any clock count. */
#include "hv/vdev/vpit.h"

#define CTRL_SC_SHIFT	6 /* select counter; 3 = read-back command */
#define CTRL_RW_SHIFT	4 /* 0 = counter latch, 1 LSB, 2 MSB, 3 both */
#define CTRL_MODE_SHIFT 1
#define CTRL_BITS	0x3F /* what a counter keeps of its control word */
#define RB_NOT_COUNT	0x20 /* read-back: 0 = latch the count */
#define RB_NOT_STATUS	0x10 /* read-back: 0 = latch the status */
#define STATUS_OUT	0x80
#define STATUS_NULL	0x40
#define PORTB_GATE2	0x01
#define PORTB_WRITABLE	0x0F
#define PORTB_REFRESH	0x10
#define PORTB_OUT2	0x20

/* ---- time: partition TSC ticks <-> input clocks ----------------------- */

static bool clock_runs(uint64_t hz)
{
	return hz != 0 && hz <= VPIT_MAX_TSC_HZ;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Input clocks in `d` TSC ticks: floor(d * VPIT_HZ / hz), computed as
 * whole seconds and a remainder so nothing overflows (as the PM timer in
 * platform.c); saturates after some 10^13 seconds. r * VPIT_HZ < 2^64
 * since r < hz <= 2^43 and VPIT_HZ < 2^21. */
static uint64_t clocks(uint64_t d, uint64_t hz)
{
	if (!clock_runs(hz))
		return 0;
	uint64_t q = d / hz, r = d % hz;
	if (q > (UINT64_MAX - VPIT_HZ) / VPIT_HZ)
		return UINT64_MAX;
	return q * VPIT_HZ + r * VPIT_HZ / hz;
}

/* The fewest TSC ticks in which clocks() reaches `x`: ceil(x * hz /
 * VPIT_HZ), split the same way (b * hz < 2^21 * 2^43). UINT64_MAX if it
 * cannot be told (stopped clock) or lies beyond 2^64 ticks. */
static uint64_t ticks_for(uint64_t x, uint64_t hz)
{
	if (!clock_runs(hz))
		return UINT64_MAX;
	uint64_t q = x / VPIT_HZ, b = x % VPIT_HZ;
	if (q > UINT64_MAX / hz)
		return UINT64_MAX;
	return sat_add(q * hz, (b * hz + VPIT_HZ - 1) / VPIT_HZ);
}

/* ---- one counter --------------------------------------------------------- */

static unsigned mode_of(const struct vpit_channel *c)
{
	unsigned m = (c->ctrl >> CTRL_MODE_SHIFT) & 7;
	return m >= 6 ? m - 4 : m; /* 6, 7 are 2, 3 (datasheet: X10, X11) */
}

static unsigned rw_of(const struct vpit_channel *c)
{
	return (c->ctrl >> CTRL_RW_SHIFT) & 3;
}

static bool periodic(unsigned mode)
{
	return mode == 2 || mode == 3;
}

/* Cycle length of modes 2 and 3: a count of 1 is below the datasheet's
 * minimum there (a period of 1 would leave OUT low for good). */
static uint64_t period(const struct vpit_channel *c)
{
	return c->count < 2 ? 2 : c->count;
}

/* Counters 0 and 1 have their gates tied high on a PC. */
static bool gate(const struct vpit *pit, unsigned n)
{
	return n != 2 || (pit->port_b & PORTB_GATE2);
}

static bool has(const struct vpit_channel *c, uint8_t f)
{
	return (c->flags & f) != 0;
}

/* Clocks this run has counted by `now`. Never fewer than already
 * accounted: a `now` earlier than one seen before (the owner's clock is
 * monotonic, but the model does not rely on it) finds the counter where
 * it was, so edges and a pending count's cycle end stay in order. */
static uint64_t elapsed(const struct vpit_channel *c, uint64_t now, uint64_t hz)
{
	if (!has(c, VPIT_F_COUNTING))
		return c->done;
	uint64_t e =
	    sat_add(c->done, clocks(now > c->start ? now - c->start : 0, hz));
	return e < c->mark ? c->mark : e;
}

/* Rising edges of OUT at clocks in (a, b] of a started run. Mode 2's OUT
 * is low for the clock before each reload and mode 3's for the second
 * half of each cycle, so both rise at every multiple of the period;
 * modes 0 and 1 rise at terminal count; modes 4 and 5 pulse low at
 * terminal count and rise a clock later. */
static uint64_t edges_in(const struct vpit_channel *c, uint64_t a, uint64_t b)
{
	unsigned mode = mode_of(c);
	if (periodic(mode))
		return b / period(c) - a / period(c);
	uint64_t at = mode <= 1 ? c->count : (uint64_t)c->count + 1;
	return a < at && at <= b;
}

/* The clock count of the first rising edge after `a`, or UINT64_MAX. */
static uint64_t next_edge(const struct vpit_channel *c, uint64_t a)
{
	unsigned mode = mode_of(c);
	if (periodic(mode)) {
		uint64_t p = period(c), k = a / p + 1;
		return k > UINT64_MAX / p ? UINT64_MAX : k * p;
	}
	uint64_t at = mode <= 1 ? c->count : (uint64_t)c->count + 1;
	return a < at ? at : UINT64_MAX;
}

/* The run's edges up to `e` clocks: counter 0's become IRQ0 requests. */
static void account(struct vpit *pit, unsigned n, uint64_t e)
{
	struct vpit_channel *c = &pit->ch[n];
	if (e <= c->mark)
		return;
	if (n == 0) {
		uint64_t k = edges_in(c, c->mark, e);
		pit->edges = k > UINT32_MAX - pit->edges
				 ? UINT32_MAX
				 : pit->edges + (uint32_t)k;
	}
	c->mark = e;
}

/* A new run from the count register, starting now. */
static void restart(struct vpit_channel *c, uint64_t now)
{
	c->count = c->cr ? c->cr : 65536u;
	c->done = 0;
	c->mark = 0;
	c->start = now;
	c->flags |= VPIT_F_COUNTING;
	c->flags &= (uint8_t)~VPIT_F_PENDING;
}

/* Stops counting, keeping the clocks counted (the count holds). */
static void hold(struct vpit_channel *c, uint64_t now, uint64_t hz)
{
	c->done = elapsed(c, now, hz);
	c->flags &= (uint8_t) ~(VPIT_F_COUNTING | VPIT_F_PENDING);
}

/* Brings counter n to `now`: a mode 2/3 count written during a cycle
 * takes over at the cycle's end (datasheet, modes 2 and 3: "loaded at the
 * end of the current counting cycle"), and edges up to now are
 * accounted. */
static void sync(struct vpit *pit, unsigned n, uint64_t now, uint64_t hz)
{
	struct vpit_channel *c = &pit->ch[n];
	if (!has(c, VPIT_F_COUNTING))
		return;
	uint64_t e = elapsed(c, now, hz);
	if (has(c, VPIT_F_PENDING) && e >= c->switch_at) {
		account(pit, n, c->switch_at);
		/* The reload happened at the TSC time of the cycle's end,
		 * which lies at or before now. */
		restart(c, sat_add(c->start,
				   ticks_for(c->switch_at - c->done, hz)));
		e = elapsed(c, now, hz);
	}
	account(pit, n, e);
}

/* The counting element (what an unlatched read shows), synced. */
static uint16_t value(const struct vpit_channel *c, uint64_t now, uint64_t hz)
{
	uint64_t e = elapsed(c, now, hz);
	uint64_t p = period(c), r = e % p;
	switch (mode_of(c)) {
	case 2: /* N, N-1, ..., 1, reload */
		return (uint16_t)(p - r);
	case 3: { /* by two through each half of the cycle */
		uint64_t high = (p + 1) / 2, in_half = r < high ? r : r - high;
		return (uint16_t)((p & ~1ull) - 2 * in_half);
	}
	default: /* down to 0, then on from 0xFFFF (0: 65536 counts) */
		return (uint16_t)(c->count - (uint32_t)e);
	}
}

/* OUT of counter n, synced. */
static bool out_high(const struct vpit *pit, unsigned n, uint64_t now,
		     uint64_t hz)
{
	const struct vpit_channel *c = &pit->ch[n];
	unsigned mode = mode_of(c);
	/* After a control word OUT is low in mode 0, high in the others. */
	if (!has(c, VPIT_F_ARMED))
		return mode != 0;
	uint64_t e = elapsed(c, now, hz);
	bool running = has(c, VPIT_F_COUNTING);
	switch (mode) {
	case 0: /* low until terminal count */
		return e >= c->count;
	case 1: /* low from the trigger to terminal count */
		return !running || e >= c->count;
	case 2: /* low for the clock before each reload; a low gate sets
		 * it high */
		return !running || e % period(c) != period(c) - 1;
	case 3: /* high for the first half of each cycle (the longer one for
		 * odd counts), low for the second */
		return !running || e % period(c) < (period(c) + 1) / 2;
	case 4: /* a low pulse of one clock at terminal count */
		return e != c->count;
	default: /* 5: the same after a trigger */
		return !running || e != c->count;
	}
}

/* A count written to counter n: loaded at once (see vpit.h). */
static void load(struct vpit *pit, unsigned n, uint64_t now, uint64_t hz)
{
	struct vpit_channel *c = &pit->ch[n];
	c->flags |= VPIT_F_ARMED;
	c->flags &= (uint8_t)~VPIT_F_NULL_COUNT;
	switch (mode_of(c)) {
	case 0:
	case 4: /* a new count restarts the run; the gate may pause it */
		restart(c, now);
		if (!gate(pit, n))
			hold(c, now, hz);
		break;
	case 2:
	case 3: /* during a cycle: the new count waits for its end */
		if (has(c, VPIT_F_COUNTING)) {
			uint64_t e = elapsed(c, now, hz);
			c->switch_at = next_edge(c, e);
			c->flags |= VPIT_F_PENDING;
		} else if (gate(pit, n)) {
			restart(c, now);
		}
		break;
	default: /* 1, 5: the next gate rising edge starts it */
		break;
	}
}

static void write_count(struct vpit *pit, unsigned n, uint8_t val, uint64_t now,
			uint64_t hz)
{
	struct vpit_channel *c = &pit->ch[n];
	unsigned rw = rw_of(c);
	sync(pit, n, now, hz);
	if (rw == 3 && !has(c, VPIT_F_WRITE_MSB)) {
		c->lsb = val;
		c->flags |= VPIT_F_WRITE_MSB;
		/* Mode 0: "writing the first byte disables counting; OUT is
		 * set low immediately". */
		if (mode_of(c) == 0) {
			hold(c, now, hz);
			c->flags &= (uint8_t)~VPIT_F_ARMED;
		}
		return;
	}
	if (rw == 1)
		c->cr = val;
	else if (rw == 2)
		c->cr = (uint16_t)(val << 8);
	else
		c->cr = (uint16_t)(c->lsb | val << 8);
	c->flags &= (uint8_t)~VPIT_F_WRITE_MSB;
	load(pit, n, now, hz);
}

/* Counter latch command: a latch that has not been read yet stays. */
static void latch_count(struct vpit_channel *c, uint64_t now, uint64_t hz)
{
	if (has(c, VPIT_F_LATCHED))
		return;
	c->latch = value(c, now, hz);
	c->flags |= VPIT_F_LATCHED;
}

static void read_back(struct vpit *pit, uint8_t val, uint64_t now, uint64_t hz)
{
	for (unsigned n = 0; n < 3; n++) {
		struct vpit_channel *c = &pit->ch[n];
		if (!(val & (2u << n)))
			continue;
		sync(pit, n, now, hz);
		if (!(val & RB_NOT_COUNT))
			latch_count(c, now, hz);
		if (!(val & RB_NOT_STATUS) && !has(c, VPIT_F_STATUS_LATCHED)) {
			c->status = c->ctrl;
			if (out_high(pit, n, now, hz))
				c->status |= STATUS_OUT;
			if (has(c, VPIT_F_NULL_COUNT))
				c->status |= STATUS_NULL;
			c->flags |= VPIT_F_STATUS_LATCHED;
		}
	}
}

static void write_ctrl(struct vpit *pit, uint8_t val, uint64_t now, uint64_t hz)
{
	unsigned n = val >> CTRL_SC_SHIFT;
	if (n == 3) {
		read_back(pit, val, now, hz);
		return;
	}
	struct vpit_channel *c = &pit->ch[n];
	sync(pit, n, now, hz);
	if (!((val >> CTRL_RW_SHIFT) & 3)) {
		latch_count(c, now, hz);
		return;
	}
	/* "All control logic is immediately reset": the flip-flops, the
	 * latches, the run; the counter holds its value until a count
	 * comes. */
	hold(c, now, hz);
	c->ctrl = val & CTRL_BITS;
	c->flags = VPIT_F_NULL_COUNT;
}

static uint8_t read_count(struct vpit *pit, unsigned n, uint64_t now,
			  uint64_t hz)
{
	struct vpit_channel *c = &pit->ch[n];
	if (has(c, VPIT_F_STATUS_LATCHED)) {
		c->flags &= (uint8_t)~VPIT_F_STATUS_LATCHED;
		return c->status;
	}
	sync(pit, n, now, hz);
	uint16_t v = has(c, VPIT_F_LATCHED) ? c->latch : value(c, now, hz);
	bool msb;
	switch (rw_of(c)) {
	case 1:
		msb = false;
		break;
	case 2:
		msb = true;
		break;
	default: /* LSB, then MSB */
		msb = has(c, VPIT_F_READ_MSB);
		c->flags ^= VPIT_F_READ_MSB;
		break;
	}
	if (rw_of(c) != 3 || msb)
		c->flags &= (uint8_t)~VPIT_F_LATCHED; /* fully read */
	return (uint8_t)(msb ? v >> 8 : v);
}

/* Port B: a change of counter 2's gate (see vpit.h for each mode). */
static void write_port_b(struct vpit *pit, uint8_t val, uint64_t now,
			 uint64_t hz)
{
	struct vpit_channel *c = &pit->ch[2];
	bool was = gate(pit, 2);
	sync(pit, 2, now, hz);
	pit->port_b = val & PORTB_WRITABLE;
	bool is = gate(pit, 2);
	if (was == is)
		return;
	unsigned mode = mode_of(c);
	if (is && has(c, VPIT_F_ARMED)) {
		if (mode == 0 || mode == 4) {
			if (!has(c, VPIT_F_COUNTING)) { /* resumes */
				c->start = now;
				c->flags |= VPIT_F_COUNTING;
			}
		} else {
			restart(c, now); /* reload (2, 3) or trigger (1, 5) */
		}
	} else if (!is && mode != 1 && mode != 5) {
		hold(c, now, hz);
	}
}

static uint8_t read_port_b(struct vpit *pit, uint64_t now, uint64_t hz)
{
	sync(pit, 2, now, hz);
	uint8_t v = pit->port_b;
	if (pit->refresh)
		v |= PORTB_REFRESH;
	if (out_high(pit, 2, now, hz))
		v |= PORTB_OUT2;
	pit->refresh ^= 1;
	return v;
}

/* ---- the interface --------------------------------------------------- */

void vpit_init(struct vpit *pit)
{
	memset(pit, 0, sizeof(*pit));
	for (unsigned n = 0; n < 3; n++) {
		struct vpit_channel *c = &pit->ch[n];
		/* LSB then MSB, mode 3: what a PC BIOS leaves in counter 0
		 * (0x36), but no count. */
		c->ctrl = 3 << CTRL_RW_SHIFT | 3 << CTRL_MODE_SHIFT;
		c->count = 65536;
		c->flags = VPIT_F_NULL_COUNT;
	}
}

bool vpit_owns_port(uint16_t port)
{
	return (port >= VPIT_PORT_CH0 && port <= VPIT_PORT_CTRL) ||
	       port == VPIT_PORT_B;
}

static uint8_t read_byte(struct vpit *pit, uint16_t port, uint64_t now,
			 uint64_t hz)
{
	if (port == VPIT_PORT_B)
		return read_port_b(pit, now, hz);
	if (port == VPIT_PORT_CTRL)
		return 0xFF; /* write-only: nothing drives the bus */
	return read_count(pit, port - VPIT_PORT_CH0, now, hz);
}

/* A write that changes counter 0's OUT from low to high is an IRQ0 edge
 * like those counting makes (a control word sets OUT high in modes 1-5). */
static void write_byte(struct vpit *pit, uint16_t port, uint8_t val,
		       uint64_t now, uint64_t hz)
{
	sync(pit, 0, now, hz);
	bool before = out_high(pit, 0, now, hz);
	if (port == VPIT_PORT_B)
		write_port_b(pit, val, now, hz);
	else if (port == VPIT_PORT_CTRL)
		write_ctrl(pit, val, now, hz);
	else
		write_count(pit, port - VPIT_PORT_CH0, val, now, hz);
	if (!before && out_high(pit, 0, now, hz) && pit->edges < UINT32_MAX)
		pit->edges++;
}

bool vpit_io(struct vpit *pit, uint16_t port, uint8_t size, bool in,
	     uint32_t *val, uint64_t now, uint64_t tsc_hz)
{
	if (!vpit_owns_port(port))
		return false;
	(void)size; /* the low byte acts, see vpit.h */
	if (in)
		*val = 0xFFFFFF00u | read_byte(pit, port, now, tsc_hz);
	else
		write_byte(pit, port, (uint8_t)*val, now, tsc_hz);
	return true;
}

uint64_t vpit_next_irq(const struct vpit *pit, uint64_t tsc_hz)
{
	const struct vpit_channel *c = &pit->ch[0];
	if (pit->edges)
		return 0;
	if (!has(c, VPIT_F_COUNTING))
		return UINT64_MAX;
	uint64_t e = next_edge(c, c->mark);
	if (e == UINT64_MAX)
		return UINT64_MAX;
	if (e <= c->done)
		return c->start; /* made before a pause, not accounted: due */
	uint64_t d = ticks_for(e - c->done, tsc_hz);
	return d == UINT64_MAX ? UINT64_MAX : sat_add(c->start, d);
}

unsigned vpit_update(struct vpit *pit, uint64_t now, uint64_t tsc_hz)
{
	sync(pit, 0, now, tsc_hz);
	unsigned n = pit->edges;
	pit->edges = 0;
	return n;
}

bool vpit_state_valid(const struct vpit *pit)
{
	if ((pit->port_b & ~PORTB_WRITABLE) || pit->refresh > 1 ||
	    pit->pad[0] || pit->pad[1])
		return false;
	for (unsigned n = 0; n < 3; n++) {
		const struct vpit_channel *c = &pit->ch[n];
		if (c->count < 1 || c->count > 65536 ||
		    (c->ctrl & ~CTRL_BITS) || !rw_of(c))
			return false;
		if (has(c, VPIT_F_COUNTING) && !has(c, VPIT_F_ARMED))
			return false;
		if (has(c, VPIT_F_PENDING) &&
		    (!periodic(mode_of(c)) || !has(c, VPIT_F_COUNTING)))
			return false;
	}
	return true;
}
