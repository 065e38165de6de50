/* Unit tests for hv/config.c: the bulkhead.conf parser and helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/load/config.h"

static struct bh_config cfg;
static struct cfg_error err;

/* Parses exactly len bytes from an unterminated heap copy, so ASan catches
 * any read past the end of the text. */
static int parse_len(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	r = cfg_parse(copy, len, &cfg, &err);
	free(copy);
	return r;
}

static int parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static void check_ok(const char *text, const char *where, int line)
{
	if (parse(text) != 0)
		fail_msg("%s:%d: unexpected error at line %u: %s", where, line,
			 err.line, err.msg);
}

static void check_error(const char *text, size_t len, unsigned want_line,
			const char *want_msg, const char *where, int line)
{
	if (parse_len(text, len) == 0)
		fail_msg("%s:%d: parsed OK, expected error '%s'", where, line,
			 want_msg);
	if (!strstr(err.msg, want_msg))
		fail_msg("%s:%d: message '%s' lacks '%s'", where, line, err.msg,
			 want_msg);
	if (err.line != want_line)
		fail_msg("%s:%d: error on line %u, expected %u (%s)", where,
			 line, err.line, want_line, err.msg);
}

#define EXPECT_OK(text) check_ok((text), __FILE__, __LINE__)
#define EXPECT_ERROR(text, line, msg)                                          \
	check_error((text), strlen(text), (line), (msg), __FILE__, __LINE__)
#define EXPECT_ERROR_LEN(text, len, line, msg)                                 \
	check_error((text), (len), (line), (msg), __FILE__, __LINE__)

/* A minimal valid partition body, for tests that vary something else. */
#define PART(name, cpus)                                                       \
	"[partition " name "]\n"                                               \
	"cpus = " cpus "\n"                                                    \
	"memory = 16M\n"                                                       \
	"kernel = k.elf\n"

/* Config with one valid partition and one line `key = value` added. */
static void expect_value_error(const char *assignment, const char *msg,
			       const char *where, int line)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s\n", PART("p", "1"), assignment);
	check_error(text, strlen(text), 5, msg, where, line);
}

#define EXPECT_VALUE_ERROR(assignment, msg)                                    \
	expect_value_error((assignment), (msg), __FILE__, __LINE__)

static uint64_t parse_one_memory(const char *value)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "[partition p]\ncpus = 0\nmemory = %s\nkernel = k\n", value);
	if (parse(text) != 0)
		fail_msg("memory = %s: %s", value, err.msg);
	return cfg.parts[0].memory;
}

static uint64_t parse_one_cpus(const char *value)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "[partition p]\ncpus = %s\nmemory = 2M\nkernel = k\n", value);
	if (parse(text) != 0)
		fail_msg("cpus = %s: %s", value, err.msg);
	return cfg.parts[0].cpu_mask;
}

/* ---- valid configs ---------------------------------------------------- */

static const char sample[] =
    "# Bulkhead sample configuration\n"				/* 1 */
    "[hypervisor]\n"						/* 2 */
    "console = com2          # com1 | com2\n"			/* 3 */
    "\n"							/* 4 */
    "[partition alpha]\n"					/* 5 */
    "cpus   = 1              # physical CPU indices\n"		/* 6 */
    "memory = 16M            # K/M/G suffix\n"			/* 7 */
    "kernel = guests/hello.elf   # relative path\n"		/* 8 */
    "cmdline = greeting=alpha  verbose=1   # comment\n"		/* 9 */
    "module = guests/data.bin    # repeatable\n"		/* 10 */
    "module = guests/more#data.bin\n"				/* 11 */
    "\n"							/* 12 */
    "  [ partition   beta-2 ]  # spaces are fine\n"		/* 13 */
    "\tcpus = 2-3,5\n"						/* 14 */
    "memory = 1G\n"						/* 15 */
    "kernel = guests/real.bin\n"				/* 16 */
    "entry = 0x7C00          # only for raw real-mode images\n" /* 17 */
    "exit_port = none\n";					/* 18 */

static void test_sample(void **state)
{
	(void)state;
	EXPECT_OK(sample);
	assert_int_equal(cfg.console, CFG_CONSOLE_COM2);
	assert_int_equal(cfg.nparts, 2);

	const struct cfg_partition *a = &cfg.parts[0];
	assert_string_equal(a->name, "alpha");
	assert_int_equal(a->line, 5);
	assert_int_equal(a->cpu_mask, 1u << 1);
	assert_int_equal(a->cpus_line, 6);
	assert_int_equal(a->memory, BH_MIB(16));
	assert_int_equal(a->memory_line, 7);
	assert_string_equal(a->kernel, "guests/hello.elf");
	assert_int_equal(a->kernel_line, 8);
	assert_string_equal(a->cmdline, "greeting=alpha  verbose=1");
	assert_int_equal(a->nmodules, 2);
	assert_string_equal(a->modules[0], "guests/data.bin");
	assert_int_equal(a->module_lines[0], 10);
	assert_string_equal(a->modules[1], "guests/more#data.bin");
	assert_int_equal(a->module_lines[1], 11);
	assert_false(a->has_entry);
	assert_int_equal(a->entry_line, 0);
	assert_int_equal(a->exit_port, CFG_DEFAULT_EXIT_PORT);

	const struct cfg_partition *b = &cfg.parts[1];
	assert_string_equal(b->name, "beta-2");
	assert_int_equal(b->line, 13);
	assert_int_equal(b->cpu_mask, (1u << 2) | (1u << 3) | (1u << 5));
	assert_int_equal(b->memory, BH_GIB(1));
	assert_string_equal(b->kernel, "guests/real.bin");
	assert_string_equal(b->cmdline, "");
	assert_int_equal(b->nmodules, 0);
	assert_true(b->has_entry);
	assert_int_equal(b->entry, 0x7C00);
	assert_int_equal(b->entry_line, 17);
	assert_int_equal(b->exit_port, 0);
}

static void test_defaults(void **state)
{
	(void)state;
	EXPECT_OK(PART("only", "0"));
	assert_int_equal(cfg.console, CFG_CONSOLE_COM1);
	assert_int_equal(cfg.nparts, 1);
	assert_int_equal(cfg.parts[0].exit_port, 0xF4);
	assert_false(cfg.parts[0].has_entry);
	assert_string_equal(cfg.parts[0].cmdline, "");

	EXPECT_OK("[hypervisor]\nconsole = com1\n" PART("x", "0"));
	assert_int_equal(cfg.console, CFG_CONSOLE_COM1);
	/* [hypervisor] may also come after the partitions */
	EXPECT_OK(PART("x", "0") "[hypervisor]\nconsole = com2\n");
	assert_int_equal(cfg.console, CFG_CONSOLE_COM2);
	assert_false(cfg.view_focus); /* view = all by default */
	EXPECT_OK("[hypervisor]\nview = focus\n" PART("x", "0"));
	assert_true(cfg.view_focus);
	EXPECT_OK("[hypervisor]\nview = all\n" PART("x", "0"));
	assert_false(cfg.view_focus);
}

static void test_cpu_lists(void **state)
{
	(void)state;
	assert_int_equal(parse_one_cpus("0"), 0x1);
	assert_int_equal(parse_one_cpus("1,2"), 0x6);
	assert_int_equal(parse_one_cpus("2-3"), 0xC);
	assert_int_equal(parse_one_cpus("0,2-4"), 0x1D);
	assert_int_equal(parse_one_cpus(" 5 , 7 - 8 "), 0x1A0);
	assert_int_equal(parse_one_cpus("4-4"), 0x10);
	assert_int_equal(parse_one_cpus("63"), 1ull << 63);
	assert_int_equal(parse_one_cpus("0-63"), ~0ull);
	assert_int_equal(parse_one_cpus("62-63,0"), (3ull << 62) | 1);
	assert_int_equal(parse_one_cpus("007"), 0x80);
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(parse_one_memory("2M"), BH_MIB(2));
	assert_int_equal(parse_one_memory("16M"), BH_MIB(16));
	assert_int_equal(parse_one_memory("16m"), BH_MIB(16));
	assert_int_equal(parse_one_memory("4096K"), BH_MIB(4));
	assert_int_equal(parse_one_memory("2048k"), BH_MIB(2));
	assert_int_equal(parse_one_memory("1G"), BH_GIB(1));
	assert_int_equal(parse_one_memory("3g"), BH_GIB(3));
	assert_int_equal(parse_one_memory("64G"), BH_GIB(64));
	assert_int_equal(parse_one_memory("65536M"), BH_GIB(64));
	assert_int_equal(parse_one_memory("2097152"), BH_MIB(2));
	assert_int_equal(parse_one_memory("0x400000"), BH_MIB(4));
	assert_int_equal(parse_one_memory("0x2M"), BH_MIB(2));
}

