/* Polled driver for the physical 16550 UART (the hypervisor console). */
#ifndef BH_UART16550_H
#define BH_UART16550_H

#include <stdbool.h>
#include <stdint.h>

void uart_init(uint16_t base);
void uart_putc(uint16_t base, char c);
/* Returns true and stores a byte if one was received. */
bool uart_getc(uint16_t base, uint8_t *c);

#endif
