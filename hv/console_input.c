/* Console input routing: bytes typed on the hypervisor console go to one
 * partition at a time (its virtual UART's receive FIFO). The escape key is
 * Ctrl-A, then:
 *   1..8    send input to partition 1..8 (in config order); in the focused
 *           view (`view = focus`) only that partition's output is shown
 *           from then on, after the last REPLAY_LINES lines it wrote
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

#define ESCAPE_KEY   0x01 /* Ctrl-A */
#define REPLAY_LINES 24	  /* a screenful */

static struct spinlock in_lock;
static volatile unsigned focus;
static bool escaped;
static bool view_focus;
static uint16_t in_port;

void console_input_init(uint16_t port, bool focused_view)
{
	in_port = port;
	view_focus = focused_view;
	if (npartitions)
		hv_log("console input goes to partition %s; press Ctrl-A "
		       "then 1..%u to switch, Ctrl-A ? to list%s",
		       partitions[0].name, npartitions,
		       view_focus ? " (view: focus, only its output is shown)"
				  : "");
}

bool console_shows(unsigned id)
{
	return !view_focus || id == focus;
}

bool console_focused_view(void)
{
	return view_focus;
}

bool console_has_input(unsigned id)
{
	return id == focus;
}

/* The newest REPLAY_LINES complete lines of the partition's ring, shown
 * as if it wrote them now. Called with its con_lock held, so no line of
 * it is shown twice or not at all around the switch. */
static void replay(struct partition *p)
{
	static uint8_t buf[OUTRING_SIZE];
	uint64_t first;
	size_t n = outring_read(&p->con_ring, 0, buf, sizeof(buf), &first);
	size_t start = n, lines = 0;
	while (start > 0 && lines <= REPLAY_LINES)
		if (buf[--start] == '\n')
			lines++;
	if (lines > REPLAY_LINES || (start == 0 && first > 0)) {
		while (start < n && buf[start] != '\n')
			start++; /* drop a cut or surplus first line */
		start++;
	}
	for (size_t i = start; i < n; i++) {
		size_t j = i;
		while (j < n && buf[j] != '\n')
			j++;
		part_console_show(p, (const char *)buf + i, j - i);
		i = j;
	}
}

static void set_focus(unsigned id)
{
	struct partition *p = &partitions[id];
	spin_lock(&p->con_lock);
	focus = id;
	hv_log("console input now goes to partition %s%s", p->name,
	       view_focus ? "; its last lines:" : "");
	if (view_focus)
		replay(p);
	spin_unlock(&p->con_lock);
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
			set_focus(c - '1');
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
