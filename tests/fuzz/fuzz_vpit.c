/* libFuzzer harness: virtual 8254 PIT and port B (hv/vdev/vpit.c).
 *
 * Input: the TSC rate index(1), then up to 512 operations. Operation
 * byte: bits 0-2 the kind, bits 3-7 modifiers; port operations pick the
 * port with bits 3-5 (0x40, 0x41, 0x42, 0x43, 0x61, 0x44, 0x60, or a raw
 * port(2)) and the access size with bits 6-7 (1, 2, 4, 4 bytes):
 *   0 port write: value(4)        1 port read
 *   2 time passes: ticks(bits 3-7 + 1 bytes, at most 4)
 *   3 update (vpit_update at the current time)
 *   4 run to the next IRQ0: nothing at the tick before it, edges at it
 *   5 program: counter(bits 3-4), mode(bits 5-7), count(2), as Linux
 *   6 time jumps: to a raw 64-bit time(8), maybe backwards
 *   7 gate of counter 2: bit 3 the level
 * Properties:
 * - vpit_state_valid() holds after every operation;
 * - unowned ports: vpit_io returns false and changes nothing; 0x43 reads
 *   0xFF and changes nothing; every read's upper bytes are 0xFF;
 * - port B reads bits 3:0 as written, bits 7:6 as 0;
 * - after an update at `now`, the next IRQ0 is none or after `now`; at the
 *   tick before it an update finds no edge, at it at least one. */
#include "hv/vdev/vpit.h"
#include "tests/fuzz/fuzz_util.h"

#define MAX_OPS 512u

static const uint16_t ports[7] = {0x40, 0x41, 0x42, 0x43, 0x61, 0x44, 0x60};
static const uint64_t rates[4] = {1000000000ull, 2999999999ull, VPIT_HZ * 1000,
				  VPIT_MAX_TSC_HZ};

static struct vpit pit;
static uint64_t now, hz;

static bool same(const struct vpit *a, const struct vpit *b)
{
	return !memcmp(a, b, sizeof(*a)); /* fixed-width fields, no padding */
}

static void do_write(uint16_t port, uint8_t size, uint32_t val)
{
	struct vpit pre = pit;
	bool mine = vpit_io(&pit, port, size, false, &val, now, hz);
	CHECK(mine == vpit_owns_port(port));
	if (!mine)
		CHECK(same(&pit, &pre));
	if (mine && port == 0x61)
		CHECK(pit.port_b == (val & 0x0F));
}

static void do_read(uint16_t port, uint8_t size)
{
	struct vpit pre = pit;
	uint32_t val = 0x5A5A5A5A;
	bool mine = vpit_io(&pit, port, size, true, &val, now, hz);
	CHECK(mine == vpit_owns_port(port));
	if (!mine) {
		CHECK(val == 0x5A5A5A5A);
		CHECK(same(&pit, &pre));
		return;
	}
	CHECK((val >> 8) == 0xFFFFFF);
	if (port == 0x43) {
		CHECK(val == 0xFFFFFFFF);
		CHECK(same(&pit, &pre));
	}
	if (port == 0x61) {
		CHECK((val & 0x0F) == pre.port_b);
		CHECK((val & 0xC0) == 0);
		CHECK(pit.refresh == !pre.refresh);
	}
}

static void do_update(void)
{
	(void)vpit_update(&pit, now, hz);
	uint64_t next = vpit_next_irq(&pit, hz);
	CHECK(next == UINT64_MAX || next > now);
}

static void run_to_irq(void)
{
	do_update();
	uint64_t next = vpit_next_irq(&pit, hz);
	if (next == UINT64_MAX)
		return;
	CHECK(vpit_update(&pit, next - 1, hz) == 0);
	CHECK(vpit_update(&pit, next, hz) >= 1);
	now = next;
}

static uint16_t pick_port(struct reader *rd, unsigned op)
{
	unsigned i = (op >> 3) & 7;
	return i < 7 ? ports[i] : (uint16_t)take(rd, 2);
}

static uint8_t pick_size(unsigned op)
{
	static const uint8_t sizes[4] = {1, 2, 4, 4};
	return sizes[(op >> 6) & 3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = {data, size};
	unsigned bytes;
	uint16_t port;

	hz = rates[take(&rd, 1) & 3];
	now = 0x10000;
	vpit_init(&pit);
	CHECK(vpit_state_valid(&pit));
	CHECK(vpit_next_irq(&pit, hz) == UINT64_MAX);

	for (unsigned n = 0; n < MAX_OPS && rd.n; n++) {
		unsigned op = (unsigned)take(&rd, 1), ch, mode, count;

		switch (op & 7) {
		case 0:
			port = pick_port(&rd, op);
			do_write(port, pick_size(op), (uint32_t)take(&rd, 4));
			break;
		case 1:
			do_read(pick_port(&rd, op), pick_size(op));
			break;
		case 2:
			bytes = ((op >> 3) & 3) + 1;
			now += take(&rd, bytes);
			break;
		case 3:
			do_update();
			break;
		case 4:
			run_to_irq();
			break;
		case 5:
			ch = (op >> 3) & 3;
			mode = (op >> 5) & 7;
			count = (unsigned)take(&rd, 2);
			if (ch == 3)
				ch = 2;
			do_write(0x43, 1, ch << 6 | 0x30 | mode << 1);
			do_write((uint16_t)(0x40 + ch), 1, count & 0xFF);
			do_write((uint16_t)(0x40 + ch), 1, count >> 8);
			break;
		case 6:
			now = take(&rd, 8);
			break;
		default:
			do_write(0x61, 1, (op >> 3) & 1);
			break;
		}
		CHECK(vpit_state_valid(&pit));
	}
	return 0;
}