static void test_values(void **state)
{
	(void)state;
	EXPECT_OK(PART("p", "1") "exit_port = 0x501\n");
	assert_int_equal(cfg.parts[0].exit_port, 0x501);
	EXPECT_OK(PART("p", "1") "exit_port = 65535\n");
	assert_int_equal(cfg.parts[0].exit_port, 0xFFFF);
	EXPECT_OK(PART("p", "1") "entry = 0\n");
	assert_true(cfg.parts[0].has_entry);
	assert_int_equal(cfg.parts[0].entry, 0);
	EXPECT_OK(PART("p", "1") "entry = 0x9FFFF\n");
	assert_int_equal(cfg.parts[0].entry, 0x9FFFF);
	EXPECT_OK(PART("p", "1") "entry = 31744\n");
	assert_int_equal(cfg.parts[0].entry, 0x7C00);
	/* cmdline: rest of line, '=' and inner spaces kept, may be empty */
	EXPECT_OK(PART("p", "1") "cmdline =   a=b  c==d e=#f   \n");
	assert_string_equal(cfg.parts[0].cmdline, "a=b  c==d e=#f");
	EXPECT_OK(PART("p", "1") "cmdline =\n");
	assert_string_equal(cfg.parts[0].cmdline, "");
	EXPECT_OK(PART("p", "1") "cmdline = x\t# tab starts a comment too\n");
	assert_string_equal(cfg.parts[0].cmdline, "x");
	/* Paths may contain spaces and '#' not preceded by whitespace */
	EXPECT_OK("[partition p]\ncpus=1\nmemory=2M\nkernel=my dir/k#1.elf\n");
	assert_string_equal(cfg.parts[0].kernel, "my dir/k#1.elf");
	/* No spaces around '=' */
	EXPECT_OK("[partition p]\ncpus=1\nmemory=2M\nkernel=k\n");
}

static void test_layout(void **state)
{
	(void)state;
	/* CRLF line endings, no final newline, comment-only and blank lines */
	EXPECT_OK("# c\r\n\r\n[partition p]\r\ncpus = 1\r\nmemory = 2M\r\n"
		  "kernel = k\r\n   \t  \r\n# end");
	assert_string_equal(cfg.parts[0].kernel, "k");
	assert_int_equal(cfg.parts[0].kernel_line, 6);
	/* No newline at all after the last value */
	EXPECT_OK("[partition p]\ncpus = 1\nmemory = 2M\nkernel = k");
	assert_string_equal(cfg.parts[0].kernel, "k");
	/* UTF-8 is fine inside comments */
	EXPECT_OK(
	    "# caf\xc3\xa9\n" PART("p", "1") "cmdline = x # \xe2\x9c\x93\n");
	/* A line of exactly CFG_LINE_MAX characters (and a CR) is fine */
	char text[1024];
	int n = snprintf(text, sizeof(text), "%s", PART("p", "1"));
	memcpy(text + n, "cmdline = ", 10);
	memset(text + n + 10, 'x', CFG_LINE_MAX - 10);
	memcpy(text + n + CFG_LINE_MAX, "\r\n", 3);
	assert_int_equal(parse(text), -1); /* cmdline > 255 ... */
	assert_int_equal(err.line, 5);
	assert_non_null(strstr(err.msg, "cmdline too long"));
	/* ... but the line length itself was accepted: use a comment */
	text[n] = '#';
	EXPECT_OK(text);
}

static void test_limits_ok(void **state)
{
	(void)state;
	char text[8192];
	size_t n = 0;

	/* CFG_MAX_PARTS partitions, CFG_MAX_MODULES modules, longest name,
	 * longest path, longest cmdline */
	for (int i = 0; i < CFG_MAX_PARTS - 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[partition p%d]\ncpus=%d\nmemory=2M\n"
				      "kernel=k\n",
				      i, i);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "[partition abcdefghijklmn_]\ncpus=63\n"
			      "memory=64G\nkernel=");
	memset(text + n, 'k', CFG_PATH_MAX - 1);
	n += CFG_PATH_MAX - 1;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\ncmdline=");
	memset(text + n, 'c', CFG_CMDLINE_MAX - 1);
	n += CFG_CMDLINE_MAX - 1;
	for (int m = 0; m < CFG_MAX_MODULES; m++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "\nmodule=m%d", m);
	text[n] = '\0';

	EXPECT_OK(text);
	assert_int_equal(cfg.nparts, CFG_MAX_PARTS);
	const struct cfg_partition *p = &cfg.parts[CFG_MAX_PARTS - 1];
	assert_string_equal(p->name, "abcdefghijklmn_");
	assert_int_equal(strlen(p->kernel), CFG_PATH_MAX - 1);
	assert_int_equal(strlen(p->cmdline), CFG_CMDLINE_MAX - 1);
	assert_int_equal(p->nmodules, CFG_MAX_MODULES);
	assert_string_equal(p->modules[3], "m3");
	assert_int_equal(p->memory, CFG_MAX_MEMORY);
}

/* ---- errors, one group per class -------------------------------------- */

static void test_err_syntax(void **state)
{
	(void)state;
	EXPECT_ERROR(PART("p", "1") "memory 16M\n", 5, "syntax error");
	EXPECT_ERROR(PART("p", "1") "= 5\n", 5, "missing key");
	EXPECT_ERROR("\n\n[partition p\ncpus = 1\n", 3, "unterminated section");
	EXPECT_ERROR("[partition p] junk\n", 1, "unexpected text after");
	EXPECT_ERROR("[]\n", 1, "empty section header");
	EXPECT_ERROR("[partition p]]\n", 1, "unexpected text after");
}

static void test_err_section(void **state)
{
	(void)state;
	EXPECT_ERROR("# x\n[partitions a]\n", 2,
		     "unknown section '[partitions a]'");
	EXPECT_ERROR("[global]\n", 1, "unknown section");
	EXPECT_ERROR("[hypervisor main]\n", 1, "takes no name");
	EXPECT_ERROR("[hypervisor]\n" PART("p", "1") "[hypervisor]\n", 6,
		     "duplicate section [hypervisor] (first on line 1)");
	EXPECT_ERROR("[partition]\n", 1, "missing partition name");
	EXPECT_ERROR("[partition   ]\n", 1, "missing partition name");
}

/* ports = passthrough ranges: parsed, owned, and every error class. */
static void test_ports(void **state)
{
	(void)state;
	EXPECT_OK(PART("a", "1") "ports = 0x2F8-0x2FF, 0x3E8\n");
	assert_int_equal(cfg.parts[0].nports, 2);
	assert_int_equal(cfg.parts[0].ports[0].first, 0x2F8);
	assert_int_equal(cfg.parts[0].ports[0].last, 0x2FF);
	assert_true(cfg_owns_port(&cfg.parts[0], 0x2FA));
	assert_true(cfg_owns_port(&cfg.parts[0], 0x3E8));
	assert_false(cfg_owns_port(&cfg.parts[0], 0x3E9));
	EXPECT_ERROR(PART("a", "1") "ports = 0xCF8-0xCFF\n", 5,
		     "belong to the platform");
	EXPECT_ERROR(PART("a", "1") "ports = 0x60-0x70\n", 5,
		     "belong to the platform");
	EXPECT_ERROR(PART("a", "1") "ports = 0x3F8\n", 5,
		     "hypervisor console's UART");
	EXPECT_ERROR(
	    "[hypervisor]\nconsole = com2\n" PART("a", "1") "ports = 0x2F9\n",
	    7, "hypervisor console's UART");
	EXPECT_ERROR(PART("a", "1") "ports = 0x300-0x2FF\n", 5,
		     "reversed port range");
	EXPECT_ERROR(PART("a", "1") "ports = 0x10000\n", 5, "out of range");
	EXPECT_ERROR(PART("a", "1") "ports = 0x300,,0x301\n", 5, "empty entry");
	EXPECT_ERROR(PART("a", "1") "ports = 0x300, 0x300\n", 5,
		     "listed twice");
	EXPECT_ERROR(PART("a", "1") "ports = zz\n", 5, "bad port");
	EXPECT_ERROR(PART("a", "1") "ports = 0x2E8-0x2EF\n" PART(
			 "b", "2") "ports = 0x2EC\n",
		     10, "overlap ports of partition 'a'");
	EXPECT_ERROR(PART("a", "1") "ports = 1,2,3,4,5,6,7,8,9\n", 5,
		     "too many port ranges");
}

