/* Unit tests for hv/vdev/vpit.c: the virtual 8254 and port B, driven the
 * way Linux 6.1 drives them (TSC calibration on counter 2, the i8253
 * clockevent on counter 0) and the datasheet's modes one by one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <string.h>

#include "hv/vdev/vpit.h"

#define CH0  0x40
#define CH1  0x41
#define CH2  0x42
#define CTRL 0x43
#define PB   0x61

/* A TSC of exactly 1000 ticks per input clock keeps the arithmetic of
 * most tests exact; T0 is an arbitrary partition time. */
#define HZ (VPIT_HZ * 1000)
#define T0 0x123456789ull

static uint64_t at(uint64_t clocks)
{
	return T0 + clocks * 1000;
}

static void out(struct vpit *p, uint16_t port, uint8_t val, uint64_t now)
{
	uint32_t v = val;
	assert_true(vpit_io(p, port, 1, false, &v, now, HZ));
}

static uint8_t in(struct vpit *p, uint16_t port, uint64_t now)
{
	uint32_t v = 0;
	assert_true(vpit_io(p, port, 1, true, &v, now, HZ));
	return (uint8_t)v;
}

/* A 16-bit count read LSB then MSB (access mode 3). */
static unsigned read16(struct vpit *p, uint16_t port, uint64_t now)
{
	unsigned lo = in(p, port, now);
	return lo | (unsigned)in(p, port, now) << 8;
}

/* Control word for counter n, access mode 3 (LSB then MSB), `mode`. */
static void program(struct vpit *p, unsigned n, unsigned mode, unsigned count,
		    uint64_t now)
{
	out(p, CTRL, (uint8_t)(n << 6 | 0x30 | mode << 1), now);
	out(p, (uint16_t)(CH0 + n), (uint8_t)count, now);
	out(p, (uint16_t)(CH0 + n), (uint8_t)(count >> 8), now);
}

/* Linux's "Set the Gate high, disable speaker". */
static void gate2_on(struct vpit *p, uint64_t now)
{
	out(p, PB, (uint8_t)((in(p, PB, now) & ~0x02) | 0x01), now);
}

static bool out2(struct vpit *p, uint64_t now)
{
	return (in(p, PB, now) & 0x20) != 0;
}

static void test_owns_port(void **state)
{
	(void)state;
	struct vpit p;
	uint32_t v = 0x5A5A;
	vpit_init(&p);
	for (unsigned port = 0; port < 0x10000; port++) {
		bool mine = (port >= 0x40 && port <= 0x43) || port == 0x61;
		assert_int_equal(vpit_owns_port((uint16_t)port), mine);
	}
	assert_false(vpit_io(&p, 0x44, 1, true, &v, T0, HZ));
	assert_false(vpit_io(&p, 0x60, 1, false, &v, T0, HZ));
	assert_int_equal(v, 0x5A5A);
}

/* Power-on: nothing counts, no IRQ0, OUT2 high (mode 3 without a
 * count), port B clear. */
static void test_power_on(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	assert_true(vpit_state_valid(&p));
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX);
	assert_int_equal(vpit_update(&p, at(1000000), HZ), 0);
	assert_int_equal(in(&p, PB, T0) & ~0x10, 0x20);
	assert_int_equal(read16(&p, CH0, at(5)), 0); /* 65536, not counting */
	/* Programming counter 0 for Linux's periodic tick makes no edge
	 * (OUT was high already). */
	out(&p, CTRL, 0x34, at(10));
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX);
}

/* LSB/MSB programming, and the count read as it runs in each access
 * mode. */
static void test_program_and_read_running(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	gate2_on(&p, T0);
	program(&p, 2, 0, 0x1234, T0);
	assert_int_equal(read16(&p, CH2, T0), 0x1234);
	assert_int_equal(read16(&p, CH2, at(0x100)), 0x1134);
	/* Between the two reads the counter runs on, as on the chip. */
	assert_int_equal(in(&p, CH2, at(0x200)), 0x34);
	assert_int_equal(in(&p, CH2, at(0x300)), 0x0F);

	/* LSB only: the MSB is zero; a read is the LSB each time. */
	out(&p, CTRL, 0x10, T0); /* counter 0, LSB, mode 0 */
	out(&p, CH0, 0x80, T0);
	assert_int_equal(in(&p, CH0, at(0x10)), 0x70);
	assert_int_equal(in(&p, CH0, at(0x11)), 0x6F);
	/* MSB only: the LSB is zero. */
	out(&p, CTRL, 0x60, T0); /* counter 1, MSB, mode 0 */
	out(&p, CH1, 0x02, T0);
	assert_int_equal(in(&p, CH1, at(0x100)), 0x01);
	assert_int_equal(in(&p, CH1, at(0x101)), 0x00);
}

