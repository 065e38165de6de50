/* Freestanding support library for the Bulkhead test guests (see lib.h). */
#include "lib.h"

#define UART_THR      (BH_UART_BASE + 0)
#define UART_LSR      (BH_UART_BASE + 5)
#define UART_LSR_THRE 0x20u
#define UART_POLLS    1000000u /* bound on waiting for THR empty */

void spin_delay(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		barrier();
}

void halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli\n\thlt");
}

void guest_exit(uint32_t status)
{
	/* out dx, eax: a 32-bit write of the status to the debug-exit port */
	__asm__ __volatile__("outl %%eax, %%dx"
			     :
			     : "a"(status), "d"((uint16_t)BH_EXIT_PORT)
			     : "memory");
	halt_forever();
}

int bh_vmmcall = -1;

void bh_hypercall_detect(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	/* "AuthenticAMD": EBX "Auth", EDX "enti", ECX "cAMD" */
	bh_vmmcall =
	    r.ebx == 0x68747541 && r.edx == 0x69746E65 && r.ecx == 0x444D4163;
}

bool bh_present(void)
{
	struct cpuid_regs r = cpuid(BH_CPUID_BASE, 0);
	return r.ebx == BH_SIGNATURE_EBX && r.ecx == BH_SIGNATURE_ECX &&
	       r.edx == BH_SIGNATURE_EDX;
}

void bh_sleep(uint32_t ticks)
{
	uint64_t end = rdtsc_ordered() + ticks;
	for (uint64_t now; (now = rdtsc_ordered()) < end;)
		bh_vmcall(BH_HC_SLEEP, (uint32_t)(end - now), 0, 0);
}

/* ---- Strings and numbers -----------------------------------------------*/

void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem)
{
	uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
	uint32_t qhi = hi / d, r = hi % d, qlo;

	/* r < d, so the 64/32 DIV of r:lo cannot overflow */
	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(d));
	if (rem)
		*rem = r;
	return ((uint64_t)qhi << 32) | qlo;
}

/* ---- Console -----------------------------------------------------------*/

void serial_putc(char c)
{
	for (uint32_t i = 0; i < UART_POLLS; i++) {
		if (inb(UART_LSR) & UART_LSR_THRE)
			break;
	}
	outb(UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		serial_putc(s[i]);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

static void pad(char c, int n)
{
	while (n-- > 0)
		serial_putc(c);
}

/* Emits s (len bytes) in a field of `width`, left-justified if `left`. */
static void field(const char *s, int len, int width, bool left, char fill)
{
	if (!left) {
		/* zero padding goes after a sign */
		if (fill == '0' && len > 0 && s[0] == '-') {
			serial_putc('-');
			s++;
			len--;
			width--;
		}
		pad(fill, width - len);
	}
	serial_write(s, (size_t)len);
	if (left)
		pad(' ', width - len);
}

static int fmt_u64(char *out, uint64_t v, uint32_t base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len = 0;

	do {
		uint32_t r;
		v = udiv64(v, base, &r);
		tmp[n++] = digits[r];
	} while (v);
	while (n)
		out[len++] = tmp[--n];
	return len;
}

void kvprintf(const char *fmt, va_list ap)
{
	char buf[32];

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			serial_putc(*fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char fill = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				fill = '0';
			else
				break;
		}
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int lng = 0;
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		if (left)
			fill = ' ';

		uint64_t u;
		int len;
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t s = lng >= 2 ? va_arg(ap, long long)
				    : lng    ? va_arg(ap, long)
					     : va_arg(ap, int);
			len = 0;
			if (s < 0) {
				buf[len++] = '-';
				u = (uint64_t)0 - (uint64_t)s;
			} else {
				u = (uint64_t)s;
			}
			len += fmt_u64(buf + len, u, 10, false);
			field(buf, len, width, left, fill);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			u = lng >= 2 ? va_arg(ap, unsigned long long)
			    : lng    ? va_arg(ap, unsigned long)
				     : va_arg(ap, unsigned int);
			len =
			    fmt_u64(buf, u, *fmt == 'u' ? 10 : 16, *fmt == 'X');
			field(buf, len, width, left, fill);
			break;
		case 'p':
			buf[0] = '0';
			buf[1] = 'x';
			len =
			    2 + fmt_u64(buf + 2, (uintptr_t)va_arg(ap, void *),
					16, false);
			field(buf, len, width, left, fill);
			break;
		case 'c':
			buf[0] = (char)va_arg(ap, int);
			field(buf, 1, width, left, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			field(s, (int)strlen(s), width, left, ' ');
			break;
		}
		case '%':
			serial_putc('%');
			break;
		case '\0':
			return;
		default:
			serial_putc('%');
			serial_putc(*fmt);
			break;
		}
	}
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/* ---- Multiboot ---------------------------------------------------------*/

const struct mb_info *mb_info_get(uint32_t magic, uint32_t mbi_addr)
{
	if (magic != MB_BOOT_MAGIC || mbi_addr == 0)
		return NULL;
	return (const struct mb_info *)(uintptr_t)mbi_addr;
}

const char *mb_cmdline(const struct mb_info *mbi)
{
	if (!mbi || !(mbi->flags & MBI_CMDLINE) || mbi->cmdline == 0)
		return "";
	return (const char *)(uintptr_t)mbi->cmdline;
}

uint64_t mb_ram_bytes(const struct mb_info *mbi)
{
	if (!mbi || !(mbi->flags & MBI_MEM))
		return 0;
	return 0x100000ull + (uint64_t)mbi->mem_upper * 1024u;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	bool found = false;
	const char *p = cmdline;

	/* the last occurrence wins, so appended options override */
	while (*p) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		const char *tok = p;
		bool quoted = false;
		while (*p && (quoted || !is_space(*p))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		if ((size_t)(p - tok) <= klen || memcmp(tok, key, klen) != 0 ||
		    tok[klen] != '=')
			continue;

		const char *v = tok + klen + 1;
		size_t n = 0;
		found = true;
		for (; v < p; v++) {
			if (*v == '"')
				continue;
			if (n + 1 < size)
				buf[n++] = *v;
		}
		if (size)
			buf[n] = '\0';
	}
	return found;
}

uint32_t cmdline_get_u32(const char *cmdline, const char *key, uint32_t def)
{
	char buf[24];
	const char *s = buf;
	uint32_t base = 10;
	uint64_t v = 0;

	if (!cmdline_get(cmdline, key, buf, sizeof(buf)) || !buf[0])
		return def;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return def;
	}
	for (; *s; s++) {
		uint32_t d;
		if (*s >= '0' && *s <= '9')
			d = (uint32_t)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (uint32_t)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (uint32_t)(*s - 'A' + 10);
		else
			return def;
		v = v * base + d;
		if (v > 0xFFFFFFFFull)
			return def;
	}
	return (uint32_t)v;
}