static void test_err_unknown_key(void **state)
{
	(void)state;
	EXPECT_ERROR("[partition alpha]\ncpus = 1\nmemroy = 16M\n", 3,
		     "unknown key 'memroy' in [partition alpha]");
	EXPECT_ERROR("[hypervisor]\ncpus = 1\n", 2,
		     "unknown key 'cpus' in [hypervisor]");
	EXPECT_ERROR(PART("p", "1") "[hypervisor]\nkernel = x\n", 6,
		     "unknown key 'kernel' in [hypervisor]");
	EXPECT_ERROR("[partition p]\nCPUS = 1\n", 2, "unknown key 'CPUS'");
	EXPECT_ERROR("[partition p]\nexit port = 1\n", 2,
		     "unknown key 'exit port'");
}

static void test_err_key_outside_section(void **state)
{
	(void)state;
	EXPECT_ERROR("# leading comment\n\ncpus = 1\n" PART("p", "1"), 3,
		     "key 'cpus' outside of any section");
}

static void test_err_duplicate_key(void **state)
{
	(void)state;
	EXPECT_ERROR("[partition alpha]\nmemory = 2M\ncpus = 1\nmemory = 4M\n",
		     4,
		     "duplicate key 'memory' in [partition alpha] (first set "
		     "on line 2)");
	EXPECT_ERROR("[hypervisor]\nconsole = com1\nconsole = com2\n", 3,
		     "duplicate key 'console'");
	EXPECT_ERROR(PART("p", "1") "cmdline = a\ncmdline = b\n", 6,
		     "duplicate key 'cmdline'");
	EXPECT_ERROR(PART("p", "1") "kernel = k2\n", 5,
		     "duplicate key 'kernel'");
	EXPECT_ERROR(PART("p", "1") "exit_port = none\nexit_port = 1\n", 6,
		     "duplicate key 'exit_port'");
	EXPECT_ERROR(PART("p", "1") "entry = 0\nentry = 0\n", 6,
		     "duplicate key 'entry'");
	/* the same key in different partitions is fine */
	EXPECT_OK(PART("a", "1") PART("b", "2"));
}

static void test_err_duplicate_partition(void **state)
{
	(void)state;
	EXPECT_ERROR(PART("alpha", "1") "\n" PART("alpha", "2"), 6,
		     "duplicate partition name 'alpha' (first defined on line "
		     "1)");
}

static void test_err_bad_name(void **state)
{
	(void)state;
	EXPECT_ERROR("[partition Alpha]\n", 1, "bad partition name 'Alpha'");
	EXPECT_ERROR("[partition a.b]\n", 1, "bad partition name");
	EXPECT_ERROR("[partition a b]\n", 1, "bad partition name 'a b'");
	EXPECT_ERROR("[partition abcdefghijklmnop]\n", 1,
		     "bad partition name 'abcdefghijklmnop'");
	EXPECT_ERROR("[partition caf\xc3\xa9]\n", 1, "non-ASCII");
	EXPECT_OK(PART("0_-z", "1"));
}

static void test_err_bad_size(void **state)
{
	(void)state;
	EXPECT_ERROR("[partition p]\nmemory = 16X\n", 2,
		     "bad memory size '16X'");
	EXPECT_ERROR("[partition p]\nmemory = abc\n", 2, "bad memory size");
	EXPECT_ERROR("[partition p]\nmemory = M\n", 2, "bad memory size");
	EXPECT_ERROR("[partition p]\nmemory = -2M\n", 2, "bad memory size");
	EXPECT_ERROR("[partition p]\nmemory = 16 M\n", 2, "bad memory size");
	EXPECT_ERROR("[partition p]\nmemory = 16MB\n", 2, "bad memory size");
	EXPECT_ERROR("[partition p]\nmemory = 0x\n", 2, "bad memory size");
	EXPECT_ERROR("[partition p]\nmemory = 0x10G0\n", 2, "bad memory size");
	EXPECT_ERROR("[partition p]\nmemory = 1.5G\n", 2, "bad memory size");
	EXPECT_ERROR("[partition p]\nmemory =\n", 2,
		     "missing value for key 'memory'");
}

static void test_err_size_overflow(void **state)
{
	(void)state;
	EXPECT_ERROR("[partition p]\nmemory = 99999999999999999999M\n", 2,
		     "too large");
	EXPECT_ERROR("[partition p]\nmemory = 18446744073709551616\n", 2,
		     "too large");
	/* fits in 64 bits before the suffix, not after */
	EXPECT_ERROR("[partition p]\nmemory = 17179869184G\n", 2, "too large");
	EXPECT_ERROR("[partition p]\nmemory = 0x10000000000000000\n", 2,
		     "too large");
	EXPECT_ERROR("[partition p]\nmemory = 18446744073709551614\n", 2,
		     "too large");
}

static void test_err_size_range(void **state)
{
	(void)state;
	EXPECT_ERROR("[partition p]\nmemory = 3M\n", 2, "not a multiple of 2M");
	EXPECT_ERROR("[partition p]\nmemory = 2049K\n", 2,
		     "not a multiple of 2M");
	EXPECT_ERROR("[partition p]\nmemory = 0x200001\n", 2,
		     "not a multiple of 2M");
	EXPECT_ERROR("[partition p]\nmemory = 0\n", 2, "too small (min 2M)");
	EXPECT_ERROR("[partition p]\nmemory = 1M\n", 2, "too small");
	EXPECT_ERROR("[partition p]\nmemory = 66G\n", 2, "too large (max 64G)");
	EXPECT_ERROR("[partition p]\nmemory = 65538M\n", 2, "too large");
}

static void test_err_cpu_list(void **state)
{
	(void)state;
	EXPECT_ERROR("[partition p]\ncpus = 64\n", 2,
		     "CPU index '64' out of range (max 63)");
	EXPECT_ERROR("[partition p]\ncpus = 60-64\n", 2, "out of range");
	EXPECT_ERROR("[partition p]\ncpus = 99999999999999999999\n", 2,
		     "out of range");
	EXPECT_ERROR("[partition p]\ncpus = 3-2\n", 2,
		     "reversed CPU range '3-2'");
	EXPECT_ERROR("[partition p]\ncpus =\n", 2,
		     "missing value for key 'cpus'");
	EXPECT_ERROR("[partition p]\ncpus = 1,,2\n", 2, "empty entry");
	EXPECT_ERROR("[partition p]\ncpus = 1,\n", 2, "empty entry");
	EXPECT_ERROR("[partition p]\ncpus = ,1\n", 2, "empty entry");
	EXPECT_ERROR("[partition p]\ncpus = a\n", 2, "bad CPU number 'a'");
	EXPECT_ERROR("[partition p]\ncpus = 1-\n", 2, "bad CPU number");
	EXPECT_ERROR("[partition p]\ncpus = -1\n", 2, "bad CPU number");
	EXPECT_ERROR("[partition p]\ncpus = 0x1\n", 2, "bad CPU number");
	EXPECT_ERROR("[partition p]\ncpus = 1 2\n", 2, "bad CPU number");
	EXPECT_ERROR("[partition p]\ncpus = 1-2-3\n", 2, "bad CPU number");
	EXPECT_ERROR("[partition p]\ncpus = 1,0-2\n", 2, "CPU 1 listed twice");
}

