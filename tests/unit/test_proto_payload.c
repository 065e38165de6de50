/* Unit tests for hv/proto/payload.c: the payload cursors, names and status
 * messages (docs/management.md, "Replies and refusals", "Requests"). */
#include <stdlib.h>

#include "tests/unit/test_util.h"

#include "hv/proto/frame.h"
#include "hv/proto/payload.h"

static void test_integers(void **state)
{
	uint8_t buf[15];
	struct mgmt_wr w;
	struct mgmt_rd r;

	(void)state;
	mgmt_wr_init(&w, buf, sizeof(buf));
	mgmt_put_u8(&w, 0xA1);
	mgmt_put_u16(&w, 0xB2C3);
	mgmt_put_u32(&w, 0xD4E5F607);
	mgmt_put_u64(&w, 0x1122334455667788ull);
	assert_int_equal(mgmt_wr_done(&w), 15);
	assert_int_equal(buf[0], 0xA1);
	assert_int_equal(rd16(buf + 1), 0xB2C3);
	assert_int_equal(rd32(buf + 3), 0xD4E5F607);
	assert_true(rd64(buf + 7) == 0x1122334455667788ull);

	mgmt_rd_init(&r, buf, sizeof(buf));
	assert_int_equal(mgmt_get_u8(&r), 0xA1);
	assert_int_equal(mgmt_get_u16(&r), 0xB2C3);
	assert_int_equal(mgmt_get_u32(&r), 0xD4E5F607);
	assert_true(mgmt_get_u64(&r) == 0x1122334455667788ull);
	assert_true(mgmt_rd_end(&r));

	/* One byte short: the error sticks, nothing is read past the end. */
	mgmt_rd_init(&r, buf, 14);
	mgmt_get_u8(&r);
	mgmt_get_u16(&r);
	mgmt_get_u32(&r);
	assert_true(mgmt_get_u64(&r) == 0);
	assert_true(r.err);
	assert_int_equal(mgmt_get_u8(&r), 0);
	assert_false(mgmt_get_bytes(&r, NULL, 0));
	assert_false(mgmt_rd_end(&r));
	/* Not all read. */
	mgmt_rd_init(&r, buf, sizeof(buf));
	mgmt_get_u8(&r);
	assert_false(mgmt_rd_end(&r));
	/* Empty. */
	mgmt_rd_init(&r, NULL, 5);
	assert_true(mgmt_rd_end(&r));
	assert_int_equal(mgmt_get_u8(&r), 0);
	assert_false(mgmt_rd_end(&r));

	/* Writer overflow: sticky, nothing written past cap. */
	memset(buf, 0xEE, sizeof(buf));
	mgmt_wr_init(&w, buf, 3);
	mgmt_put_u16(&w, 0x0102);
	mgmt_put_u16(&w, 0x0304);
	mgmt_put_u8(&w, 0x05);
	assert_int_equal(mgmt_wr_done(&w), -1);
	assert_int_equal(buf[2], 0xEE);
	mgmt_wr_init(&w, NULL, 100);
	mgmt_put_u8(&w, 1);
	assert_int_equal(mgmt_wr_done(&w), -1);
	mgmt_wr_init(&w, buf, 4);
	mgmt_put_bytes(&w, NULL, 1);
	assert_int_equal(mgmt_wr_done(&w), -1);
}

static void test_name_round_trip(void **state)
{
	uint8_t buf[64];
	char name[MGMT_NAME_MAX + 1];
	struct mgmt_wr w;
	struct mgmt_rd r;

	(void)state;
	mgmt_wr_init(&w, buf, sizeof(buf));
	assert_true(mgmt_put_name(&w, "alpha"));
	assert_true(mgmt_put_name(&w, "a"));
	assert_true(mgmt_put_name(&w, "fifteen-chars_1"));
	assert_true(mgmt_put_name(&w, "~!Z"));
	assert_int_equal(mgmt_wr_done(&w), 6 + 2 + 16 + 4);
	assert_memory_equal(buf, "\5alpha\1a\17fifteen-chars_1\3~!Z", 28);

	mgmt_rd_init(&r, buf, 28);
	assert_true(mgmt_get_name(&r, name));
	assert_string_equal(name, "alpha");
	assert_true(mgmt_get_name(&r, name));
	assert_string_equal(name, "a");
	assert_true(mgmt_get_name(&r, name));
	assert_string_equal(name, "fifteen-chars_1");
	assert_true(mgmt_get_name(&r, name));
	assert_string_equal(name, "~!Z");
	assert_true(mgmt_rd_end(&r));
}