/* Linux's quick_pit_calibrate(): counter 2 from 0xFFFF in mode 0, the MSB
 * read (after the LSB) drops by one every 256 clocks. */
static void test_linux_quick_pit_msb(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	gate2_on(&p, T0);
	out(&p, CTRL, 0xB0, T0);
	out(&p, CH2, 0xFF, T0);
	out(&p, CH2, 0xFF, T0);
	for (unsigned i = 0; i < 200; i++) {
		uint64_t t = at(i * 256 + 1);
		(void)in(&p, CH2, t); /* LSB */
		assert_int_equal(in(&p, CH2, t), 0xFF - i);
	}
}

/* The counter latch command freezes the value until it has been read; a
 * second latch before then is ignored. */
static void test_latch_freezes(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	program(&p, 0, 2, 1000, T0);
	out(&p, CTRL, 0x00, at(10)); /* latch counter 0 */
	out(&p, CTRL, 0x00, at(20)); /* ignored */
	assert_int_equal(in(&p, CH0, at(500)), 990 & 0xFF);
	out(&p, CTRL, 0x00, at(600)); /* still ignored: MSB not read */
	assert_int_equal(in(&p, CH0, at(700)), 990 >> 8);
	/* Read out: the counter shows again, and can be latched again. */
	assert_int_equal(read16(&p, CH0, at(700)), 300);
	out(&p, CTRL, 0x00, at(800));
	assert_int_equal(read16(&p, CH0, at(900)), 200);
}

/* Linux's pit_calibrate_tsc(): counter 2 in mode 0, poll port B bit 5
 * (OUT2) until it rises at terminal count. It stays high after. */
static void test_mode0_out2_rises_at_terminal_count(void **state)
{
	(void)state;
	struct vpit p;
	unsigned latch = 1193182 / 100; /* 10 ms */
	vpit_init(&p);
	gate2_on(&p, T0);
	out(&p, CTRL, 0xB0, T0);
	out(&p, CH2, (uint8_t)latch, T0);
	assert_false(out2(&p, at(1))); /* first byte: OUT low */
	out(&p, CH2, (uint8_t)(latch >> 8), T0);
	assert_false(out2(&p, T0));
	assert_false(out2(&p, at(latch - 1)));
	assert_true(out2(&p, at(latch)));
	/* The counter wrapped and counts on from 0xFFFF. */
	assert_int_equal(read16(&p, CH2, at(latch + 1)), 0xFFFF);
	assert_true(out2(&p, at(latch + 70000))); /* after the wrap too */
	/* Gate and speaker bits read back; counter 2 only. */
	assert_int_equal(in(&p, PB, at(latch)) & 0x0F, 0x01);
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX);
}

/* Gate low pauses counter 2 in mode 0, and it goes on from there. */
static void test_gate_low_stops_counter2(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	out(&p, PB, 0x00, T0);
	program(&p, 2, 0, 1000, T0);
	/* Loaded with the gate low: it does not count. */
	assert_int_equal(read16(&p, CH2, at(300)), 1000);
	assert_false(out2(&p, at(2000)));
	out(&p, PB, 0x01, at(2000));
	assert_int_equal(read16(&p, CH2, at(2100)), 900);
	out(&p, PB, 0x00, at(2100));
	assert_int_equal(read16(&p, CH2, at(5000)), 900);
	assert_false(out2(&p, at(5000)));
	out(&p, PB, 0x01, at(5000));
	assert_false(out2(&p, at(5899)));
	assert_true(out2(&p, at(5900)));

	/* Mode 2: gate low sets OUT high and stops; high reloads. */
	program(&p, 2, 2, 100, at(6000));
	assert_false(out2(&p, at(6099)));
	assert_true(out2(&p, at(6100)));
	out(&p, PB, 0x00, at(6150));
	assert_true(out2(&p, at(6199)));
	assert_int_equal(read16(&p, CH2, at(6300)), 50);
	out(&p, PB, 0x01, at(7000));
	assert_int_equal(read16(&p, CH2, at(7000)), 100);
	assert_false(out2(&p, at(7099)));
}