static void test_err_cpu_conflict(void **state)
{
	(void)state;
	EXPECT_ERROR(PART("alpha", "1-2") "\n" PART("beta", "0,2-3"), 7,
		     "CPU 2 is assigned to both partition 'alpha' and "
		     "partition 'beta'");
	EXPECT_ERROR(PART("a", "0") PART("b", "1") PART("c", "5,1"), 10,
		     "CPU 1 is assigned to both partition 'b' and partition "
		     "'c'");
}

static void test_err_too_many(void **state)
{
	(void)state;
	char text[4096];
	size_t n = 0;

	for (int i = 0; i <= CFG_MAX_PARTS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[partition p%d]\ncpus=%d\nmemory=2M\n"
				      "kernel=k\n",
				      i, i);
	EXPECT_ERROR(text, CFG_MAX_PARTS * 4 + 1,
		     "too many partitions (max 8)");

	EXPECT_ERROR(PART("p", "1") "module=a\nmodule=b\nmodule=c\nmodule=d\n"
				    "module=e\n",
		     9, "too many modules in [partition p] (max 4)");
}

static void test_err_too_long(void **state)
{
	(void)state;
	char text[2048];
	int n;

	n = snprintf(text, sizeof(text), "[partition p]\nkernel = ");
	memset(text + n, 'k', CFG_PATH_MAX);
	text[n + CFG_PATH_MAX] = '\0';
	EXPECT_ERROR(text, 2, "kernel path too long (128 characters, max 127)");

	n = snprintf(text, sizeof(text), "[partition p]\n\nmodule = ");
	memset(text + n, 'm', 300);
	text[n + 300] = '\0';
	EXPECT_ERROR(text, 3, "module path too long");

	n = snprintf(text, sizeof(text), "[partition p]\ncmdline = ");
	memset(text + n, 'c', CFG_CMDLINE_MAX);
	text[n + CFG_CMDLINE_MAX] = '\0';
	EXPECT_ERROR(text, 2, "cmdline too long (256 characters, max 255)");

	EXPECT_ERROR("[partition p]\nkernel = /boot/k.elf\n", 2,
		     "must be relative");
	EXPECT_ERROR("[partition p]\nmodule = \\efi\\m\n", 2,
		     "must be relative");
}

static void test_err_missing_keys(void **state)
{
	(void)state;
	EXPECT_ERROR("\n[partition alpha]\nmemory = 2M\nkernel = k\n", 2,
		     "[partition alpha] is missing the required key 'cpus'");
	EXPECT_ERROR("[partition alpha]\ncpus = 1\nkernel = k\n", 1,
		     "missing the required key 'memory'");
	EXPECT_ERROR("[partition alpha]\ncpus = 1\nmemory = 2M\n", 1,
		     "missing the required key 'kernel'");
	/* detected when the next section starts, before its errors */
	EXPECT_ERROR("[partition a]\ncpus = 1\n[partition b]\nbogus = 1\n", 1,
		     "[partition a] is missing the required key 'memory'");
	EXPECT_ERROR(PART("a", "0") "[partition b]\n" PART("c", "1"), 5,
		     "[partition b] is missing the required key 'cpus'");
}

static void test_err_no_partitions(void **state)
{
	(void)state;
	EXPECT_ERROR("", 0, "no partitions defined");
	EXPECT_ERROR("# only a comment\n\n", 0, "no partitions defined");
	EXPECT_ERROR("[hypervisor]\nconsole = com2\n", 0,
		     "no partitions defined");
}

static void test_err_line_too_long(void **state)
{
	(void)state;
	char text[2048];
	int n = snprintf(text, sizeof(text), "%s", PART("p", "1"));

	text[n] = '#';
	memset(text + n + 1, ' ', CFG_LINE_MAX);
	strcpy(text + n + 1 + CFG_LINE_MAX, "\nbogus\n");
	EXPECT_ERROR(text, 5, "line too long (513 characters, max 512)");
}

static void test_err_bad_bytes(void **state)
{
	(void)state;
	static const char nul[] = "[partition p]\ncpus = 1\0\nmemory = 2M\n";
	EXPECT_ERROR_LEN(nul, sizeof(nul) - 1, 2, "NUL byte");
	/* even inside a comment */
	static const char nul2[] = "# a\0b\n";
	EXPECT_ERROR_LEN(nul2, sizeof(nul2) - 1, 1, "NUL byte");
	EXPECT_ERROR(PART("p", "1") "cmdline = a\x01"
				    "b\n",
		     5, "control character 0x01");
	EXPECT_ERROR("# bell \x07\n", 1, "control character 0x07");
	EXPECT_ERROR("[partition p]\x7f\n", 1, "control character 0x7F");
	EXPECT_ERROR("[partition p]\ncpus = 1\rmemory = 2M\n", 2,
		     "control character 0x0D");
	EXPECT_ERROR("\x1b[31m\n", 1, "control character 0x1B");
	EXPECT_ERROR(PART("p", "1") "cmdline = caf\xc3\xa9\n", 5,
		     "non-ASCII byte 0xC3");
}

static void test_err_entry(void **state)
{
	(void)state;
	EXPECT_VALUE_ERROR("entry = 0xA0000", "must be below 0xA0000");
	EXPECT_VALUE_ERROR("entry = 0x100000", "must be below 0xA0000");
	EXPECT_VALUE_ERROR("entry = 0x123456789abcdef01", "must be below");
	EXPECT_VALUE_ERROR("entry = 99999999999999999999", "must be below");
	EXPECT_VALUE_ERROR("entry = 0x7C0G", "bad entry address '0x7C0G'");
	EXPECT_VALUE_ERROR("entry = none", "bad entry address");
	EXPECT_VALUE_ERROR("entry =", "missing value for key 'entry'");
}

static void test_err_exit_port(void **state)
{
	(void)state;
	EXPECT_VALUE_ERROR("exit_port = 0x10000", "out of range (max 0xFFFF)");
	EXPECT_VALUE_ERROR("exit_port = 99999999999999999999", "out of range");
	EXPECT_VALUE_ERROR("exit_port = 0", "use 'none'");
	EXPECT_VALUE_ERROR("exit_port = off", "bad exit_port 'off'");
	EXPECT_VALUE_ERROR("exit_port = -1", "bad exit_port");
}

static void test_err_console(void **state)
{
	(void)state;
	EXPECT_ERROR("[hypervisor]\nconsole = com3\n", 2,
		     "bad console 'com3' (expected com1 or com2)");
	EXPECT_ERROR("[hypervisor]\nconsole = COM1\n", 2, "bad console");
	EXPECT_ERROR("[hypervisor]\nconsole =\n", 2, "missing value");
	EXPECT_ERROR("[hypervisor]\nview = tagged\n", 2,
		     "bad view 'tagged' (expected all or focus)");
	EXPECT_ERROR("[hypervisor]\nview = focus\nview = all\n", 3, "view");
	EXPECT_ERROR("[partition a]\nview = focus\n", 2, "view");
}

/* Long user text is quoted shortened, and messages always fit. */
static void test_err_message_bounds(void **state)
{
	(void)state;
	char text[1024];
	int n = snprintf(text, sizeof(text), "[partition p]\n");

	memset(text + n, 'k', 400);
	strcpy(text + n + 400, " = 1\n");
	assert_int_equal(parse(text), -1);
	assert_int_equal(err.line, 2);
	assert_true(strlen(err.msg) < sizeof(err.msg));
	assert_non_null(strstr(err.msg, "unknown key 'kkkk"));
	assert_non_null(strstr(err.msg, "kkkk' in [partition p]"));
}

/* ---- management channel ----------------------------------------------- */

/* 64 hex digits, mixed case; KEY_BYTES_INIT is the same key as bytes. */
#define KEY_HEX                                                                \
	"00112233445566778899aabbccddeeff0123456789ABCDEFfedcba9876543210"
static const uint8_t key_bytes[CFG_KEY_BYTES] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
    0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
    0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};

/* The error message must never quote key material. */
static void assert_no_key_text(void)
{
	if (strstr(err.msg, "0011223344") || strstr(err.msg, "6543210") ||
	    strstr(err.msg, "zz"))
		fail_msg("message quotes the key: '%s'", err.msg);
}

