/* Physical 16550 UART, polled. Register layout per the PC16550D datasheet. */
#include "drivers/uart16550.h"
#include "arch/x86_64/x86.h"

enum {
	UART_THR = 0, /* transmit holding (DLAB=0) */
	UART_RBR = 0, /* receive buffer (DLAB=0) */
	UART_DLL = 0, /* divisor low (DLAB=1) */
	UART_IER = 1,
	UART_DLM = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
};
#define LSR_DR	 0x01 /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

void uart_init(uint16_t base)
{
	outb(base + UART_IER, 0x00);
	outb(base + UART_LCR, 0x80); /* DLAB: set divisor */
	outb(base + UART_DLL, 1);    /* 115200 baud */
	outb(base + UART_DLM, 0);
	outb(base + UART_LCR, 0x03); /* 8N1 */
	outb(base + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(base + UART_MCR, 0x03); /* DTR, RTS */
}

void uart_putc(uint16_t base, char c)
{
	/* Bounded wait: a missing UART must not hang the hypervisor. */
	for (unsigned i = 0; i < 1000000; i++)
		if (inb(base + UART_LSR) & LSR_THRE)
			break;
	outb(base + UART_THR, (uint8_t)c);
}

bool uart_getc(uint16_t base, uint8_t *c)
{
	if (!(inb(base + UART_LSR) & LSR_DR))
		return false;
	*c = inb(base + UART_RBR);
	return true;
}
