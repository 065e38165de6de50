/* Unit tests for hv/fmt.c: bh_snprintf, bh_vsnprintf, bh_strlcpy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "hv/lib/lib.h"

/* No format attribute: lets the tests pass formats the compiler would
 * reject (unknown conversions) without tripping -Werror. */
static int fmt_unchecked(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = bh_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* Formats with bh_snprintf into a roomy buffer and checks text and return
 * value. */
#define EXPECT_FMT(want, ...)                                                  \
	do {                                                                   \
		char b_[256];                                                  \
		int r_ = bh_snprintf(b_, sizeof(b_), __VA_ARGS__);             \
		assert_string_equal(b_, want);                                 \
		assert_int_equal(r_, (int)strlen(want));                       \
	} while (0)

/* Same, through the unchecked wrapper (for formats gcc warns about). */
#define EXPECT_RAW(want, ...)                                                  \
	do {                                                                   \
		char b_[256];                                                  \
		int r_ = fmt_unchecked(b_, sizeof(b_), __VA_ARGS__);           \
		assert_string_equal(b_, want);                                 \
		assert_int_equal(r_, (int)strlen(want));                       \
	} while (0)

/* Formats with both bh_vsnprintf and the C library and compares. */
static void same_as_libc(const char *fmt, ...)
{
	char ours[256], libc[256];
	va_list ap, aq;
	int r1, r2;

	va_start(ap, fmt);
	va_copy(aq, ap);
	r1 = bh_vsnprintf(ours, sizeof(ours), fmt, ap);
	r2 = vsnprintf(libc, sizeof(libc), fmt, aq);
	va_end(aq);
	va_end(ap);
	if (strcmp(ours, libc) != 0 || r1 != r2)
		fail_msg("format \"%s\": got \"%s\" (%d), libc \"%s\" (%d)",
			 fmt, ours, r1, libc, r2);
}

static void test_plain_and_percent(void **state)
{
	(void)state;
	EXPECT_FMT("", "%s", "");
	EXPECT_FMT("hello", "hello");
	EXPECT_FMT("100%", "100%%");
	EXPECT_FMT("a%b", "a%%b");
}

static void test_strings(void **state)
{
	(void)state;
	const char *null_str = NULL;
	const char unterminated[3] = {'a', 'b', 'c'};

	EXPECT_FMT("x=abc.", "x=%s.", "abc");
	EXPECT_RAW("(null)", "%s", null_str);
	EXPECT_RAW("(nu", "%.3s", null_str);
	EXPECT_FMT("[  abc]", "[%5s]", "abc");
	EXPECT_FMT("[abc  ]", "[%-5s]", "abc");
	EXPECT_FMT("[abcdef]", "[%3s]", "abcdef");
	EXPECT_FMT("ab", "%.2s", "abcdef");
	EXPECT_FMT("abc", "%.*s", 3, unterminated); /* must not overread */
	EXPECT_FMT("[   ab]", "[%5.2s]", "abcdef");
	EXPECT_FMT("abcdef", "%.*s", -1, "abcdef"); /* negative: no limit */
	EXPECT_FMT("c", "%c", 'c');
	EXPECT_FMT("[  c]", "[%3c]", 'c');
	EXPECT_FMT("[c  ]", "[%-3c]", 'c');
}

static void test_signed(void **state)
{
	(void)state;
	EXPECT_FMT("0", "%d", 0);
	EXPECT_FMT("42", "%d", 42);
	EXPECT_FMT("-42", "%d", -42);
	EXPECT_FMT("-7", "%i", -7);
	EXPECT_FMT("-2147483648", "%d", INT_MIN);
	EXPECT_FMT("2147483647", "%d", INT_MAX);
	EXPECT_FMT("-9223372036854775808", "%lld", LLONG_MIN);
	EXPECT_FMT("-9223372036854775808", "%ld", LONG_MIN);
	EXPECT_FMT("9223372036854775807", "%lld", LLONG_MAX);
	EXPECT_FMT("-1", "%hhd", (signed char)-1);
	EXPECT_FMT("-1", "%hd", (short)-1);
	EXPECT_FMT("-5", "%zd", (ptrdiff_t)-5);
}

static void test_unsigned(void **state)
{
	(void)state;
	EXPECT_FMT("0", "%u", 0u);
	EXPECT_FMT("4294967295", "%u", UINT_MAX);
	EXPECT_FMT("18446744073709551615", "%lu", ULONG_MAX);
	EXPECT_FMT("18446744073709551615", "%llu", ULLONG_MAX);
	EXPECT_FMT("12345", "%zu", (size_t)12345);
	EXPECT_FMT("255", "%hhu", (unsigned char)255);
	EXPECT_FMT("65535", "%hu", (unsigned short)65535);
}

static void test_hex(void **state)
{
	(void)state;
	EXPECT_FMT("0", "%x", 0u);
	EXPECT_FMT("ff", "%x", 255u);
	EXPECT_FMT("FF", "%X", 255u);
	EXPECT_FMT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT_FMT("ffffffff", "%x", -1);
	EXPECT_FMT("123456789abcdef0", "%lx", 0x123456789abcdef0ul);
	EXPECT_FMT("ffffffffffffffff", "%llx", 0xffffffffffffffffull);
	EXPECT_FMT("FFFFFFFFFFFFFFFF", "%llX", 0xffffffffffffffffull);
	EXPECT_FMT("0x1f", "%#x", 0x1fu);
	EXPECT_FMT("0X1F", "%#X", 0x1fu);
	EXPECT_FMT("0", "%#x", 0u);
	EXPECT_FMT("ab", "%zx", (size_t)0xab);
}

static void test_pointer(void **state)
{
	(void)state;
	EXPECT_FMT("0x1000", "%p", (void *)0x1000);
	EXPECT_FMT("0xffff800000000000", "%p", (void *)0xffff800000000000ull);
	EXPECT_FMT("0x0", "%p", (void *)0);
}

static void test_width_and_padding(void **state)
{
	(void)state;
	EXPECT_FMT("[   42]", "[%5d]", 42);
	EXPECT_FMT("[42   ]", "[%-5d]", 42);
	EXPECT_FMT("[00042]", "[%05d]", 42);
	EXPECT_FMT("[-0042]", "[%05d]", -42);
	EXPECT_FMT("[  -42]", "[%5d]", -42);
	EXPECT_RAW("[-42  ]", "[%-05d]", -42); /* '-' wins over '0' */
	EXPECT_FMT("000000ff", "%08x", 255u);
	EXPECT_FMT("0000000000001000", "%016llx", 0x1000ull);
	EXPECT_FMT("0x00ff", "%#06x", 255u);
	EXPECT_FMT("123456", "%3d", 123456);
	EXPECT_FMT("[   42]", "[%*d]", 5, 42);
	EXPECT_FMT("[42   ]", "[%*d]", -5, 42);
	EXPECT_FMT("[  042]", "[%5.3d]", 42);
	EXPECT_RAW("[  042]", "[%05.3d]", 42); /* precision disables '0' */
	EXPECT_FMT("", "%.0d", 0);
	EXPECT_FMT("[   ]", "[%3.0u]", 0u);
	EXPECT_FMT("[ 0x0a]", "[%#5.2x]", 10u);
}

static void test_many_args(void **state)
{
	(void)state;
	EXPECT_RAW("a 1 -2 3 ff x (null) 0x10 end",
		   "%s %d %ld %llu %x %c %s %p end", "a", 1, -2l, 3ull, 255u,
		   'x', (char *)NULL, (void *)0x10);
}

static void test_matches_libc(void **state)
{
	(void)state;
	static const int ints[] = {0,  1,    -1,      7,       -7,
				   42, 1000, -100000, INT_MAX, INT_MIN};
	static const char *const int_fmts[] = {
	    "%d",    "%i",	"%5d",	  "%-5d|",  "%05d",  "%.3d",
	    "%8.3d", "%-8.3d|", "%.0d",	  "%u",	    "%x",    "%X",
	    "%#x",   "%08x",	"%#010x", "%-#8x|", "%3.5x", "%12u"};

	for (size_t f = 0; f < sizeof(int_fmts) / sizeof(int_fmts[0]); f++)
		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
			same_as_libc(int_fmts[f], ints[i]);

	static const long long lls[] = {0, -1, LLONG_MIN, LLONG_MAX,
					0x123456789ll};
	for (size_t i = 0; i < sizeof(lls) / sizeof(lls[0]); i++) {
		same_as_libc("%lld", lls[i]);
		same_as_libc("%20lld|", lls[i]);
		same_as_libc("%-20lld|", lls[i]);
		same_as_libc("%020lld", lls[i]);
		same_as_libc("%llx", lls[i]);
		same_as_libc("%llu", lls[i]);
	}
	same_as_libc("%s|%10s|%-10s|%.2s|%c", "one", "two", "three", "four",
		     'z');
}

static void test_truncation(void **state)
{
	(void)state;
	char buf[16];
	int r;

	memset(buf, 'X', sizeof(buf));
	r = bh_snprintf(buf, 5, "hello world");
	assert_int_equal(r, 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'X'); /* nothing written past n */

	memset(buf, 'X', sizeof(buf));
	r = bh_snprintf(buf, 1, "abc");
	assert_int_equal(r, 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	/* n == 0: nothing written at all, not even the terminator */
	memset(buf, 'X', sizeof(buf));
	r = bh_snprintf(buf, 0, "abc%d", 12345);
	assert_int_equal(r, 8);
	assert_int_equal(buf[0], 'X');
	r = bh_snprintf(NULL, 0, "%s=%llx", "key", 0xffffull);
	assert_int_equal(r, 8);

	/* Truncation inside a conversion and inside padding */
	r = bh_snprintf(buf, 4, "%d", -123456);
	assert_int_equal(r, 7);
	assert_string_equal(buf, "-12");
	r = bh_snprintf(buf, 6, "%08x", 0xabu);
	assert_int_equal(r, 8);
	assert_string_equal(buf, "00000");
	r = bh_snprintf(buf, 3, "%-6s|", "ab");
	assert_int_equal(r, 7);
	assert_string_equal(buf, "ab");

	/* Exact fit */
	r = bh_snprintf(buf, 6, "%s", "hello");
	assert_int_equal(r, 5);
	assert_string_equal(buf, "hello");
	r = bh_snprintf(buf, 5, "%s", "hello");
	assert_int_equal(r, 5);
	assert_string_equal(buf, "hell");
}

static void test_odd_formats(void **state)
{
	(void)state;
	char buf[32];
	int r;

	/* Unknown conversions are copied verbatim */
	r = fmt_unchecked(buf, sizeof(buf), "a%qb");
	assert_string_equal(buf, "a%qb");
	assert_int_equal(r, 4);
	r = fmt_unchecked(buf, sizeof(buf), "x%5.2lwy");
	assert_string_equal(buf, "x%5.2lwy");
	/* A lone '%' at the end */
	r = fmt_unchecked(buf, sizeof(buf), "50%");
	assert_string_equal(buf, "50%");
	assert_int_equal(r, 3);
	/* Absurd widths are clamped, not overflowed */
	r = fmt_unchecked(buf, sizeof(buf), "%99999999999999999999d", 1);
	assert_true(r > 0 && r <= 4096);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	r = fmt_unchecked(buf, sizeof(buf), "%*d", INT_MIN, 1);
	assert_true(r > 0 && r <= 4096);
}

static void test_strlcpy(void **state)
{
	(void)state;
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_true(bh_strlcpy(buf, "abc", sizeof(buf)));
	assert_string_equal(buf, "abc");

	assert_true(bh_strlcpy(buf, "1234567", sizeof(buf))); /* exact */
	assert_string_equal(buf, "1234567");

	assert_false(bh_strlcpy(buf, "12345678", sizeof(buf)));
	assert_string_equal(buf, "1234567");

	assert_true(bh_strlcpy(buf, "", sizeof(buf)));
	assert_string_equal(buf, "");

	memset(buf, 'X', sizeof(buf));
	assert_false(bh_strlcpy(buf, "a", 1));
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_false(bh_strlcpy(buf, "a", 0));
	assert_true(bh_strlcpy(buf, "", 0));
	assert_int_equal(buf[0], 'X');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_and_percent),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_signed),
	    cmocka_unit_test(test_unsigned),
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_pointer),
	    cmocka_unit_test(test_width_and_padding),
	    cmocka_unit_test(test_many_args),
	    cmocka_unit_test(test_matches_libc),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_odd_formats),
	    cmocka_unit_test(test_strlcpy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