static const char mgmt_sample[] = PART("alpha", "1") /* 1-4 */
    "manage = yes\n"				     /* 5 */
    "console = raw\n"				     /* 6 */
    "ports = 0x3E8-0x3EF\n"			     /* 7 */
    "\n"					     /* 8 */
    "[management]   # channel\n"		     /* 9 */
    "key = " KEY_HEX "  # secret\n"		     /* 10 */
    "port = com2\n"				     /* 11 */
    "[hypervisor]\n"				     /* 12 */
    "console = com1\n"				     /* 13 */
    PART("beta", "2")				     /* 14-17 */
    "console = tagged\n";			     /* 18 */

static void test_management(void **state)
{
	(void)state;
	/* no [management]: everything off */
	EXPECT_OK(PART("p", "1"));
	assert_false(cfg.mgmt.enabled);
	assert_int_equal(cfg.mgmt.line, 0);
	assert_false(cfg.mgmt.has_key);
	assert_string_equal(cfg.mgmt.key_file, "");
	assert_int_equal(cfg.mgmt.port, CFG_MGMT_PORT_NONE);
	assert_false(cfg.parts[0].manage);
	assert_int_equal(cfg.parts[0].manage_line, 0);
	assert_false(cfg.parts[0].console_raw);

	EXPECT_OK(mgmt_sample);
	assert_true(cfg.mgmt.enabled);
	assert_int_equal(cfg.mgmt.line, 9);
	assert_true(cfg.mgmt.has_key);
	assert_memory_equal(cfg.mgmt.key, key_bytes, CFG_KEY_BYTES);
	assert_int_equal(cfg.mgmt.key_line, 10);
	assert_string_equal(cfg.mgmt.key_file, "");
	assert_int_equal(cfg.mgmt.port, CFG_MGMT_PORT_COM2);
	assert_int_equal(cfg.mgmt.port_line, 11);
	assert_int_equal(cfg.console, CFG_CONSOLE_COM1);
	assert_true(cfg.parts[0].manage);
	assert_int_equal(cfg.parts[0].manage_line, 5);
	assert_true(cfg.parts[0].console_raw);
	assert_false(cfg.parts[1].manage);
	assert_false(cfg.parts[1].console_raw);

	/* key_file instead of key; port defaults to none; section first */
	EXPECT_OK("[management]\nkey_file = keys/mgmt.key\n" PART("p", "1"));
	assert_true(cfg.mgmt.enabled);
	assert_int_equal(cfg.mgmt.line, 1);
	assert_false(cfg.mgmt.has_key);
	assert_string_equal(cfg.mgmt.key_file, "keys/mgmt.key");
	assert_int_equal(cfg.mgmt.key_line, 2);
	assert_int_equal(cfg.mgmt.port, CFG_MGMT_PORT_NONE);
	assert_int_equal(cfg.mgmt.port_line, 0);

	/* upper-case key; explicit port = none */
	EXPECT_OK(PART("p", "1") "[ management ]\nport = none\nkey = "
				 "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
				 "FFFFFFFFFFFFFFFFFFFE\n");
	assert_int_equal(cfg.mgmt.key[0], 0xFF);
	assert_int_equal(cfg.mgmt.key[31], 0xFE);
	assert_int_equal(cfg.mgmt.port, CFG_MGMT_PORT_NONE);
	assert_int_equal(cfg.mgmt.port_line, 6);

	/* port = com2 with the console on com2 moved to com1, and a partition
	 * owning other ports; the manager's own ports avoid 0x2F8 */
	EXPECT_OK("[hypervisor]\nconsole = com1\n[management]\nkey = " KEY_HEX
		  "\nport = com2\n" PART("a", "1") "ports = 0x2E8-0x2EF, "
						   "0x300\n");
	assert_int_equal(cfg.mgmt.port, CFG_MGMT_PORT_COM2);
	/* the manager's vUART is virtual: console = com2 is fine with it */
	EXPECT_OK("[hypervisor]\nconsole = com2\n[management]\nkey = " KEY_HEX
		  "\n" PART("a", "1") "manage = yes\n");
	assert_true(cfg.parts[0].manage);
	/* manage = no is the default, spelled out */
	EXPECT_OK(PART("a", "1") "manage = no\n");
	assert_false(cfg.parts[0].manage);
	assert_int_equal(cfg.parts[0].manage_line, 0);
}

static void test_err_management_key(void **state)
{
	(void)state;
	/* 65 and 63 digits, non-hex, a 0x prefix, an inner space: the
	 * messages give lengths and positions, never the text */
	EXPECT_ERROR(PART("p", "1") "[management]\nkey = " KEY_HEX "0\n", 6,
		     "key must be 64 hex digits (32 bytes), got 65 characters");
	assert_no_key_text();
	EXPECT_ERROR(PART("p", "1") "[management]\nkey = "
				    "00112233445566778899aabbccddeeff"
				    "0123456789ABCDEFfedcba987654321\n",
		     6, "key must be 64 hex digits (32 bytes), got 63");
	assert_no_key_text();
	EXPECT_ERROR(PART("p", "1") "[management]\nkey = "
				    "00112233445566778899zzbbccddeeff"
				    "0123456789ABCDEFfedcba9876543210\n",
		     6,
		     "key must be 64 hex digits (32 bytes): character 21 is "
		     "not a hex digit");
	assert_no_key_text();
	EXPECT_ERROR(PART("p", "1") "[management]\nkey = "
				    "0x112233445566778899aabbccddeeff"
				    "0123456789ABCDEFfedcba9876543210\n",
		     6, "character 2 is not a hex digit");
	assert_no_key_text();
	EXPECT_ERROR(PART("p", "1") "[management]\nkey = "
				    "0011223344556677 899aabbccddeeff"
				    "0123456789ABCDEFfedcba9876543210\n",
		     6, "character 17 is not a hex digit");
	assert_no_key_text();
	EXPECT_ERROR(PART("p", "1") "[management]\nkey = 00112233\n", 6,
		     "key must be 64 hex digits (32 bytes), got 8 characters");
	assert_no_key_text();
	EXPECT_ERROR(PART("p", "1") "[management]\nkey =\n", 6,
		     "missing value for key 'key' in [management]");
	EXPECT_ERROR(PART("p", "1") "[management]\nkey = " KEY_HEX
				    "\nkey = " KEY_HEX "\n",
		     7,
		     "duplicate key 'key' in [management] (first set on line "
		     "6)");
	assert_no_key_text();

	/* key and key_file: exclusive, in either order */
	EXPECT_ERROR("[management]\nkey = " KEY_HEX "\nkey_file = k.key\n", 3,
		     "key and key_file cannot both be given (key on line 2)");
	EXPECT_ERROR("[management]\nkey_file = k.key\n\nkey = " KEY_HEX "\n", 4,
		     "key and key_file cannot both be given (key_file on line "
		     "2)");
	assert_no_key_text();
	EXPECT_ERROR("[management]\nkey_file = /efi/k.key\n", 2,
		     "key_file path '/efi/k.key' must be relative");
	EXPECT_ERROR("[management]\nkey_file =\n", 2,
		     "missing value for key 'key_file'");

	/* neither: reported on the header, at the end of the section */
	EXPECT_ERROR(PART("p", "1") "\n[management]\nport = com2\n", 6,
		     "[management] needs key or key_file");
	EXPECT_ERROR("\n[management]\n" PART("p", "1"), 2,
		     "[management] needs key or key_file");
	EXPECT_ERROR(PART("p", "1") "[management]\n", 5,
		     "[management] needs key or key_file");
}

