/* Virtual 8259A pair a partition sees: master at 0x20/0x21, slave at
 * 0xA0/0xA1 cascaded on the master's IR2, edge/level control (ELCR) at
 * 0x4D0/0x4D1. Pure logic: no locking (the caller holds the partition's
 * lock) and no knowledge of VMX; the caller injects what vpic_ack() returns.
 *
 * Model notes:
 *  - An input in edge mode latches its IRR bit on a 0->1 transition of the
 *    line and the bit stays latched until the INTA cycle (a pulse is
 *    enough). In level mode (ELCR bit set) the IRR bit follows the line and
 *    is not cleared by INTA, so the IRQ is delivered again after EOI while
 *    the line stays high. In both modes IMR gates delivery, not latching
 *    (as on the 8259A), so reading IRR shows masked requests.
 *  - The master's IR2 follows the slave's INT output directly; IRQ2 itself
 *    is not an external input (vpic_set_irq(p, 2, ...) is ignored).
 *  - ICW1 LTIM and ADI, ICW4 uPM and buffered mode are accepted and ignored
 *    (PC/AT wiring, x86 mode, ELCR decides the trigger mode). ICW3 is
 *    stored but the cascade on IR2 is fixed.
 *  - Implemented: OCW2 EOI/specific EOI/rotate variants/set priority, OCW3
 *    IRR/ISR read select, poll mode, special mask mode, ICW4 auto-EOI and
 *    special fully nested mode. */
#ifndef BH_VPIC_H
#define BH_VPIC_H

#include "hv/lib/lib.h"

#define VPIC_MASTER_CMD	 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD	 0xA0
#define VPIC_SLAVE_DATA	 0xA1
#define VPIC_ELCR_MASTER 0x4D0
#define VPIC_ELCR_SLAVE	 0x4D1
#define VPIC_CASCADE_IRQ 2

/* One 8259A. Bit n of the 8-bit masks is input IRn. */
struct vpic_chip {
	uint8_t irr;	    /* interrupt request register */
	uint8_t isr;	    /* in-service register */
	uint8_t imr;	    /* interrupt mask register (OCW1) */
	uint8_t line;	    /* current level of each input */
	uint8_t elcr;	    /* 1 = level triggered */
	uint8_t elcr_mask;  /* ELCR bits that may be set */
	uint8_t base;	    /* vector base from ICW2 (bits 7:3) */
	uint8_t icw3;	    /* as written (cascade wiring is fixed) */
	uint8_t prio_add;   /* input with the highest priority (rotation) */
	uint8_t init_state; /* 0 ready, else next ICW expected (2, 3 or 4) */
	bool icw4_needed;   /* ICW1.IC4 */
	bool single;	    /* ICW1.SNGL: no ICW3 */
	bool auto_eoi;	    /* ICW4.AEOI */
	bool rotate_aeoi;   /* OCW2 "rotate in automatic EOI mode" */
	bool sfnm;	    /* ICW4.SFNM (special fully nested mode) */
	bool special_mask;  /* OCW3 special mask mode */
	bool read_isr;	    /* OCW3 RR/RIS: command-port reads return ISR */
	bool poll;	    /* OCW3 P: next read is a poll */
};

struct vpic {
	struct vpic_chip chip[2]; /* [0] master, [1] slave */
};

/* Power-on state: not initialised by the guest, vector bases 0x08/0x70 (as
 * a BIOS leaves them), all inputs masked and edge-triggered. */
void vpic_init(struct vpic *p);
/* True for 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1. */
bool vpic_owns_port(uint16_t port);
/* Guest IN/OUT of one byte; unowned ports read 0xFF and ignore writes. A
 * read in poll mode is an interrupt acknowledge of that chip. */
uint8_t vpic_read(struct vpic *p, uint16_t port);
void vpic_write(struct vpic *p, uint16_t port, uint8_t val);
/* Drive input `irq` (0-15; others and the cascade input 2 are ignored). */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);
/* Vector an INTA cycle would return now, or -1 if the pair's INT output is
 * low (IMR, ISR priority, special mask mode and the cascade respected). */
int vpic_pending(const struct vpic *p);
/* INTA cycle: returns the vector and moves IRR->ISR (unless auto-EOI). If
 * nothing is requested any more, returns the master's IRQ7 vector
 * (spurious) without setting ISR. */
int vpic_ack(struct vpic *p);

#endif
