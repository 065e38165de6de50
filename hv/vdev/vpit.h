/* Virtual 8254 programmable interval timer (Intel "82C54 CHMOS
 * Programmable Interval Timer" datasheet, order number 231244) at ports
 * 0x40-0x43, and the PC's system control port B at 0x61, which gates
 * counter 2 and shows its output. Linux needs both on a CPU whose TSC
 * frequency it does not take from CPUID (every AMD CPU): it calibrates the
 * TSC against counter 2 and, until it knows the frequency, takes counter
 * 0's IRQ0 as its tick (arch/x86/kernel/tsc.c, drivers/clocksource/
 * i8253.c, check_timer() in arch/x86/kernel/apic/io_apic.c).
 *
 * Pure: no locking (the caller holds the partition's PIT lock), no
 * knowledge of VMX or SVM, no clock of its own. Time comes in with every
 * call as the partition's TSC `now` and its rate `tsc_hz`; the counters'
 * 1.193182 MHz input clock is derived from it. IRQ0 goes out as a count
 * of rising edges of counter 0's OUT that the owner collects
 * (vpit_update) and turns into a pulse on ISA IRQ 0.
 *
 * Model notes (datasheet section in brackets):
 *  - Counting is computed, not stepped: a counter remembers when its
 *    current run began and how many clocks it had counted before (gate
 *    pauses), so any `now` reads the exact count. A count is loaded at
 *    once when written, not on the next CLK edge: reads are one clock
 *    (838 ns) early, which no guest can tell from I/O latency.
 *  - Modes 0-5 ["Mode Definitions"]; modes 6 and 7 are modes 2 and 3
 *    (bit 3 of the mode field is don't-care). Mode 0's first byte of a
 *    two-byte count stops counting and drives OUT low, the second byte
 *    starts the new count. Modes 2 and 3 take a count written while they
 *    count at the end of the current cycle, modes 0 and 4 at once; modes
 *    1 and 5 at their next trigger. Count 0 means 65536 (binary) in every
 *    mode; count 1, below the minimum of 2 the datasheet gives for modes 2
 *    and 3, counts as 2 there.
 *  - Gates ["Gate Pin Operations Summary"]: counters 0 and 1 have theirs
 *    tied high, as on a PC; counter 2's is port B bit 0. Low pauses modes
 *    0 and 4, stops modes 2 and 3 (OUT high) until a rising edge reloads
 *    them; a rising edge triggers modes 1 and 5, which never trigger on
 *    counters 0 and 1 (no edge on a tied gate), as on a PC.
 *  - Mode 3 reads step by two as on the chip, but an odd count reads as
 *    the even count below it (the chip's odd-count sequence differs by
 *    one); the output's high and low halves are exact.
 *  - BCD (control word bit 0) is stored and reported in the read-back
 *    status, but the counter counts in binary: no PC software counts in
 *    BCD.
 *  - Counter latch and read-back commands (0xC0-0xFF) with status; a
 *    second latch before the first is read is ignored ["Counter Latch
 *    Command"]. The status' null-count bit clears when the count is
 *    written (loaded at once, see above).
 *  - Power-on state (undefined on the chip): every counter as after the
 *    control word a PC BIOS leaves in counter 0 (0x36: LSB then MSB, mode
 *    3) but with no count: OUT high, nothing counts, and IRQ0 stays quiet
 *    until the guest programs counter 0.
 *  - IRQ0 is an edge on the 8259 and the I/O APIC: every rising edge of
 *    counter 0's OUT is one request, including those a control word makes
 *    (it sets OUT high in modes 1-5, low in mode 0). Edges that come
 *    faster than the owner collects them are counted, and the owner
 *    raises one pulse for all of them: the interrupt controllers would
 *    merge them in IRR anyway.
 *  - Port 0x61: bits 3:0 read back as written (bit 0 counter 2's gate,
 *    bit 1 speaker data enable, 2 and 3 the parity and channel check
 *    enables, all without further effect); bit 4 is the refresh
 *    indicator, toggled on every read so code waiting for it to change
 *    goes on; bit 5 is counter 2's OUT; bits 7:6 (NMI sources) read 0.
 *  - Accesses wider than a byte act on the addressed port with their low
 *    byte; the other bytes read as 0xFF and are not written (the 8254 and
 *    port B sit on the 8-bit side of the bus). Reading 0x43 returns 0xFF
 *    and changes nothing: the control word register is write-only.
 *  - tsc_hz of 0 or above VPIT_MAX_TSC_HZ stops the input clock (nothing
 *    counts, no IRQ is ever due) instead of overflowing. */
