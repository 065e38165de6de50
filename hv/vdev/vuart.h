/* Virtual 16550A UART seen by a partition (its console at 0x3F8, IRQ 4;
 * the manager's management UART at 0x2F8, IRQ 3), with a receive FIFO
 * and the receive/transmit-empty interrupts on an IRQ line its owner
 * wires up. */
#ifndef BH_VUART_H
#define BH_VUART_H

#include "hv/lib/lib.h"
#include "hv/lib/spinlock.h"

#define VUART_LINE_MAX 200
#define VUART_RX_SIZE  64

/* Where complete output lines go (the owner's console). */
typedef void vuart_line_fn(void *ctx, const char *line, size_t len);
/* Or, in byte mode, where each transmitted byte goes as it is. */
typedef void vuart_byte_fn(void *ctx, uint8_t c);

/* What the UART holds for the guest: registers, receive FIFO, latched
 * interrupt, FIFO mode and the partial output line. A snapshot keeps
 * this and nothing of the owner's wiring. */
struct vuart_state {
	char line[VUART_LINE_MAX];
	unsigned len;
	uint8_t regs[8]; /* IER, LCR, MCR, SCR, DLL, DLM as written */
	uint8_t rx[VUART_RX_SIZE];
	volatile unsigned rx_head, rx_tail;
	bool thre_pending; /* transmit-holding-empty interrupt latched */
	bool fifo;	   /* FCR bit 0: 16550A FIFO mode */
};

struct vuart {
	struct spinlock lock;
	struct vuart_state st;
	/* The level last driven into the owner's line. Not in the state: it
	 * follows the owner's line, which a restore moves from where it is
	 * (the level itself follows from the state). */
	bool irq_line;
	bool raw; /* keep carriage returns (console = raw) */
	vuart_line_fn *line_out;
	vuart_byte_fn *byte_out; /* set: byte mode (no lines) */
	void (*irq)(void *ctx, bool level);
	void *ctx; /* the owner's, for line_out and irq */
};

void vuart_init(struct vuart *u, vuart_line_fn *line_out,
		void (*irq)(void *ctx, bool level), void *ctx);
/* Guest access to register `off` (0..7). */
uint32_t vuart_read(struct vuart *u, unsigned off);
void vuart_write(struct vuart *u, unsigned off, uint8_t val);
/* Host side: queue an input byte; false if the FIFO is full. */
bool vuart_push_rx(struct vuart *u, uint8_t c);
/* Emit any partial line (when the partition stops). */
void vuart_flush(struct vuart *u);

/* Snapshots: the state, under the UART's lock. */
void vuart_save(struct vuart *u, struct vuart_state *out);
/* False for a state no UART can be in (a full partial line, more bytes
 * than the FIFO holds): restoring it would overrun the buffers. */
bool vuart_state_valid(const struct vuart_state *s);
/* Takes the state `in` (left as it is if not valid) and moves the
 * owner's IRQ line to the level it implies. The owner's wiring and raw
 * flag are kept. */
void vuart_restore(struct vuart *u, const struct vuart_state *in);

#endif