/* Linux's periodic PIT clockevent: 0x34 and the count on counter 0. The
 * next IRQ0 is one period after the load, each period after that; an
 * update counts the edges since the last one. */
static void test_mode2_periodic_irq0(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	program(&p, 0, 2, 1000, T0);
	assert_int_equal(vpit_next_irq(&p, HZ), at(1000));
	assert_int_equal(vpit_update(&p, at(999), HZ), 0);
	assert_int_equal(vpit_next_irq(&p, HZ), at(1000));
	assert_int_equal(vpit_update(&p, at(1000), HZ), 1);
	assert_int_equal(vpit_next_irq(&p, HZ), at(2000));
	assert_int_equal(vpit_update(&p, at(1999), HZ), 0);
	/* Missed ones are counted, for the owner to coalesce. */
	assert_int_equal(vpit_update(&p, at(5500), HZ), 4);
	assert_int_equal(vpit_next_irq(&p, HZ), at(6000));
	assert_int_equal(vpit_update(&p, at(5500), HZ), 0);
	/* The count reads N..1 within the period. */
	assert_int_equal(read16(&p, CH0, at(6000)), 1000);
	assert_int_equal(read16(&p, CH0, at(6999)), 1);
	/* Reading does not lose edges: they wait for the update. */
	assert_int_equal(read16(&p, CH0, at(7000)), 1000);
	assert_int_equal(vpit_next_irq(&p, HZ), 0);
	assert_int_equal(vpit_update(&p, at(7000), HZ), 2); /* 6000, 7000 */
}

/* Modes 6 and 7 are 2 and 3; a count written in mode 2 waits for the end
 * of the current cycle. */
static void test_mode2_new_count_at_cycle_end(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	out(&p, CTRL, 0x3C, T0); /* mode 6 = 2 */
	out(&p, CH0, 1000 & 0xFF, T0);
	out(&p, CH0, 1000 >> 8, T0);
	out(&p, CH0, 500 & 0xFF, at(300));
	out(&p, CH0, 500 >> 8, at(300));
	assert_int_equal(read16(&p, CH0, at(400)), 600);
	assert_int_equal(vpit_next_irq(&p, HZ), at(1000));
	assert_int_equal(vpit_update(&p, at(1000), HZ), 1);
	assert_int_equal(vpit_next_irq(&p, HZ), at(1500));
	assert_int_equal(read16(&p, CH0, at(1100)), 400);
	/* Switch and later edges in one update. */
	out(&p, CH0, 100, at(1200));
	out(&p, CH0, 0, at(1200));
	assert_int_equal(vpit_update(&p, at(1800), HZ), 4); /* 1500..1800 */
	assert_int_equal(vpit_next_irq(&p, HZ), at(1900));
}

/* Mode 3 square wave: OUT high for the first half, low for the second,
 * IRQ0 each period; the count steps by two. */
static void test_mode3_square_wave(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	gate2_on(&p, T0);
	program(&p, 2, 3, 1000, T0);
	assert_int_equal(read16(&p, CH2, at(10)), 980);
	assert_true(out2(&p, at(499)));
	assert_false(out2(&p, at(500)));
	assert_int_equal(read16(&p, CH2, at(510)), 980);
	assert_false(out2(&p, at(999)));
	assert_true(out2(&p, at(1000)));
	/* Odd: high (N+1)/2 clocks, low (N-1)/2. */
	program(&p, 2, 3, 5, at(2000));
	assert_true(out2(&p, at(2002)));
	assert_false(out2(&p, at(2003)));
	assert_false(out2(&p, at(2004)));
	assert_true(out2(&p, at(2005)));

	program(&p, 0, 3, 100, at(3000));
	assert_int_equal(vpit_update(&p, at(3000), HZ), 0);
	assert_int_equal(vpit_next_irq(&p, HZ), at(3100));
	assert_int_equal(vpit_update(&p, at(3350), HZ), 3);
}

/* Linux's oneshot clockevent: mode 4 (0x38), one edge a clock after
 * terminal count, no more; a new count starts another. */