#ifndef BH_VPIT_H
#define BH_VPIT_H

#include "hv/lib/lib.h"

#define VPIT_HZ		1193182ull /* input clock, 14.31818 MHz / 12 */
#define VPIT_MAX_TSC_HZ (1ull << 43)
#define VPIT_PORT_CH0	0x40
#define VPIT_PORT_CTRL	0x43
#define VPIT_PORT_B	0x61

/* struct vpit_channel.flags */
#define VPIT_F_ARMED	      0x01 /* has a count to run with */
#define VPIT_F_COUNTING	      0x02 /* started, and its gate lets it count */
#define VPIT_F_PENDING	      0x04 /* mode 2/3: new count at switch_at */
#define VPIT_F_WRITE_MSB      0x08 /* the next count byte is the MSB */
#define VPIT_F_READ_MSB	      0x10 /* the next read returns the MSB */
#define VPIT_F_LATCHED	      0x20 /* reads return `latch` */
#define VPIT_F_STATUS_LATCHED 0x40 /* the next read returns `status` */
#define VPIT_F_NULL_COUNT     0x80 /* control word written, no count yet */

/* One counter. Plain old data (no pointers, no bools), so a snapshot
 * copies it as bytes and vpit_state_valid() can judge any bytes. Times
 * are partition TSC values; counts of clocks are of the 1.193182 MHz
 * input since the run began. */
struct vpit_channel {
	uint64_t start;	    /* TSC when the current stretch of counting began */
	uint64_t done;	    /* clocks of this run counted before `start` */
	uint64_t mark;	    /* clocks of this run whose edges are accounted */
	uint64_t switch_at; /* VPIT_F_PENDING: clocks at the end of the cycle */
	uint32_t count;	    /* initial count of this run, 1..65536 */
	uint16_t cr;	/* count register: the last count written (0 = 64K) */
	uint16_t latch; /* output latch */
	uint8_t ctrl;	/* control word bits 5:0: RW1 RW0 M2 M1 M0 BCD */
	uint8_t status; /* latched read-back status */
	uint8_t lsb;	/* first byte of a two-byte count being written */
	uint8_t flags;	/* VPIT_F_* */
};

struct vpit {
	struct vpit_channel ch[3];
	uint32_t edges;	 /* IRQ0 rising edges not yet taken by vpit_update */
	uint8_t port_b;	 /* port 0x61 bits 3:0 as written */
	uint8_t refresh; /* 0 or 1: port 0x61 bit 4 on the next read */
	uint8_t pad[2];
};

/* Power-on state (see the notes above). */
void vpit_init(struct vpit *pit);
/* True for 0x40-0x43 and 0x61. */
bool vpit_owns_port(uint16_t port);
/* Guest IN or OUT of `size` bytes at `port`: false (nothing done) if the
 * port is not the PIT's. For IN, *val gets the data (the caller masks it
 * to the size). */
bool vpit_io(struct vpit *pit, uint16_t port, uint8_t size, bool in,
	     uint32_t *val, uint64_t now, uint64_t tsc_hz);
/* Partition TSC time of the next IRQ0 rising edge: 0 if edges are waiting
 * to be taken (due now), UINT64_MAX if counter 0 will make none on its
 * own. */
uint64_t vpit_next_irq(const struct vpit *pit, uint64_t tsc_hz);
/* Brings counter 0 to `now` and returns the IRQ0 rising edges since the
 * last call (0 if none); the owner pulses IRQ0 once if there are any. */
unsigned vpit_update(struct vpit *pit, uint64_t now, uint64_t tsc_hz);
/* False for bytes no 8254 can be in (a count of 0 or above 65536, a
 * control word with no access mode, unknown flags, ...): a snapshot
 * restore refuses them. */
bool vpit_state_valid(const struct vpit *pit);

#endif
