#include "hv/vdev/vioapic.h"

#define R_ID	     0x00
#define R_VER	     0x01
#define R_ARB	     0x02
#define R_REDIR	     0x10
#define E_VECTOR     0xFFull
#define E_MODE(e)    (((e) >> 8) & 7)
#define E_LOGICAL    (1ull << 11)
#define E_STATUS     (1ull << 12)
#define E_POLARITY   (1ull << 13)
#define E_REMOTE_IRR (1ull << 14)
#define E_LEVEL	     (1ull << 15)
#define E_MASK	     (1ull << 16)
#define E_DEST(e)    ((uint8_t)((e) >> 56))
/* Bits software may write: vector, mode, dest mode, polarity, trigger,
 * mask and destination; status and remote IRR are read-only. */
#define E_WRITABLE                                                             \
	(0xFF000000000000FFull | 0x700 | E_LOGICAL | E_POLARITY | E_LEVEL |    \
	 E_MASK)

void vioapic_init(struct vioapic *io, uint8_t id)
{
	memset(io, 0, sizeof(*io));
	io->id = id;
	for (unsigned i = 0; i < VIOAPIC_PINS; i++)
		io->redir[i] = E_MASK;
}

static void fire(struct vioapic *io, unsigned pin, struct vioapic_msg *msg)
{
	uint64_t e = io->redir[pin];
	if (e & E_MASK)
		return;
	if (e & E_LEVEL) {
		if (e & E_REMOTE_IRR)
			return; /* still in service at the local APIC */
		io->redir[pin] |= E_REMOTE_IRR;
	}
	msg->valid = true;
	msg->vector = (uint8_t)(e & E_VECTOR);
	msg->mode = (uint8_t)E_MODE(e);
	msg->logical = e & E_LOGICAL;
	msg->level = e & E_LEVEL;
	msg->dest = E_DEST(e);
}

uint32_t vioapic_read(struct vioapic *io, uint32_t offset)
{
	if (offset == 0x00)
		return io->sel;
	if (offset != 0x10)
		return 0;
	unsigned r = io->sel;
	if (r == R_ID || r == R_ARB) /* arbitration ID = APIC ID */
		return (uint32_t)io->id << 24;
	if (r == R_VER)
		return ((VIOAPIC_PINS - 1u) << 16) | VIOAPIC_VERSION;
	if (r >= R_REDIR && r < R_REDIR + 2 * VIOAPIC_PINS) {
		uint64_t e = io->redir[(r - R_REDIR) / 2];
		return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	return 0;
}

void vioapic_write(struct vioapic *io, uint32_t offset, uint32_t val,
		   struct vioapic_msg *msg)
{
	msg->valid = false;
	if (offset == 0x00) {
		io->sel = (uint8_t)val;
		return;
	}
	if (offset != 0x10)
		return;
	unsigned r = io->sel;
	if (r == R_ID) {
		io->id = (uint8_t)((val >> 24) & 0x0F);
		return;
	}
	if (r < R_REDIR || r >= R_REDIR + 2 * VIOAPIC_PINS)
		return; /* VER, ARB and unused registers are read-only */
	unsigned pin = (r - R_REDIR) / 2;
	uint64_t e = io->redir[pin];
	uint64_t nv = (r & 1) ? (e & 0xFFFFFFFFull) | ((uint64_t)val << 32)
			      : (e & ~0xFFFFFFFFull) | val;
	io->redir[pin] = (e & (E_STATUS | E_REMOTE_IRR)) | (nv & E_WRITABLE);
	if (!(io->redir[pin] & E_LEVEL))
		io->redir[pin] &= ~E_REMOTE_IRR;
	/* An asserted level line fires once it is unmasked. */
	if ((io->line & (1u << pin)) && (io->redir[pin] & E_LEVEL))
		fire(io, pin, msg);
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool asserted,
		     struct vioapic_msg *msg)
{
	msg->valid = false;
	if (pin >= VIOAPIC_PINS)
		return;
	uint32_t bit = 1u << pin;
	bool was = io->line & bit;
	io->line = asserted ? io->line | bit : io->line & ~bit;
	if (!asserted)
		return;
	if ((io->redir[pin] & E_LEVEL) || !was)
		fire(io, pin, msg); /* level: while asserted; edge: rising */
}

void vioapic_eoi(struct vioapic *io, uint8_t vector, struct vioapic_msg *msg)
{
	msg->valid = false;
	for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
		uint64_t e = io->redir[pin];
		if (!(e & E_LEVEL) || (e & E_VECTOR) != vector)
			continue;
		io->redir[pin] &= ~E_REMOTE_IRR;
		if ((io->line & (1u << pin)) && !msg->valid)
			fire(io, pin, msg);
	}
}