static void test_err_management_section(void **state)
{
	(void)state;
	EXPECT_ERROR("[management]\nkey = " KEY_HEX
		     "\n" PART("p", "1") "[management]\nkey_file = k\n",
		     7, "duplicate section [management] (first on line 1)");
	EXPECT_ERROR("[management main]\n", 1,
		     "section [management] takes no name (got 'main')");
	EXPECT_ERROR("[managment]\n", 1,
		     "unknown section '[managment]' (expected [hypervisor], "
		     "[management] or [partition NAME])");
	EXPECT_ERROR("[management]\nkey = " KEY_HEX "\ncpus = 1\n", 3,
		     "unknown key 'cpus' in [management]");
	EXPECT_ERROR("[management]\nkey = " KEY_HEX "\nconsole = com2\n", 3,
		     "unknown key 'console' in [management]");
	/* management keys belong to [management] only */
	EXPECT_ERROR(PART("p", "1") "port = com2\n", 5,
		     "unknown key 'port' in [partition p]");
	EXPECT_ERROR("[hypervisor]\nkey = " KEY_HEX "\n", 2,
		     "unknown key 'key' in [hypervisor]");
	EXPECT_ERROR("[hypervisor]\nmanage = yes\n", 2,
		     "unknown key 'manage' in [hypervisor]");

	/* port values */
	EXPECT_ERROR("[management]\nkey = " KEY_HEX "\nport = com1\n", 3,
		     "bad management port 'com1' (expected com2 or none)");
	EXPECT_ERROR("[management]\nkey = " KEY_HEX "\nport = COM2\n", 3,
		     "bad management port");
	EXPECT_ERROR("[management]\nkey = " KEY_HEX "\nport =\n", 3,
		     "missing value for key 'port'");
	EXPECT_ERROR("[management]\nkey = " KEY_HEX
		     "\nport = none\nport = com2\n",
		     4, "duplicate key 'port' in [management]");
}

/* port = com2: COM2 is the hypervisor's, whatever the section order. */
static void test_err_management_port(void **state)
{
	(void)state;
	EXPECT_ERROR(
	    "[hypervisor]\nconsole = com2\n[management]\nkey = " KEY_HEX
	    "\nport = com2\n" PART("p", "1"),
	    5,
	    "management port com2 is the hypervisor console (console "
	    "= com2 on line 2); one UART cannot be both");
	EXPECT_ERROR("[management]\nkey = " KEY_HEX "\nport = com2\n" PART(
			 "p", "1") "[hypervisor]\n\nconsole = com2\n",
		     3, "(console = com2 on line 10)");
	EXPECT_ERROR("[management]\nkey = " KEY_HEX
		     "\nport = com2\n" PART("a", "1")
			 PART("b", "2") "ports = 0x2E8-0x2F8\n",
		     12,
		     "ports 0x2F8-0x2FF are the management UART (port = com2 "
		     "on line 3)");
	EXPECT_ERROR(
	    PART("a", "1") "ports = 0x2FF\n[management]\nkey = " KEY_HEX
			   "\nport = com2\n",
	    5, "ports 0x2F8-0x2FF are the management UART");
	/* without port = com2 a partition may have COM2 */
	EXPECT_OK("[management]\nkey = " KEY_HEX
		  "\n" PART("a", "1") "ports = 0x2F8-0x2FF\n");
	assert_int_equal(cfg.parts[0].nports, 1);
}

static void test_err_manage(void **state)
{
	(void)state;
	EXPECT_VALUE_ERROR("manage = true", "bad manage 'true' (expected yes "
					    "or no)");
	EXPECT_VALUE_ERROR("manage = YES", "bad manage 'YES'");
	EXPECT_VALUE_ERROR("manage =", "missing value for key 'manage'");
	EXPECT_ERROR(PART("p", "1") "manage = no\nmanage = yes\n", 6,
		     "duplicate key 'manage' in [partition p] (first set on "
		     "line 5)");

	/* at most one manager; the error names the first */
	EXPECT_ERROR("[management]\nkey_file = k\n" PART(
			 "a", "1") "manage = yes\n" PART("b", "2")
			 PART("c", "3") "manage = yes\n",
		     16,
		     "partition 'a' is already the manager (manage = yes on "
		     "line 7); only one partition may manage");

	/* the manager's second vUART sits at 0x2F8: no ports there */
	EXPECT_ERROR("[management]\nkey_file = k\n" PART(
			 "a", "1") "manage = yes\nports = 0x3E8, 0x2F0-0x2F8\n",
		     8,
		     "ports 0x2F8-0x2FF are the management UART of this "
		     "manager partition (manage = yes on line 7)");
	EXPECT_ERROR("[management]\nkey_file = k\n" PART(
			 "a", "1") "ports = 0x2FC\n\nmanage = yes\n",
		     9,
		     "a manager partition gets its management UART at "
		     "0x2F8-0x2FF, but this partition's ports (line 7) "
		     "include it");

	/* a manager needs the channel's key, from a [management] anywhere */
	EXPECT_ERROR(PART("a", "1") PART("b", "2") "manage = yes\n", 9,
		     "partition 'b' has manage = yes but there is no "
		     "[management] section");
	EXPECT_OK(PART("a", "1") "manage = yes\n[management]\nkey = " KEY_HEX
				 "\n");
}

/* `console` exists in [hypervisor] and in [partition NAME], with
 * different values: the lookup takes the section into account. */
static void test_part_console(void **state)
{
	(void)state;
	EXPECT_OK(PART("a", "1") "console = raw\n" PART(
	    "b", "2") "console = tagged\n[hypervisor]\nconsole = com2\n");
	assert_true(cfg.parts[0].console_raw);
	assert_false(cfg.parts[1].console_raw);
	assert_int_equal(cfg.console, CFG_CONSOLE_COM2);

	EXPECT_VALUE_ERROR("console = com1",
			   "bad console 'com1' (expected raw or tagged)");
	EXPECT_VALUE_ERROR("console = RAW", "bad console 'RAW'");
	EXPECT_VALUE_ERROR("console =", "missing value for key 'console' in "
					"[partition p]");
	EXPECT_ERROR("[hypervisor]\nconsole = raw\n", 2,
		     "bad console 'raw' (expected com1 or com2)");
	/* duplicates are per section and per key */
	EXPECT_ERROR(PART("p", "1") "console = raw\nconsole = tagged\n", 6,
		     "duplicate key 'console' in [partition p] (first set on "
		     "line 5)");
	EXPECT_OK(
	    "[hypervisor]\nconsole = com1\n" PART("p", "1") "console = raw\n");
	EXPECT_OK(PART("p", "1") "console = raw\n[hypervisor]\nconsole = "
				 "com1\n");
}

static void test_snapshot(void **state)
{
	(void)state;
	/* no by default: nothing reserved, no line */
	EXPECT_OK(PART("p", "1"));
	assert_int_equal(cfg.parts[0].snapshot, CFG_SNAPSHOT_NO);
	assert_int_equal(cfg.parts[0].snapshot_line, 0);
	/* no, spelled out: the same */
	EXPECT_OK(PART("p", "1") "snapshot = no\n");
	assert_int_equal(cfg.parts[0].snapshot, CFG_SNAPSHOT_NO);
	assert_int_equal(cfg.parts[0].snapshot_line, 0);
	EXPECT_OK(PART("p", "1") "snapshot = yes\n");
	assert_int_equal(cfg.parts[0].snapshot, CFG_SNAPSHOT_YES);
	assert_int_equal(cfg.parts[0].snapshot_line, 5);
	EXPECT_OK(PART("p", "1") "snapshot = self   # guest hypercalls too\n");
	assert_int_equal(cfg.parts[0].snapshot, CFG_SNAPSHOT_SELF);
	assert_int_equal(cfg.parts[0].snapshot_line, 5);
	/* per partition, and independent of [management] and manage */
	EXPECT_OK(PART("a", "1") "snapshot = self\n" PART("b", "2")
		      PART("c", "3") "\nsnapshot = yes\n");
	assert_int_equal(cfg.parts[0].snapshot, CFG_SNAPSHOT_SELF);
	assert_int_equal(cfg.parts[0].snapshot_line, 5);
	assert_int_equal(cfg.parts[1].snapshot, CFG_SNAPSHOT_NO);
	assert_int_equal(cfg.parts[1].snapshot_line, 0);
	assert_int_equal(cfg.parts[2].snapshot, CFG_SNAPSHOT_YES);
	assert_int_equal(cfg.parts[2].snapshot_line, 15);
}

/* dirty_tracking: auto by default, write-protect on request, only with
 * snapshot = yes|self (in either order within the section). */