static void test_mode4_oneshot(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	program(&p, 0, 4, 500, T0);
	assert_int_equal(vpit_update(&p, T0, HZ), 0); /* OUT stayed high */
	assert_int_equal(vpit_next_irq(&p, HZ), at(501));
	assert_int_equal(vpit_update(&p, at(500), HZ), 0);
	assert_int_equal(vpit_update(&p, at(501), HZ), 1);
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX);
	assert_int_equal(vpit_update(&p, at(200000), HZ), 0);
	/* pit_next_event(): the new count, without a control word. */
	out(&p, CH0, 100, at(200000));
	out(&p, CH0, 0, at(200000));
	assert_int_equal(vpit_next_irq(&p, HZ), at(200101));
	assert_int_equal(vpit_update(&p, at(300000), HZ), 1);
	assert_int_equal(vpit_update(&p, at(400000), HZ), 0);

	/* Mode 0 on counter 0: one edge at terminal count. */
	program(&p, 0, 0, 300, at(500000));
	assert_int_equal(vpit_next_irq(&p, HZ), at(500300));
	assert_int_equal(vpit_update(&p, at(600000), HZ), 1);
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX);
}

/* Linux's pit_shutdown(): 0x30 stops counter 0 (mode 0 without a count),
 * the count 0 it then writes fires once 65536 clocks later, as on a PC;
 * reprogramming to periodic rises OUT at once, which is an edge. */
static void test_shutdown_and_reprogram(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	program(&p, 0, 2, 1000, T0);
	assert_int_equal(vpit_update(&p, at(1500), HZ), 1);
	out(&p, CTRL, 0x30, at(1500));
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX);
	assert_int_equal(vpit_update(&p, at(100000), HZ), 0);
	out(&p, CH0, 0, at(100000));
	out(&p, CH0, 0, at(100000));
	assert_int_equal(vpit_next_irq(&p, HZ), at(100000 + 65536));
	assert_int_equal(vpit_update(&p, at(100000 + 65535), HZ), 0);

	/* Control word for mode 2 while mode 0 is still low: OUT rises. */
	out(&p, CTRL, 0x34, at(110000));
	assert_int_equal(vpit_next_irq(&p, HZ), 0);
	assert_int_equal(vpit_update(&p, at(110000), HZ), 1);
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX); /* no count */
	out(&p, CH0, 0xE8, at(110000));
	out(&p, CH0, 0x03, at(110000));
	assert_int_equal(vpit_next_irq(&p, HZ), at(111000));
	/* The control word again (mode 0), with edges due: they are
	 * counted, then nothing more. */
	out(&p, CTRL, 0x30, at(112500));
	assert_int_equal(vpit_update(&p, at(200000), HZ), 2);
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX);
}

/* A count of 0 is 65536 in every mode. */
static void test_count0_is_65536(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	program(&p, 0, 2, 0, T0);
	assert_int_equal(vpit_next_irq(&p, HZ), at(65536));
	assert_int_equal(read16(&p, CH0, T0), 0);
	assert_int_equal(read16(&p, CH0, at(1)), 0xFFFF);
	assert_int_equal(vpit_update(&p, at(65536 * 3), HZ), 3);

	gate2_on(&p, T0);
	program(&p, 2, 0, 0, T0);
	assert_false(out2(&p, at(65535)));
	assert_true(out2(&p, at(65536)));
	/* LSB-only access, 0: also 65536. */
	out(&p, CTRL, 0x14, T0); /* counter 0, LSB, mode 2 */
	out(&p, CH0, 0, T0);
	assert_int_equal(vpit_next_irq(&p, HZ), at(65536));
	/* Count 1 in mode 2 counts as 2. */
	program(&p, 0, 2, 1, T0);
	assert_int_equal(vpit_next_irq(&p, HZ), at(2));
}

static uint64_t ref_ceil(uint64_t clocks, uint64_t hz)
{
	unsigned __int128 x = (unsigned __int128)clocks * hz;
	return (uint64_t)((x + VPIT_HZ - 1) / VPIT_HZ);
}

/* Partition times anywhere in 64 bits and real TSC rates: IRQ0 comes at
 * the first TSC tick by which the period's clocks have passed, exactly
 * (checked with 128-bit arithmetic), and nothing overflows. */