static void test_put_name_errors(void **state)
{
	static const char *const bad[] = {
	    "",			/* empty */
	    "sixteen-chars-12", /* 16 */
	    "much-too-long-for-a-name-really",
	    "a b",	   /* space */
	    "tab\t",	   /* control */
	    "caf\xc3\xa9", /* not ASCII */
	    "\x7f",
	    NULL,
	};
	uint8_t buf[64];
	struct mgmt_wr w;

	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(bad); i++) {
		memset(buf, 0xEE, sizeof(buf));
		mgmt_wr_init(&w, buf, sizeof(buf));
		assert_false(mgmt_put_name(&w, bad[i]));
		assert_int_equal(mgmt_wr_done(&w), -1);
		assert_int_equal(buf[0], 0xEE);
	}
	/* No room: length byte and 5 bytes need 6. */
	mgmt_wr_init(&w, buf, 5);
	assert_false(mgmt_put_name(&w, "alpha"));
	assert_int_equal(mgmt_wr_done(&w), -1);
	mgmt_wr_init(&w, buf, 6);
	assert_true(mgmt_put_name(&w, "alpha"));
	assert_int_equal(mgmt_wr_done(&w), 6);
	/* After an error, nothing more. */
	mgmt_wr_init(&w, buf, sizeof(buf));
	mgmt_put_name(&w, "");
	assert_false(mgmt_put_name(&w, "alpha"));
	assert_int_equal(w.len, 0);
}

static void test_get_name_errors(void **state)
{
	static const struct {
		const char *p;
		size_t n;
	} bad[] = {
	    {"", 0},			 /* nothing */
	    {"\0", 1},			 /* length 0 */
	    {"\0abc", 4},		 /* length 0, bytes after */
	    {"\20sixteen-chars-12", 17}, /* length 16 */
	    {"\377", 1},		 /* length 255 */
	    {"\5alp", 4},		 /* truncated */
	    {"\5alpha", 5},		 /* truncated by one */
	    {"\1", 1},			 /* length only */
	    {"\3a b", 4},		 /* space */
	    {"\3a\nb", 4},		 /* control */
	    {"\3a\0b", 4},		 /* NUL */
	    {"\2\xc3\xa9", 3},		 /* not ASCII */
	    {"\1\x7f", 2},		 /* DEL */
	};
	char name[MGMT_NAME_MAX + 1];
	struct mgmt_rd r;

	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(bad); i++) {
		/* A copy of exactly n bytes: ASan sees any read past it. */
		uint8_t *p = malloc(bad[i].n ? bad[i].n : 1);

		memcpy(p, bad[i].p, bad[i].n);
		mgmt_rd_init(&r, p, bad[i].n);
		memset(name, 'x', sizeof(name));
		assert_false(mgmt_get_name(&r, name));
		assert_string_equal(name, "");
		assert_true(r.err);
		assert_false(mgmt_rd_end(&r));
		/* Sticky. */
		assert_false(mgmt_get_name(&r, name));
		free(p);
	}
	/* A good name followed by a bad one: the first is still read. */
	mgmt_rd_init(&r, (const uint8_t *)"\1a\0", 3);
	assert_true(mgmt_get_name(&r, name));
	assert_string_equal(name, "a");
	assert_false(mgmt_get_name(&r, name));
	assert_true(mgmt_name_valid((const uint8_t *)"x", 1));
	assert_false(mgmt_name_valid((const uint8_t *)"x", 0));
	assert_false(mgmt_name_valid((const uint8_t *)"0123456789abcdef", 16));
}

