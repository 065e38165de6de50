/* hello.elf: the basic test guest. Prints a greeting from the command line,
 * what the hypervisor reports about the partition, then heartbeats, and
 * exits with status 0.
 *
 * Command line keys:
 *   greeting=TEXT  printed in the first line (default "(none)")
 *   beats=K        number of heartbeats (default 3; 0 = beat forever)
 *   delay=N        busy-wait loop iterations between beats (default 2000000)
 *   sleep=T        instead, sleep T TSC ticks between beats through the
 *                  sleep hypercall (the CPU halts meanwhile)
 *   rawport=P      also write the greeting line straight to the 16550 at
 *                  I/O port P (a physical UART the config may pass through)
 *   echo=1         after the heartbeats, echo console input line by line
 *                  ("hello: got <line>") until the line "quit"
 *
 * Output:
 *   hello: <greeting>
 *   hello: cpus=<N> mem=<M>MiB
 *   hello: heartbeat <i>            for i = 1..K
 *   hello: done                     (then exit status 0)
 */
#include "lib.h"

#define DEFAULT_BEATS 3u
#define DEFAULT_DELAY 2000000u
#define UART_LSR_DR   0x01

/* Polled receive from the partition's UART (LSR data-ready, then RBR). */
static char uart_getc(void)
{
	while (!(inb(BH_UART_BASE + 5) & UART_LSR_DR))
		;
	return (char)inb(BH_UART_BASE);
}

/* Writes one line to a 16550 at `base`, polling its LSR (bounded). */
static void raw_uart_line(uint16_t base, const char *tag, const char *text)
{
	const char *parts[3] = {tag, text, "\n"};
	for (unsigned p = 0; p < 3; p++)
		for (const char *c = parts[p]; *c; c++) {
			for (unsigned i = 0; i < 100000; i++)
				if (inb((uint16_t)(base + 5)) & 0x20)
					break;
			outb(base, (uint8_t)*c);
		}
}

static void echo_lines(void)
{
	char line[128];
	unsigned n = 0;
	kprintf("hello: echo ready\n");
	for (;;) {
		char c = uart_getc();
		if (c != '\r' && c != '\n') {
			if (n + 1 < sizeof(line))
				line[n++] = c;
			continue;
		}
		if (n == 0)
			continue;
		line[n] = 0;
		n = 0;
		kprintf("hello: got %s\n", line);
		if (line[0] == 'q' && line[1] == 'u' && line[2] == 'i' &&
		    line[3] == 't' && line[4] == 0)
			return;
	}
}

int guest_main(uint32_t magic, uint32_t mbi_addr)
{
	const struct mb_info *mbi = mb_info_get(magic, mbi_addr);
	const char *cmdline = mb_cmdline(mbi);
	char greeting[256];

	if (!cmdline_get(cmdline, "greeting", greeting, sizeof(greeting)))
		memcpy(greeting, "(none)", sizeof("(none)"));
	kprintf("hello: %s\n", greeting);
	uint32_t rawport = cmdline_get_u32(cmdline, "rawport", 0);
	if (rawport && rawport < 0xFFF8)
		raw_uart_line((uint16_t)rawport, "raw: ", greeting);

	uint32_t cpus = cpuid(BH_CPUID_INFO, 0).eax;
	uint32_t mem_mib = 0;
	if (mbi && (mbi->flags & MBI_MEM))
		mem_mib =
		    (uint32_t)(((uint64_t)mbi->mem_upper + 1024u) / 1024u);
	kprintf("hello: cpus=%u mem=%uMiB\n", cpus, mem_mib);

	uint32_t beats = cmdline_get_u32(cmdline, "beats", DEFAULT_BEATS);
	uint32_t delay = cmdline_get_u32(cmdline, "delay", DEFAULT_DELAY);
	uint32_t sleep = cmdline_get_u32(cmdline, "sleep", 0);
	for (uint32_t i = 1; beats == 0 || i <= beats; i++) {
		if (sleep)
			bh_sleep(sleep);
		else
			spin_delay(delay);
		kprintf("hello: heartbeat %u\n", i);
	}

	if (cmdline_get_u32(cmdline, "echo", 0))
		echo_lines();
	kprintf("hello: done\n");
	return 0;
}