static void test_time_arithmetic(void **state)
{
	(void)state;
	struct vpit p;
	const uint64_t rates[] = {2999999999ull, 1000000000ull, 3700000001ull,
				  VPIT_HZ, VPIT_MAX_TSC_HZ};
	srand(8254);
	for (unsigned i = 0; i < 2000; i++) {
		uint64_t hz = rates[i % BH_ARRAY_SIZE(rates)];
		uint64_t start = ((uint64_t)rand() << 40) ^
				 ((uint64_t)rand() << 20) ^ (uint64_t)rand();
		if (i % 3 == 0)
			start = UINT64_MAX - (uint64_t)rand() * 1000000ull;
		unsigned count = 2 + (unsigned)rand() % 65535;
		uint32_t v;
		vpit_init(&p);
		v = 0x34;
		vpit_io(&p, CTRL, 1, false, &v, start, hz);
		v = count & 0xFF;
		vpit_io(&p, CH0, 1, false, &v, start, hz);
		v = count >> 8;
		vpit_io(&p, CH0, 1, false, &v, start, hz);
		uint64_t d = ref_ceil(count, hz);
		uint64_t want = d > UINT64_MAX - start ? UINT64_MAX : start + d;
		assert_int_equal(vpit_next_irq(&p, hz), want);
		if (want == UINT64_MAX)
			continue;
		assert_int_equal(vpit_update(&p, want - 1, hz), 0);
		assert_int_equal(vpit_update(&p, want, hz), 1);
		/* 1000 periods later, still exact. */
		d = ref_ceil(1001ull * count, hz);
		if (d > UINT64_MAX - start)
			continue;
		assert_int_equal(vpit_update(&p, start + d - 1, hz), 999);
		assert_int_equal(vpit_next_irq(&p, hz), start + d);
	}

	/* A run that began at 0, read at the end of time. */
	vpit_init(&p);
	uint32_t v = 0x34;
	vpit_io(&p, CTRL, 1, false, &v, 0, 3000000000ull);
	v = 0;
	vpit_io(&p, CH0, 1, false, &v, 0, 3000000000ull);
	vpit_io(&p, CH0, 1, false, &v, 0, 3000000000ull);
	unsigned __int128 clk =
	    (unsigned __int128)UINT64_MAX * VPIT_HZ / 3000000000ull;
	assert_true(clk / 65536 > UINT32_MAX);
	assert_int_equal(vpit_update(&p, UINT64_MAX, 3000000000ull),
			 UINT32_MAX); /* saturated */
	assert_int_equal(vpit_next_irq(&p, 3000000000ull), UINT64_MAX);

	/* Time going backwards counts as no time: before the run began, the
	 * count is the initial one; after a later time was seen, the counter
	 * stays where that left it. */
	vpit_init(&p);
	program(&p, 0, 2, 1000, at(5000));
	assert_int_equal(vpit_update(&p, at(10), HZ), 0);
	assert_int_equal(read16(&p, CH0, at(10)), 1000);
	assert_int_equal(vpit_next_irq(&p, HZ), at(6000));
	assert_int_equal(read16(&p, CH0, at(5700)), 300);
	assert_int_equal(read16(&p, CH0, at(5100)), 300);
	assert_int_equal(vpit_update(&p, at(5999), HZ), 0);
	assert_int_equal(vpit_update(&p, at(6000), HZ), 1);

	/* No usable TSC rate: the input clock stands still. */
	vpit_init(&p);
	v = 0x34;
	vpit_io(&p, CTRL, 1, false, &v, T0, 0);
	v = 10;
	vpit_io(&p, CH0, 1, false, &v, T0, 0);
	vpit_io(&p, CH0, 1, false, &v, T0, 0);
	assert_int_equal(vpit_next_irq(&p, 0), UINT64_MAX);
	assert_int_equal(vpit_update(&p, UINT64_MAX, 0), 0);
	assert_int_equal(vpit_next_irq(&p, VPIT_MAX_TSC_HZ + 1), UINT64_MAX);
	assert_int_equal(vpit_update(&p, UINT64_MAX, VPIT_MAX_TSC_HZ + 1), 0);
}