static void test_status(void **state)
{
	uint8_t buf[300];
	char msg[300];
	uint8_t st = 99;
	struct mgmt_wr w;
	struct mgmt_rd r;

	(void)state;
	/* Status 0: one byte, no message (it is ignored). */
	mgmt_wr_init(&w, buf, sizeof(buf));
	mgmt_put_status(&w, MGMT_ST_OK, "ignored");
	mgmt_put_u32(&w, 42);
	assert_int_equal(mgmt_wr_done(&w), 5);
	assert_int_equal(buf[0], 0);
	mgmt_rd_init(&r, buf, 5);
	strcpy(msg, "junk");
	assert_true(mgmt_get_status(&r, &st, msg, sizeof(msg)));
	assert_int_equal(st, MGMT_ST_OK);
	assert_string_equal(msg, "");
	assert_int_equal(mgmt_get_u32(&r), 42);
	assert_true(mgmt_rd_end(&r));

	/* A refusal with its message. */
	mgmt_wr_init(&w, buf, sizeof(buf));
	mgmt_put_status(&w, MGMT_ST_REFUSED, "partition is running");
	assert_int_equal(mgmt_wr_done(&w), 2 + 20);
	assert_memory_equal(buf, "\1\24partition is running", 22);
	mgmt_rd_init(&r, buf, 22);
	assert_true(mgmt_get_status(&r, &st, msg, sizeof(msg)));
	assert_int_equal(st, MGMT_ST_REFUSED);
	assert_string_equal(msg, "partition is running");
	assert_true(mgmt_rd_end(&r));

	/* No message, NULL message: length 0. */
	mgmt_wr_init(&w, buf, sizeof(buf));
	mgmt_put_status(&w, MGMT_ST_AUTH, NULL);
	mgmt_put_status(&w, MGMT_ST_NO_PART, "");
	assert_int_equal(mgmt_wr_done(&w), 4);
	assert_memory_equal(buf, "\4\0\2\0", 4);

	/* Non-printable bytes become '?'. */
	mgmt_wr_init(&w, buf, sizeof(buf));
	mgmt_put_status(&w, MGMT_ST_BAD_REQUEST, "a\nb\x7f\xff");
	assert_int_equal(mgmt_wr_done(&w), 7);
	assert_memory_equal(buf, "\3\5a?b??", 7);

	/* Cut to the room left, and to 255 bytes. */
	mgmt_wr_init(&w, buf, 6);
	mgmt_put_status(&w, MGMT_ST_REFUSED, "partition is running");
	assert_int_equal(mgmt_wr_done(&w), 6);
	assert_memory_equal(buf, "\1\4part", 6);
	char longmsg[400];
	memset(longmsg, 'm', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	mgmt_wr_init(&w, buf, sizeof(buf));
	mgmt_put_status(&w, MGMT_ST_REFUSED, longmsg);
	assert_int_equal(mgmt_wr_done(&w), 2 + 255);
	assert_int_equal(buf[1], 255);
	mgmt_rd_init(&r, buf, 257);
	assert_true(mgmt_get_status(&r, &st, msg, sizeof(msg)));
	assert_int_equal(strlen(msg), 255);
	/* Read into a small buffer: cut, terminated. */
	mgmt_rd_init(&r, buf, 257);
	assert_true(mgmt_get_status(&r, &st, msg, 4));
	assert_string_equal(msg, "mmm");
	assert_true(mgmt_rd_end(&r));
	mgmt_rd_init(&r, buf, 257);
	assert_true(mgmt_get_status(&r, &st, NULL, 0));
	assert_true(mgmt_rd_end(&r));

	/* Room for the status only: an error. */
	mgmt_wr_init(&w, buf, 1);
	mgmt_put_status(&w, MGMT_ST_REFUSED, "x");
	assert_int_equal(mgmt_wr_done(&w), -1);
	mgmt_wr_init(&w, buf, 1);
	mgmt_put_status(&w, MGMT_ST_OK, NULL);
	assert_int_equal(mgmt_wr_done(&w), 1);
	mgmt_wr_init(&w, buf, 0);
	mgmt_put_status(&w, MGMT_ST_OK, NULL);
	assert_int_equal(mgmt_wr_done(&w), -1);
}

static void test_get_status_errors(void **state)
{
	static const struct {
		const char *p;
		size_t n;
	} bad[] = {
	    {"", 0},	     /* no status */
	    {"\1", 1},	     /* no message length */
	    {"\1\3ab", 4},   /* message cut */
	    {"\1\377", 2},   /* message cut */
	    {"\4\2a\n", 4},  /* control */
	    {"\4\2a\0", 4},  /* NUL */
	    {"\4\1\x80", 3}, /* not ASCII */
	};
	char msg[16];
	uint8_t st;
	struct mgmt_rd r;

	(void)state;
	for (size_t i = 0; i < BH_ARRAY_SIZE(bad); i++) {
		uint8_t *p = malloc(bad[i].n ? bad[i].n : 1);

		memcpy(p, bad[i].p, bad[i].n);
		mgmt_rd_init(&r, p, bad[i].n);
		strcpy(msg, "junk");
		assert_false(mgmt_get_status(&r, &st, msg, sizeof(msg)));
		assert_string_equal(msg, "");
		assert_false(mgmt_rd_end(&r));
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_name_round_trip),
	    cmocka_unit_test(test_put_name_errors),
	    cmocka_unit_test(test_get_name_errors),
	    cmocka_unit_test(test_status),
	    cmocka_unit_test(test_get_status_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
