/* Virtual 16550: the partition's console. Transmit is line-buffered and
 * printed on the hypervisor console tagged with the partition's name;
 * receive is fed from the console input routing. Registers follow the
 * PC16550D datasheet; the emulation is polled-only (no interrupts yet). */
#include "vuart.h"
#include "console.h"

enum { R_DATA, R_IER, R_IIR_FCR, R_LCR, R_MCR, R_LSR, R_MSR, R_SCR };
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CTS_DSR_DCD 0xB0
#define IIR_NO_INT 0x01

void vuart_init(struct vuart *u, const char *tag)
{
	memset(u, 0, sizeof(*u));
	u->tag = tag;
	u->regs[R_LCR] = 0x03;
}

static void emit_line(struct vuart *u)
{
	console_guest_line(u->tag, u->line, u->len);
	u->len = 0;
}

static void tx(struct vuart *u, uint8_t c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		emit_line(u);
		return;
	}
	/* Control bytes other than tab are shown as '.', so a guest cannot
	 * drive the operator's terminal with escape sequences. */
	if ((c < 0x20 && c != '\t') || c == 0x7F)
		c = '.';
	u->line[u->len++] = (char)c;
	if (u->len == VUART_LINE_MAX)
		emit_line(u);
}

static bool rx_pop(struct vuart *u, uint8_t *c)
{
	if (u->rx_head == u->rx_tail)
		return false;
	*c = u->rx[u->rx_tail % VUART_RX_SIZE];
	u->rx_tail++;
	return true;
}

uint32_t vuart_read(struct vuart *u, unsigned off)
{
	uint32_t v = 0;
	bool dlab = u->regs[R_LCR] & LCR_DLAB;
	spin_lock(&u->lock);
	switch (off) {
	case R_DATA:
		if (dlab) {
			v = u->regs[R_DATA];
		} else {
			uint8_t c = 0;
			rx_pop(u, &c);
			v = c;
		}
		break;
	case R_IIR_FCR:
		v = IIR_NO_INT;
		break;
	case R_LSR:
		v = LSR_THRE | LSR_TEMT |
		    (u->rx_head != u->rx_tail ? LSR_DR : 0);
		break;
	case R_MSR:
		v = MSR_CTS_DSR_DCD;
		break;
	default:
		v = u->regs[off & 7];
	}
	spin_unlock(&u->lock);
	return v;
}

void vuart_write(struct vuart *u, unsigned off, uint8_t val)
{
	spin_lock(&u->lock);
	bool dlab = u->regs[R_LCR] & LCR_DLAB;
	if (off == R_DATA && !dlab)
		tx(u, val);
	else if (off != R_LSR && off != R_MSR && off != R_IIR_FCR)
		u->regs[off & 7] = val; /* divisor, IER, LCR, MCR, SCR */
	spin_unlock(&u->lock);
}

bool vuart_push_rx(struct vuart *u, uint8_t c)
{
	spin_lock(&u->lock);
	bool ok = u->rx_head - u->rx_tail < VUART_RX_SIZE;
	if (ok)
		u->rx[u->rx_head++ % VUART_RX_SIZE] = c;
	spin_unlock(&u->lock);
	return ok;
}

void vuart_flush(struct vuart *u)
{
	spin_lock(&u->lock);
	if (u->len)
		emit_line(u);
	spin_unlock(&u->lock);
}
