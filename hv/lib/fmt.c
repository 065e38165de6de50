/* bh_vsnprintf / bh_snprintf / bh_strlcpy: a small, freestanding-safe
 * formatter shared by the core and the host tools. No libc, no floating
 * point, no global state.
 *
 * Supported: %s %c %d %i %u %x %X %p %%
 *   flags:     '-' (left-justify), '0' (zero-pad), '#' (0x prefix for x/X)
 *   width:     digits or '*'
 *   precision: '.' digits or '.*' -- for %s the maximum number of characters,
 *              for integers the minimum number of digits (as in C)
 *   length:    hh h l ll z j t
 * %s with a NULL pointer prints "(null)"; %p prints 0x followed by hex digits.
 * An unknown conversion is copied to the output verbatim. */
#include "hv/lib/lib.h"

/* Clamp for widths and precisions so that absurd values cannot overflow. */
#define FMT_WIDTH_LIMIT 4096

struct fmt_out {
	char *buf;
	size_t size;
	size_t pos; /* characters wanted so far (may exceed size) */
};

struct fmt_spec {
	bool left;
	bool zero;
	bool alt;
	unsigned width;
	int prec; /* -1: none */
};

static void put_char(struct fmt_out *o, char c)
{
	if (o->size && o->pos < o->size - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_repeat(struct fmt_out *o, char c, unsigned count)
{
	while (count--)
		put_char(o, c);
}

/* s[0, len), padded with spaces to the field width (%s and %c). */
static void put_field(struct fmt_out *o, const struct fmt_spec *sp,
		      const char *s, size_t len)
{
	unsigned pad = sp->width > len ? sp->width - (unsigned)len : 0;

	if (!sp->left)
		put_repeat(o, ' ', pad);
	for (size_t i = 0; i < len; i++)
		put_char(o, s[i]);
	if (sp->left)
		put_repeat(o, ' ', pad);
}

static void put_str(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	size_t len = 0;

	if (!s)
		s = "(null)";
	/* Bounded strlen: with a precision the string need not be terminated */
	while ((sp->prec < 0 || len < (size_t)sp->prec) && s[len])
		len++;
	put_field(o, sp, s, len);
}

static void put_uint(struct fmt_out *o, const struct fmt_spec *sp, uint64_t v,
		     bool neg, unsigned base, bool upper, bool prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned nd = 0;

	while (v) {
		tmp[nd++] = digits[v % base];
		v /= base;
	}
	/* C: value 0 with precision 0 prints no digits */
	unsigned ndigits = nd;
	if (sp->prec >= 0 && (unsigned)sp->prec > ndigits)
		ndigits = (unsigned)sp->prec;
	if (sp->prec < 0 && ndigits == 0)
		ndigits = 1;

	const char *pre = neg ? "-" : (prefix ? (upper ? "0X" : "0x") : "");
	unsigned npre = (unsigned)strlen(pre);
	unsigned total = npre + ndigits;
	unsigned pad = sp->width > total ? sp->width - total : 0;
	bool zero_pad = sp->zero && !sp->left && sp->prec < 0;

	if (!zero_pad && !sp->left)
		put_repeat(o, ' ', pad);
	for (unsigned i = 0; i < npre; i++)
		put_char(o, pre[i]);
	if (zero_pad)
		put_repeat(o, '0', pad);
	put_repeat(o, '0', ndigits - nd);
	while (nd)
		put_char(o, tmp[--nd]);
	if (sp->left)
		put_repeat(o, ' ', pad);
}

enum fmt_len { LEN_HH, LEN_H, LEN_INT, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

static uint64_t arg_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	case LEN_INT:
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t arg_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		/* %zd: the signed type corresponding to size_t */
		return (int64_t)va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_INT:
	default:
		return va_arg(*ap, int);
	}
}

static unsigned parse_count(const char **f)
{
	unsigned v = 0;

	while (**f >= '0' && **f <= '9') {
		if (v < FMT_WIDTH_LIMIT)
			v = v * 10 + (unsigned)(**f - '0');
		(*f)++;
	}
	return v > FMT_WIDTH_LIMIT ? FMT_WIDTH_LIMIT : v;
}

static int clamp_arg(int v)
{
	return v > FMT_WIDTH_LIMIT ? FMT_WIDTH_LIMIT : v;
}

/* Parses one conversion starting after '%' and emits it. Returns the
 * position after the conversion. */
static const char *do_conversion(struct fmt_out *o, const char *f, va_list *ap)
{
	const char *start = f - 1; /* the '%' */
	struct fmt_spec sp = {.prec = -1};
	enum fmt_len len = LEN_INT;

	for (;; f++) {
		if (*f == '-')
			sp.left = true;
		else if (*f == '0')
			sp.zero = true;
		else if (*f == '#')
			sp.alt = true;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);
		if (w < 0) {
			sp.left = true;
			/* avoid negating INT_MIN */
			w = w < -FMT_WIDTH_LIMIT ? FMT_WIDTH_LIMIT : -w;
		}
		sp.width = (unsigned)clamp_arg(w);
		f++;
	} else {
		sp.width = parse_count(&f);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int p = va_arg(*ap, int);
			sp.prec = p < 0 ? -1 : clamp_arg(p);
			f++;
		} else {
			sp.prec = (int)parse_count(&f);
		}
	}
	/* Length modifier: h or l, either possibly doubled, or z, j, t. */
	if (*f == 'h' || *f == 'l') {
		bool twice = f[1] == *f;
		if (*f == 'h')
			len = twice ? LEN_HH : LEN_H;
		else
			len = twice ? LEN_LL : LEN_L;
		f += twice ? 2 : 1;
	} else if (*f == 'z' || *f == 'j' || *f == 't') {
		len = *f == 'z' ? LEN_Z : *f == 'j' ? LEN_J : LEN_T;
		f++;
	}

	switch (*f) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(ap, len);
		/* Negate in unsigned arithmetic: safe for INT64_MIN */
		uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		put_uint(o, &sp, mag, v < 0, 10, false, false);
		break;
	}
	case 'u':
		put_uint(o, &sp, arg_unsigned(ap, len), false, 10, false,
			 false);
		break;
	case 'x':
	case 'X': {
		uint64_t v = arg_unsigned(ap, len);
		put_uint(o, &sp, v, false, 16, *f == 'X', sp.alt && v != 0);
		break;
	}
	case 'p': {
		uintptr_t v = (uintptr_t)va_arg(*ap, void *);
		put_uint(o, &sp, v, false, 16, false, true);
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);
		put_field(o, &sp, &c, 1);
		break;
	}
	case 's':
		put_str(o, &sp, va_arg(*ap, const char *));
		break;
	case '%':
		put_char(o, '%');
		break;
	case '\0':
		/* Lone '%' at the end of the format: copy what we consumed */
		while (start < f)
			put_char(o, *start++);
		return f;
	default:
		/* Unknown conversion: copy it verbatim */
		while (start <= f)
			put_char(o, *start++);
		break;
	}
	return f + 1;
}

int bh_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct fmt_out o = {.buf = buf, .size = n, .pos = 0};
	va_list aq;
	const char *f = fmt;

	/* Work on a copy so that a pointer to it can be passed around
	 * portably (va_list may be an array type). */
	va_copy(aq, ap);
	while (*f) {
		if (*f != '%') {
			put_char(&o, *f++);
			continue;
		}
		f = do_conversion(&o, f + 1, &aq);
	}
	va_end(aq);

	if (n)
		buf[o.pos < n ? o.pos : n - 1] = '\0';
	return o.pos > 0x7fffffff ? 0x7fffffff : (int)o.pos;
}

int bh_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = bh_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

bool bh_strlcpy(char *dst, const char *src, size_t size)
{
	size_t i = 0;

	if (size == 0)
		return src[0] == '\0';
	for (; i < size - 1 && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
	return src[i] == '\0';
}