static void test_dirty_tracking(void **state)
{
	(void)state;
	EXPECT_OK(PART("p", "1") "snapshot = yes\n");
	assert_int_equal(cfg.parts[0].dirty_tracking, CFG_DIRTY_AUTO);
	EXPECT_OK(PART("p", "1") "snapshot = self\ndirty_tracking = auto\n");
	assert_int_equal(cfg.parts[0].dirty_tracking, CFG_DIRTY_AUTO);
	EXPECT_OK(PART("p", "1") "dirty_tracking = write-protect\n"
				 "snapshot = yes\n" PART("q", "2"));
	assert_int_equal(cfg.parts[0].dirty_tracking, CFG_DIRTY_WRITE_PROTECT);
	assert_int_equal(cfg.parts[1].dirty_tracking, CFG_DIRTY_AUTO);

	EXPECT_ERROR(PART("p", "1") "dirty_tracking = write-protect\n"
				    "snapshot = no\n" PART("q", "2"),
		     5,
		     "dirty_tracking applies only to a partition with "
		     "snapshot = yes or self");
	EXPECT_ERROR(PART("p", "1") "\ndirty_tracking = auto\n", 6,
		     "dirty_tracking applies only to a partition with "
		     "snapshot = yes or self");
	EXPECT_ERROR(PART("p", "1") "snapshot = yes\ndirty_tracking = pml\n", 6,
		     "bad dirty_tracking 'pml' (expected auto or "
		     "write-protect)");
	EXPECT_ERROR(PART("p", "1") "snapshot = yes\ndirty_tracking = auto\n"
				    "dirty_tracking = auto\n",
		     7,
		     "duplicate key 'dirty_tracking' in [partition p] (first "
		     "set on line 6)");
	EXPECT_ERROR("[hypervisor]\ndirty_tracking = auto\n", 2,
		     "unknown key 'dirty_tracking' in [hypervisor]");
}

/* platform: the kind of kernel decides by default (left to the loader);
 * pc or none on request; none with an initrd (Linux) and pc with a raw
 * image are errors naming both lines. */
static void test_platform(void **state)
{
	(void)state;
	EXPECT_OK(PART("p", "1"));
	assert_int_equal(cfg.parts[0].platform, CFG_PLATFORM_DEFAULT);
	assert_int_equal(cfg.parts[0].platform_line, 0);
	EXPECT_OK(PART("p", "1") "platform = none\n" PART(
	    "q", "2") "platform = pc\n");
	assert_int_equal(cfg.parts[0].platform, CFG_PLATFORM_NONE);
	assert_int_equal(cfg.parts[0].platform_line, 5);
	assert_int_equal(cfg.parts[1].platform, CFG_PLATFORM_PC);
	EXPECT_OK(PART("p", "1") "initrd = i.gz\nplatform = pc\n");
	EXPECT_OK(PART("p", "1") "entry = 0x7C00\nplatform = none\n");

	EXPECT_ERROR(PART("p", "1") "platform = none\ninitrd = i.gz\n", 5,
		     "platform = none, but a Linux kernel (initrd on line 6) "
		     "needs platform = pc");
	EXPECT_ERROR(
	    PART("p", "1") "entry = 0x7C00\n\nplatform = pc\n" PART("q", "2"),
	    7,
	    "platform = pc is for Multiboot and Linux kernels; a raw "
	    "image (entry on line 5) gets none");
	EXPECT_VALUE_ERROR("platform = isa",
			   "bad platform 'isa' (expected pc or none)");
	EXPECT_VALUE_ERROR("platform = PC", "bad platform 'PC'");
	EXPECT_VALUE_ERROR("platform =", "missing value for key 'platform' "
					 "in [partition p]");
	EXPECT_ERROR(PART("p", "1") "platform = pc\nplatform = pc\n", 6,
		     "duplicate key 'platform' in [partition p] (first set on "
		     "line 5)");
	EXPECT_ERROR("[hypervisor]\nplatform = pc\n", 2,
		     "unknown key 'platform' in [hypervisor]");
}

static void test_err_snapshot(void **state)
{
	(void)state;
	EXPECT_VALUE_ERROR("snapshot = maybe",
			   "bad snapshot 'maybe' (expected no, yes or self)");
	EXPECT_VALUE_ERROR("snapshot = true",
			   "bad snapshot 'true' (expected no, yes or self)");
	EXPECT_VALUE_ERROR("snapshot = YES", "bad snapshot 'YES'");
	EXPECT_VALUE_ERROR("snapshot = Self", "bad snapshot 'Self'");
	EXPECT_VALUE_ERROR("snapshot = yes self", "bad snapshot 'yes self'");
	EXPECT_VALUE_ERROR("snapshot =", "missing value for key 'snapshot' in "
					 "[partition p]");
	EXPECT_ERROR(PART("p", "1") "snapshot = no\n\nsnapshot = yes\n", 7,
		     "duplicate key 'snapshot' in [partition p] (first set on "
		     "line 5)");
	EXPECT_ERROR(PART("p", "1") "snapshot = self\nsnapshot = self\n", 6,
		     "duplicate key 'snapshot' in [partition p] (first set on "
		     "line 5)");
	/* a partition key only */
	EXPECT_ERROR("[hypervisor]\nsnapshot = yes\n" PART("p", "1"), 2,
		     "unknown key 'snapshot' in [hypervisor]");
	EXPECT_ERROR("[management]\nkey = " KEY_HEX "\nsnapshot = yes\n", 3,
		     "unknown key 'snapshot' in [management]");
	/* the two-word keys keep their message */
	EXPECT_VALUE_ERROR("on_fault = halt",
			   "bad on_fault 'halt' (expected stop or reset)");
}

/* cfg_parse_key on an unterminated heap copy (ASan checks the bounds). */
static int parse_key_len(const char *text, size_t len, uint8_t out[32])
{
	char *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, text, len);
	r = cfg_parse_key(copy, len, out);
	free(copy);
	return r;
}

static int parse_key(const char *text, uint8_t out[32])
{
	return parse_key_len(text, strlen(text), out);
}

static void test_parse_key(void **state)
{
	(void)state;
	uint8_t out[CFG_KEY_BYTES];
	uint8_t ones[CFG_KEY_BYTES];

	assert_int_equal(parse_key(KEY_HEX, out), 0);
	assert_memory_equal(out, key_bytes, sizeof(out));
	memset(out, 0, sizeof(out));
	assert_int_equal(parse_key(KEY_HEX "\n", out), 0);
	assert_memory_equal(out, key_bytes, sizeof(out));
	memset(out, 0, sizeof(out));
	assert_int_equal(parse_key(KEY_HEX "\r\n", out), 0);
	assert_memory_equal(out, key_bytes, sizeof(out));
	assert_int_equal(parse_key("ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEF"
				   "ABCDEFABCDEFABCDEFABCD\n",
				   out),
			 0);
	assert_int_equal(out[0], 0xAB);
	assert_int_equal(out[1], 0xCD);
	assert_int_equal(out[31], 0xCD);

	/* rejected inputs leave out untouched */
	memset(ones, 0x5A, sizeof(ones));
	memcpy(out, ones, sizeof(out));
	static const char *const bad[] = {
	    "",
	    "\n",
	    KEY_HEX "\r",
	    KEY_HEX "\n\n",
	    KEY_HEX "\r\n\n",
	    KEY_HEX "\n\r\n",
	    KEY_HEX " ",
	    KEY_HEX " \n",
	    KEY_HEX "\t\n",
	    " " KEY_HEX,
	    KEY_HEX "0",
	    KEY_HEX "0\n",
	    KEY_HEX "\nx",
	    KEY_HEX "#",
	    "0x" KEY_HEX,
	    "g011223344556677889900112233445566778899001122334455667788990011",
	    "001122334455667788990011223344556677889900112233445566778899001",
	    "001122334455667788990011223344556677889900112233445566778899001\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_key(bad[i], out) != -1)
			fail_msg("accepted bad key %zu", i);
		assert_memory_equal(out, ones, sizeof(out));
	}
	/* a NUL is not an end of text */
	static const char nul[] = KEY_HEX "\0";
	assert_int_equal(parse_key_len(nul, sizeof(nul), out), -1);
	static const char nul_nl[] = KEY_HEX "\0\n";
	assert_int_equal(parse_key_len(nul_nl, sizeof(nul_nl) - 1, out), -1);
	/* length-bounded: a longer buffer cut at 64 is fine */
	assert_int_equal(parse_key_len(KEY_HEX "zz", 64, out), 0);
	assert_memory_equal(out, key_bytes, sizeof(out));
	assert_int_equal(parse_key_len(KEY_HEX "\n", 63, out), -1);
}

