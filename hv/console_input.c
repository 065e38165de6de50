/* Console input routing: bytes typed on the hypervisor console go to one
 * partition at a time (its virtual UART's receive FIFO). The escape key is
 * Ctrl-A, then:
 *   1..8    send input to partition 1..8 (in config order)
 *   Ctrl-A  send a literal Ctrl-A
 *   ?       list the partitions and show which one has the input
 * The physical UART is polled lazily, whenever a guest reads its own UART,
 * before each entry and every CONSOLE_POLL_MS while a boot vCPU halts, and
 * from CPUs that run no partition, so no interrupt is needed. */
#include "hv/console.h"
#include "hv/partition.h"
#include "hv/cpu.h"
#include "hv/lib/spinlock.h"
#include "drivers/uart16550.h"

#define ESCAPE_KEY 0x01 /* Ctrl-A */

static struct spinlock in_lock;
static unsigned focus;
static bool escaped;
static uint16_t in_port;

void console_input_init(uint16_t port)
{
	in_port = port;
	if (npartitions)
		hv_log("console input goes to partition %s; press Ctrl-A "
		       "then 1..%u to switch, Ctrl-A ? to list",
		       partitions[0].name, npartitions);
}

static void list_partitions(void)
{
	for (unsigned i = 0; i < npartitions; i++)
		hv_log("  %u: %s%s%s", i + 1, partitions[i].name,
		       part_halted(&partitions[i]) ? " (stopped)" : "",
		       i == focus ? " <- input" : "");
}

static void route(uint8_t c)
{
	if (escaped) {
		escaped = false;
		if (c >= '1' && c < '1' + npartitions) {
			focus = c - '1';
			hv_log("console input now goes to partition %s",
			       partitions[focus].name);
			return;
		}
		if (c == '?') {
			list_partitions();
			return;
		}
		if (c != ESCAPE_KEY)
			return;
	} else if (c == ESCAPE_KEY) {
		escaped = true;
		return;
	}
	if (focus < npartitions)
		vuart_push_rx(&partitions[focus].uart, c);
}

void console_poll_input(void)
{
	uint8_t c;
	if (!in_port || in_lock.locked)
		return; /* another CPU is already draining the UART */
	spin_lock(&in_lock);
	while (uart_getc(in_port, &c))
		route(c);
	spin_unlock(&in_lock);
}

uint64_t console_poll_deadline(uint64_t deadline)
{
	if (!in_port)
		return deadline;
	uint64_t next = arch_now() + hv_tsc_hz / 1000 * CONSOLE_POLL_MS;
	return next < deadline ? next : deadline;
}