/* Read-back: status (OUT, null count, control word) then the count. */
static void test_read_back(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	out(&p, CTRL, 0x34, T0);
	out(&p, CTRL, 0xE2, T0); /* status of counter 0 */
	assert_int_equal(in(&p, CH0, T0), 0x80 | 0x40 | 0x34);
	out(&p, CH0, 0xE8, T0);
	out(&p, CH0, 0x03, T0);
	out(&p, CTRL, 0xC2, at(10)); /* status and count */
	assert_int_equal(in(&p, CH0, at(50)), 0x80 | 0x34);
	assert_int_equal(read16(&p, CH0, at(60)), 990);
	/* Count only, counters 0 and 2; status only. */
	gate2_on(&p, T0);
	program(&p, 2, 0, 300, T0);
	out(&p, CTRL, 0xDA, at(100)); /* 11 0 1 1 0 1 0: count, ch 0 and 2 */
	assert_int_equal(read16(&p, CH0, at(200)), 900);
	assert_int_equal(read16(&p, CH2, at(200)), 200);
	out(&p, CTRL, 0xE8, at(400)); /* status of counter 2 */
	assert_int_equal(in(&p, CH2, at(400)), 0x80 | 0x30);
	assert_int_equal(read16(&p, CH2, at(400)), 0xFFFF & (300 - 400));
}

/* Modes 1 and 5 wait for a gate rising edge: counter 2's comes from
 * port B; counter 0's gate is tied high, so it never triggers. */
static void test_modes_1_and_5_triggered(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	program(&p, 0, 1, 100, T0);
	assert_int_equal(vpit_next_irq(&p, HZ), UINT64_MAX);
	assert_int_equal(vpit_update(&p, at(1000), HZ), 0);

	out(&p, PB, 0x00, T0);
	program(&p, 2, 1, 100, T0);
	assert_true(out2(&p, at(500)));
	out(&p, PB, 0x01, at(1000));
	assert_false(out2(&p, at(1099)));
	assert_true(out2(&p, at(1100)));
	out(&p, PB, 0x00, at(1200));
	out(&p, PB, 0x01, at(1300)); /* retriggered */
	assert_false(out2(&p, at(1300)));
	assert_true(out2(&p, at(1400)));

	program(&p, 2, 5, 100, at(2000));
	assert_true(out2(&p, at(2100)));
	out(&p, PB, 0x00, at(2100));
	out(&p, PB, 0x01, at(2200));
	assert_true(out2(&p, at(2299)));
	assert_false(out2(&p, at(2300)));
	assert_true(out2(&p, at(2301)));
}

/* Port B: bits 3:0 read back, bit 4 toggles on every read, 7:6 are 0. */
static void test_port_b(void **state)
{
	(void)state;
	struct vpit p;
	vpit_init(&p);
	out(&p, PB, 0xFE, T0);
	uint8_t a = in(&p, PB, T0), b = in(&p, PB, T0);
	assert_int_equal(a & 0xCF, 0x0E);
	assert_int_equal(b & 0xCF, 0x0E);
	assert_int_equal((a ^ b) & 0x10, 0x10);
	assert_int_equal(in(&p, PB, T0) & 0x10, a & 0x10);
}

/* Word and dword accesses act on the addressed port with their low
 * byte; 0x43 reads 0xFF and changes nothing. */
static void test_odd_accesses(void **state)
{
	(void)state;
	struct vpit p, before;
	uint32_t v;
	vpit_init(&p);
	program(&p, 0, 2, 0x1234, T0);
	v = 0;
	assert_true(vpit_io(&p, CH0, 2, true, &v, T0, HZ));
	assert_int_equal(v & 0xFFFF, 0xFF34);
	v = 0;
	assert_true(vpit_io(&p, CH0, 4, true, &v, T0, HZ));
	assert_int_equal(v, 0xFFFFFF12);

	memcpy(&before, &p, sizeof(p));
	for (unsigned size = 1; size <= 4; size *= 2) {
		v = 0;
		assert_true(
		    vpit_io(&p, CTRL, (uint8_t)size, true, &v, at(5), HZ));
		assert_int_equal(v, 0xFFFFFFFF);
	}
	assert_memory_equal(&before, &p, sizeof(p));

	/* A word write of 0x5634 to 0x40 writes 0x34 to 0x40 alone. */
	out(&p, CTRL, 0x34, T0);
	v = 0x5634;
	assert_true(vpit_io(&p, CH0, 2, false, &v, T0, HZ));
	out(&p, CH0, 0x12, T0);
	assert_int_equal(read16(&p, CH0, T0), 0x1234);
	v = 0xFFFFFF01; /* dword to port B: gate 2 on, nothing else */
	assert_true(vpit_io(&p, PB, 4, false, &v, T0, HZ));
	assert_int_equal(in(&p, PB, T0) & 0x0F, 0x01);

	/* A control word without a count: reads hold, no IRQ. */
	out(&p, CTRL, 0x70, T0);
	(void)read16(&p, CH1, at(100));
	assert_true(vpit_state_valid(&p));
}