/* ---- machine checks and helpers --------------------------------------- */

static void test_check_machine(void **state)
{
	(void)state;
	struct cfg_error merr;

	EXPECT_OK(PART("alpha", "1") "\n" PART("beta", "2-3"));
	assert_int_equal(cfg_check_machine(&cfg, 4, BH_MIB(32), &merr), 0);
	assert_int_equal(cfg_check_machine(&cfg, 64, UINT64_MAX, &merr), 0);
	assert_int_equal(cfg_check_machine(&cfg, 1000, BH_GIB(1), &merr), 0);

	assert_int_equal(cfg_check_machine(&cfg, 3, BH_GIB(1), &merr), -1);
	assert_int_equal(merr.line, 7);
	assert_non_null(strstr(merr.msg, "partition 'beta' uses CPU 3"));
	assert_non_null(strstr(merr.msg, "only 3 CPUs"));

	assert_int_equal(cfg_check_machine(&cfg, 0, BH_GIB(1), &merr), -1);
	assert_int_equal(merr.line, 2);

	assert_int_equal(cfg_check_machine(&cfg, 4, BH_MIB(30), &merr), -1);
	assert_int_equal(merr.line, 8); /* memory line of 'beta' */
	assert_non_null(strstr(merr.msg, "need 32M"));
	assert_non_null(strstr(merr.msg, "only 30M is available"));

	assert_int_equal(cfg_check_machine(&cfg, 4, BH_MIB(8), &merr), -1);
	assert_int_equal(merr.line, 3); /* already 'alpha' does not fit */
}

/* A partition with a snapshot takes its memory twice at boot. */
static void test_check_machine_snapshot(void **state)
{
	(void)state;
	struct cfg_error merr;

	EXPECT_OK(PART("alpha", "1") "snapshot = yes\n\n" PART("beta", "2"));
	assert_int_equal(cfg_memory_need(&cfg.parts[0]), BH_MIB(32));
	assert_int_equal(cfg_memory_need(&cfg.parts[1]), BH_MIB(16));
	assert_int_equal(cfg_check_machine(&cfg, 4, BH_MIB(48), &merr), 0);
	assert_int_equal(cfg_check_machine(&cfg, 4, BH_MIB(40), &merr), -1);
	assert_non_null(strstr(merr.msg, "need 48M"));
	assert_int_equal(cfg_check_machine(&cfg, 4, BH_MIB(30), &merr), -1);
	assert_int_equal(merr.line, 3); /* memory line of 'alpha' */
	assert_non_null(strstr(merr.msg, "(up to partition 'alpha' and its "
					 "snapshot)"));
}

static void test_helpers(void **state)
{
	(void)state;
	char buf[256];
	uint64_t v;

	assert_int_equal(cfg_cpu_count(0), 0);
	assert_int_equal(cfg_cpu_count(0x1D), 4);
	assert_int_equal(cfg_cpu_count(~0ull), 64);

	assert_int_equal(cfg_format_cpus(0x1D, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "0,2-4");
	cfg_format_cpus(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	cfg_format_cpus(~0ull, buf, sizeof(buf));
	assert_string_equal(buf, "0-63");
	cfg_format_cpus(0xA000000000000005ull, buf, sizeof(buf));
	assert_string_equal(buf, "0,2,61,63");
	cfg_format_cpus(0x5555555555555555ull, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "0,2,4,6,8,10,12,", 16), 0);
	assert_string_equal(buf + strlen(buf) - 6, ",60,62");
	/* truncation keeps snprintf semantics */
	assert_int_equal(cfg_format_cpus(0x1D, buf, 4), 5);
	assert_string_equal(buf, "0,2");
	assert_int_equal(cfg_format_cpus(0x1D, NULL, 0), 5);

	cfg_format_size(BH_MIB(16), buf, sizeof(buf));
	assert_string_equal(buf, "16M");
	cfg_format_size(BH_GIB(64), buf, sizeof(buf));
	assert_string_equal(buf, "64G");
	cfg_format_size(BH_KIB(3), buf, sizeof(buf));
	assert_string_equal(buf, "3K");
	cfg_format_size(100, buf, sizeof(buf));
	assert_string_equal(buf, "100");
	cfg_format_size(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	cfg_format_size(BH_MIB(1536), buf, sizeof(buf));
	assert_string_equal(buf, "1536M");

	assert_int_equal(cfg_parse_size("4G", 2, &v), 0);
	assert_int_equal(v, BH_GIB(4));
	assert_int_equal(cfg_parse_size("4Gx", 2, &v), 0); /* len-bounded */
	assert_int_equal(cfg_parse_size("", 0, &v), -1);
	assert_int_equal(cfg_parse_size("K", 1, &v), -1);
	assert_int_equal(cfg_parse_size("16384P", 6, &v), -1);
	assert_int_equal(cfg_parse_size("17179869184G", 12, &v), -2);
	assert_int_equal(cfg_parse_size("18446744073709551615", 20, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(cfg_parse_size("18446744073709551616", 20, &v), -2);
}

/* Mutated inputs must never crash or read out of bounds (ASan). */
static void test_mutations(void **state)
{
	(void)state;
	static const char alphabet[] = "[]=#,-\n\r\t 0123456789xMGKp\x80\0";
	uint32_t seed = 12345;
	char buf[sizeof(mgmt_sample) > sizeof(sample) ? sizeof(mgmt_sample)
						      : sizeof(sample)];

	for (int iter = 0; iter < 30000; iter++) {
		/* two in three runs mutate the sample, one the management
		 * sample */
		const char *src = iter % 3 == 2 ? mgmt_sample : sample;
		size_t len = strlen(src);

		memcpy(buf, src, len);
		int edits = 1 + iter % 4;
		for (int e = 0; e < edits; e++) {
			seed = seed * 1103515245u + 12345u;
			size_t pos = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			buf[pos] = alphabet[(seed >> 8) % (sizeof(alphabet))];
		}
		size_t cut = len - (size_t)(iter % 7);
		if (cfg_parse(buf, cut, &cfg, &err) != 0) {
			assert_true(strlen(err.msg) > 0);
			unsigned lines = 1;
			for (size_t i = 0; i < cut; i++)
				lines += buf[i] == '\n';
			assert_true(err.line <= lines);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sample),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_cpu_lists),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_limits_ok),
	    cmocka_unit_test(test_err_syntax),
	    cmocka_unit_test(test_err_section),
	    cmocka_unit_test(test_err_unknown_key),
	    cmocka_unit_test(test_err_key_outside_section),
	    cmocka_unit_test(test_err_duplicate_key),
	    cmocka_unit_test(test_err_duplicate_partition),
	    cmocka_unit_test(test_err_bad_name),
	    cmocka_unit_test(test_err_bad_size),
	    cmocka_unit_test(test_err_size_overflow),
	    cmocka_unit_test(test_err_size_range),
	    cmocka_unit_test(test_err_cpu_list),
	    cmocka_unit_test(test_err_cpu_conflict),
	    cmocka_unit_test(test_err_too_many),
	    cmocka_unit_test(test_ports),
	    cmocka_unit_test(test_err_too_long),
	    cmocka_unit_test(test_err_missing_keys),
	    cmocka_unit_test(test_err_no_partitions),
	    cmocka_unit_test(test_err_line_too_long),
	    cmocka_unit_test(test_err_bad_bytes),
	    cmocka_unit_test(test_err_entry),
	    cmocka_unit_test(test_err_exit_port),
	    cmocka_unit_test(test_err_console),
	    cmocka_unit_test(test_err_message_bounds),
	    cmocka_unit_test(test_management),
	    cmocka_unit_test(test_err_management_key),
	    cmocka_unit_test(test_err_management_section),
	    cmocka_unit_test(test_err_management_port),
	    cmocka_unit_test(test_err_manage),
	    cmocka_unit_test(test_part_console),
	    cmocka_unit_test(test_snapshot),
	    cmocka_unit_test(test_err_snapshot),
	    cmocka_unit_test(test_dirty_tracking),
	    cmocka_unit_test(test_platform),
	    cmocka_unit_test(test_parse_key),
	    cmocka_unit_test(test_check_machine),
	    cmocka_unit_test(test_check_machine_snapshot),
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
