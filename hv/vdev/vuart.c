/* Virtual 16550A: the partition's console, or the manager's management
 * UART. Transmit is line-buffered and goes to the owner's line sink (the
 * hypervisor console, tagged with the partition's name), or byte by byte
 * to a byte sink (the management channel); receive is fed by the owner;
 * the receive and transmit-empty interrupts drive the owner's IRQ line.
 * Registers follow the PC16550D datasheet. Pure: no console, no IRQ
 * routing of its own. */
#include "hv/vdev/vuart.h"

enum { R_DATA, R_IER, R_IIR_FCR, R_LCR, R_MCR, R_LSR, R_MSR, R_SCR };
/* regs[] slot keeping the divisor latch high byte (DLAB=1, offset 1);
 * offset 2 has no stored register (IIR/FCR), so its slot is free. */
#define R_DLM_SAVE	R_IIR_FCR
#define LCR_DLAB	0x80
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS_DSR_DCD 0xB0
#define IIR_NO_INT	0x01
#define IIR_THRE	0x02
#define IIR_RX		0x04
#define IIR_FIFO	0xC0
#define IER_RX		0x01
#define IER_THRE	0x02
#define IER_MASK	0x0F

void vuart_init(struct vuart *u, vuart_line_fn *line_out,
		void (*irq)(void *ctx, bool level), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->line_out = line_out;
	u->irq = irq;
	u->ctx = ctx;
	u->st.regs[R_LCR] = 0x03;
}

static void emit_line(struct vuart *u)
{
	if (u->line_out)
		u->line_out(u->ctx, u->st.line, u->st.len);
	u->st.len = 0;
}

/* Bytes are kept as written (the owner's sink decides how to show them),
 * but for carriage returns outside raw mode: a line ends at '\n'. In byte
 * mode every byte goes to the owner at once. */
static void tx(struct vuart *u, uint8_t c)
{
	if (u->byte_out) {
		u->byte_out(u->ctx, c);
		return;
	}
	if (c == '\r' && !u->raw)
		return;
	if (c == '\n') {
		emit_line(u);
		return;
	}
	u->st.line[u->st.len++] = (char)c;
	if (u->st.len == VUART_LINE_MAX)
		emit_line(u);
}

static bool rx_pop(struct vuart *u, uint8_t *c)
{
	if (u->st.rx_head == u->st.rx_tail)
		return false;
	*c = u->st.rx[u->st.rx_tail % VUART_RX_SIZE];
	u->st.rx_tail++;
	return true;
}

static bool rx_ready(const struct vuart *u)
{
	return u->st.rx_head != u->st.rx_tail;
}

/* Level of the IRQ line (PC16550D: interrupt enable and identification). */
static bool irq_level(const struct vuart *u)
{
	uint8_t ier = u->st.regs[R_IER];
	return ((ier & IER_RX) && rx_ready(u)) ||
	       ((ier & IER_THRE) && u->st.thre_pending);
}

/* Moves the IRQ line to its new level, then releases the lock. The IRQ
 * path takes the partition's interrupt locks, which never wait for a
 * UART's. The line follows the state under the lock: two CPUs (the one that
 * pushes typed input, the vCPU that reads it) must not apply their levels
 * out of order, or the line could stay high in irq_line while the guest
 * sees it low, and the next byte would make no edge: the partition's
 * input would stop for good (seen in QEMU with two vCPUs). */
static void unlock_update_irq(struct vuart *u)
{
	bool level = irq_level(u);

	if (u->irq && level != u->irq_line) {
		u->irq_line = level;
		u->irq(u->ctx, level);
	}
	spin_unlock(&u->lock);
}

static uint32_t read_iir(struct vuart *u)
{
	uint32_t v = u->st.fifo ? IIR_FIFO : 0;
	uint8_t ier = u->st.regs[R_IER];
	if ((ier & IER_RX) && rx_ready(u))
		return v | IIR_RX;
	if ((ier & IER_THRE) && u->st.thre_pending) {
		u->st.thre_pending = false; /* reading IIR clears it */
		return v | IIR_THRE;
	}
	return v | IIR_NO_INT;
}

uint32_t vuart_read(struct vuart *u, unsigned off)
{
	uint32_t v = 0;
	spin_lock(&u->lock);
	bool dlab = u->st.regs[R_LCR] & LCR_DLAB;
	switch (off) {
	case R_DATA:
		if (dlab) {
			v = u->st.regs[R_DATA];
		} else {
			uint8_t c = 0;
			rx_pop(u, &c);
			v = c;
		}
		break;
	case R_IER:
		v = dlab ? u->st.regs[R_DLM_SAVE] : u->st.regs[R_IER];
		break;
	case R_IIR_FCR:
		v = read_iir(u);
		break;
	case R_LSR:
		v = LSR_THRE | LSR_TEMT | (rx_ready(u) ? LSR_DR : 0);
		break;
	case R_MSR:
		v = MSR_CTS_DSR_DCD;
		break;
	default:
		v = u->st.regs[off & 7];
	}
	unlock_update_irq(u);
	return v;
}

void vuart_write(struct vuart *u, unsigned off, uint8_t val)
{
	spin_lock(&u->lock);
	bool dlab = u->st.regs[R_LCR] & LCR_DLAB;
	if (off == R_DATA && !dlab) {
		tx(u, val);
		u->st.thre_pending = true; /* sent at once: THR empty again */
	} else if (off == R_IER && dlab) {
		u->st.regs[R_DLM_SAVE] = val;
	} else if (off == R_IER) {
		if ((val & IER_THRE) && !(u->st.regs[R_IER] & IER_THRE))
			u->st.thre_pending = true;
		u->st.regs[R_IER] = val & IER_MASK;
	} else if (off == R_IIR_FCR) {
		u->st.fifo = val & 1;
		if (val & 2) /* clear the receive FIFO */
			u->st.rx_tail = u->st.rx_head;
	} else if (off != R_LSR && off != R_MSR) {
		u->st.regs[off & 7] = val; /* divisor low, LCR, MCR, SCR */
	}
	unlock_update_irq(u);
}

bool vuart_push_rx(struct vuart *u, uint8_t c)
{
	spin_lock(&u->lock);
	bool ok = u->st.rx_head - u->st.rx_tail < VUART_RX_SIZE;
	if (ok)
		u->st.rx[u->st.rx_head++ % VUART_RX_SIZE] = c;
	unlock_update_irq(u);
	return ok;
}

void vuart_flush(struct vuart *u)
{
	spin_lock(&u->lock);
	if (u->st.len)
		emit_line(u);
	spin_unlock(&u->lock);
}

/* memcpy, not assignment: the bytes of a snapshot are the same every time
 * (padding included). */
void vuart_save(struct vuart *u, struct vuart_state *out)
{
	spin_lock(&u->lock);
	memcpy(out, &u->st, sizeof(*out));
	spin_unlock(&u->lock);
}

/* The UART never keeps a full line (tx emits it) nor more than the FIFO
 * (vuart_push_rx refuses); the indices themselves may wrap. */
bool vuart_state_valid(const struct vuart_state *s)
{
	return s->len < VUART_LINE_MAX &&
	       s->rx_head - s->rx_tail <= VUART_RX_SIZE;
}

/* irq_line still says where the owner's line is, so the owner sees a
 * change only if the restored level differs from it. */
void vuart_restore(struct vuart *u, const struct vuart_state *in)
{
	if (!vuart_state_valid(in))
		return;
	spin_lock(&u->lock);
	memcpy(&u->st, in, sizeof(u->st));
	unlock_update_irq(u);
}
