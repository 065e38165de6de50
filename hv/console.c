#include "hv/console.h"
#include "arch/host.h"
#include "hv/lib/spinlock.h"
#include "drivers/uart16550.h"

static uint16_t con_base;
static struct spinlock con_lock;
void (*console_mirror)(const char *s, size_t len);
bool console_uart_muted;

void console_init(uint16_t uart_base)
{
	con_base = uart_base;
	uart_init(uart_base);
}

static void put_locked(const char *s, size_t len)
{
	for (size_t i = 0; i < len && !console_uart_muted; i++) {
		if (s[i] == '\n')
			uart_putc(con_base, '\r');
		uart_putc(con_base, s[i]);
	}
	if (console_mirror)
		console_mirror(s, len);
}

void console_write(const char *s, size_t len)
{
	spin_lock(&con_lock);
	put_locked(s, len);
	spin_unlock(&con_lock);
}

/* The last hypervisor messages, for the management channel's `log`. */
#define LOG_LINES 64
#define LOG_WIDTH 160
static char log_ring[LOG_LINES][LOG_WIDTH];
static unsigned log_next; /* lines ever logged */

static void log_keep(const char *line, size_t len)
{
	if (len >= LOG_WIDTH)
		len = LOG_WIDTH - 1;
	char *slot = log_ring[log_next % LOG_LINES];
	memcpy(slot, line, len);
	slot[len] = '\0';
	log_next++;
}

unsigned console_log_lines(const char **out, unsigned max)
{
	spin_lock(&con_lock);
	unsigned n = log_next < LOG_LINES ? log_next : LOG_LINES;
	if (n > max)
		n = max;
	for (unsigned i = 0; i < n; i++)
		out[i] = log_ring[(log_next - n + i) % LOG_LINES];
	spin_unlock(&con_lock);
	return n;
}

void console_vlog(bool cpu_tag, const char *fmt, va_list ap)
{
	char buf[300];
	int n = cpu_tag ? bh_snprintf(buf, sizeof(buf),
				      "bulkhead: cpu%u: ", arch_this_cpu())
			: bh_snprintf(buf, sizeof(buf), "bulkhead: ");
	bh_vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	size_t len = strlen(buf);
	spin_lock(&con_lock);
	log_keep(buf, len);
	buf[len++] = '\n';
	put_locked(buf, len);
	spin_unlock(&con_lock);
}

void hv_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	console_vlog(true, fmt, ap);
	va_end(ap);
}

void console_guest_line(const char *name, const char *line, size_t len)
{
	spin_lock(&con_lock);
	put_locked("[", 1);
	put_locked(name, strlen(name));
	put_locked("] ", 2);
	put_locked(line, len);
	put_locked("\n", 1);
	spin_unlock(&con_lock);
}
