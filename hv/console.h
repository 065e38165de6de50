/* The hypervisor console: the physical UART chosen in the config.
 * Every line is written whole under one lock so CPUs never interleave. */
#ifndef BH_CONSOLE_H
#define BH_CONSOLE_H

#include "hv/lib/lib.h"

void console_init(uint16_t uart_base);
/* A message line "bulkhead: [cpuN: ]<text>\n" (the loader has no CPU tag). */
void console_vlog(bool cpu_tag, const char *fmt, va_list ap);
/* Hypervisor message: "bulkhead: cpuN: <text>\n". */
void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last (up to max) hypervisor messages, oldest first, without their
 * newline; the strings stay valid until LOG_LINES more are logged. */
unsigned console_log_lines(const char **out, unsigned max);
/* A guest's output line, tagged "[name] <line>\n". */
void console_guest_line(const char *name, const char *line, size_t len);
/* Raw text, already formatted (used by the loader mirror). */
void console_write(const char *s, size_t len);

/* Hook so the loader can mirror messages to the UEFI console too. */
extern void (*console_mirror)(const char *s, size_t len);

/* Set by the loader while the firmware console already reaches the UART,
 * so boot messages are not printed twice. */
extern bool console_uart_muted;

/* Console input routing and the focused view (hv/console_input.c). With
 * `focus`, partitions' output is shown only while they have the input. */
void console_input_init(uint16_t port, bool focus);
/* Whether partition `id`'s output goes to the screen now. */
bool console_shows(unsigned id);
bool console_focused_view(void);
/* Whether partition `id` has the console input. */
bool console_has_input(unsigned id);
void console_poll_input(void);
/* The sooner of `deadline` and the next poll of the input UART, for a CPU
 * that waits while it also polls the input (CONSOLE_POLL_MS apart: a
 * 16-byte FIFO at 115200 baud fills in 1.4 ms). */
#define CONSOLE_POLL_MS 1
uint64_t console_poll_deadline(uint64_t deadline);

#endif