/* Bytes no 8254 can be in are refused; every state the guest can reach
 * is accepted. */
static void test_state_valid(void **state)
{
	(void)state;
	struct vpit p, bad;
	vpit_init(&p);
	program(&p, 0, 2, 1000, T0);
	out(&p, CH0, 0x10, at(5)); /* a pending count */
	out(&p, CH0, 0x00, at(5));
	assert_true(p.ch[0].flags & VPIT_F_PENDING);
	gate2_on(&p, T0);
	program(&p, 2, 0, 0, T0);
	out(&p, CTRL, 0xB0, at(7));
	out(&p, CH2, 0x10, at(7)); /* half a count */
	assert_true(vpit_state_valid(&p));

	memcpy(&bad, &p, sizeof(p));
	bad.ch[1].count = 0;
	assert_false(vpit_state_valid(&bad));
	memcpy(&bad, &p, sizeof(p));
	bad.ch[1].count = 65537;
	assert_false(vpit_state_valid(&bad));
	memcpy(&bad, &p, sizeof(p));
	bad.ch[0].ctrl = 0x04; /* no access mode */
	assert_false(vpit_state_valid(&bad));
	memcpy(&bad, &p, sizeof(p));
	bad.ch[0].ctrl = 0x74;
	assert_false(vpit_state_valid(&bad));
	memcpy(&bad, &p, sizeof(p));
	bad.ch[2].flags = VPIT_F_COUNTING;
	assert_false(vpit_state_valid(&bad));
	memcpy(&bad, &p, sizeof(p));
	bad.ch[2].flags = VPIT_F_PENDING | VPIT_F_COUNTING | VPIT_F_ARMED;
	assert_false(vpit_state_valid(&bad)); /* mode 0 */
	memcpy(&bad, &p, sizeof(p));
	bad.port_b = 0x10;
	assert_false(vpit_state_valid(&bad));
	memcpy(&bad, &p, sizeof(p));
	bad.refresh = 2;
	assert_false(vpit_state_valid(&bad));
	memcpy(&bad, &p, sizeof(p));
	bad.pad[1] = 1;
	assert_false(vpit_state_valid(&bad));

	/* Random guest traffic keeps it valid and never crashes. */
	srand(54);
	for (unsigned i = 0; i < 200000; i++) {
		static const uint16_t ports[] = {CH0, CH1, CH2, CTRL, PB};
		uint32_t v = (uint32_t)rand();
		uint64_t t = at((uint64_t)i * 37);
		vpit_io(&p, ports[rand() % 5], (uint8_t)(1u << (rand() % 3)),
			rand() & 1, &v, t, HZ);
		if (i % 64 == 0)
			(void)vpit_update(&p, t, HZ);
		uint64_t n = vpit_next_irq(&p, HZ);
		assert_true(n == UINT64_MAX || n == 0 || n >= T0);
		assert_true(vpit_state_valid(&p));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_owns_port),
	    cmocka_unit_test(test_power_on),
	    cmocka_unit_test(test_program_and_read_running),
	    cmocka_unit_test(test_linux_quick_pit_msb),
	    cmocka_unit_test(test_latch_freezes),
	    cmocka_unit_test(test_mode0_out2_rises_at_terminal_count),
	    cmocka_unit_test(test_gate_low_stops_counter2),
	    cmocka_unit_test(test_mode2_periodic_irq0),
	    cmocka_unit_test(test_mode2_new_count_at_cycle_end),
	    cmocka_unit_test(test_mode3_square_wave),
	    cmocka_unit_test(test_mode4_oneshot),
	    cmocka_unit_test(test_shutdown_and_reprogram),
	    cmocka_unit_test(test_count0_is_65536),
	    cmocka_unit_test(test_time_arithmetic),
	    cmocka_unit_test(test_read_back),
	    cmocka_unit_test(test_modes_1_and_5_triggered),
	    cmocka_unit_test(test_port_b),
	    cmocka_unit_test(test_odd_accesses),
	    cmocka_unit_test(test_state_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
