/* bulkhead.conf parser. See docs/config.md for the format.
 *
 * Pure and freestanding-safe: no allocation, no global mutable state, only
 * the routines declared in lib.h. The input need not be NUL-terminated;
 * everything works on (pointer, length) spans. Parsing stops at the first
 * error, which is reported with its 1-based line number. */
#include "hv/load/config.h"
#include "hv/vdev/pcmap.h"

/* Longest piece of user text quoted back in an error message. */
#define QUOTE_MAX 40

struct span {
	const char *p;
	size_t n;
};

/* printf arguments for "%.*s" quoting a span, shortened to QUOTE_MAX */
#define SPAN_ARG(s) (int)((s).n > QUOTE_MAX ? QUOTE_MAX : (s).n), (s).p

enum section { SEC_NONE, SEC_HYPERVISOR, SEC_PARTITION, SEC_MANAGEMENT };

enum key_id {
	KEY_CONSOLE,
	KEY_VIEW,
	KEY_CPUS,
	KEY_MEMORY,
	KEY_KERNEL,
	KEY_CMDLINE,
	KEY_MODULE,
	KEY_ENTRY,
	KEY_EXIT_PORT,
	KEY_INITRD,
	KEY_ON_FAULT,
	KEY_PORTS,
	KEY_MANAGE,
	KEY_PART_CONSOLE,
	KEY_SNAPSHOT,
	KEY_DIRTY_TRACKING,
	KEY_PLATFORM,
	KEY_MGMT_KEY,
	KEY_MGMT_KEY_FILE,
	KEY_MGMT_PORT,
	KEY_COUNT
};

struct parser {
	struct bh_config *cfg;
	struct cfg_error *err;
	unsigned line;		      /* current line, 1-based */
	enum section sec;	      /* section being parsed */
	struct cfg_partition *part;   /* current partition (SEC_PARTITION) */
	unsigned hv_line;	      /* line of [hypervisor], 0 if none yet */
	unsigned console_line;	      /* line of [hypervisor] console, or 0 */
	unsigned key_line[KEY_COUNT]; /* keys seen in the current section */
};

struct key_def {
	const char *name;
	enum section sec;
	bool repeatable;
	bool empty_ok;
	int (*set)(struct parser *ps, struct span val);
};

/* ---- spans ------------------------------------------------------------ */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static struct span mkspan(const char *p, size_t n)
{
	struct span s = {p, n};
	return s;
}

static struct span trim(struct span s)
{
	while (s.n && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* Index of the first c in s, or s.n if there is none. */
static size_t span_find(struct span s, char c)
{
	size_t i = 0;
	while (i < s.n && s.p[i] != c)
		i++;
	return i;
}

static struct span span_head(struct span s, size_t end)
{
	return mkspan(s.p, end);
}

static struct span span_tail(struct span s, size_t start)
{
	return mkspan(s.p + start, s.n - start);
}

/* ---- numbers ---------------------------------------------------------- */

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Unsigned decimal, or hex with a 0x prefix when allow_hex. Returns 0,
 * -1 on a syntax error, -2 on overflow. */
static int parse_u64(struct span s, bool allow_hex, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (allow_hex && s.n > 2 && s.p[0] == '0' &&
	    (s.p[1] == 'x' || s.p[1] == 'X')) {
		base = 16;
		s = span_tail(s, 2);
	}
	if (s.n == 0)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		int d = digit_value(s.p[i]);
		if (d >= (int)base)
			return -1;
	}
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned)digit_value(s.p[i]);
		if (v > (UINT64_MAX - d) / base)
			return -2;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int cfg_parse_size(const char *str, size_t len, uint64_t *out)
{
	struct span s = mkspan(str, len);
	unsigned shift = 0;
	uint64_t v;
	int r;

	/* K, M or G in either case: ORing in 0x20 lowercases only letters. */
	for (unsigned i = 0; s.n && i < 3; i++)
		if ((s.p[s.n - 1] | 0x20) == "kmg"[i])
			shift = 10 * (i + 1);
	if (shift)
		s.n--;
	r = parse_u64(s, true, &v);
	if (r)
		return r;
	if (v > (UINT64_MAX >> shift))
		return -2;
	*out = v << shift;
	return 0;
}

/* ---- formatting helpers ----------------------------------------------- */

/* mask != 0. A bit scan, with no libgcc call (unlike popcount). */
static unsigned lowest_bit(uint64_t mask)
{
	return (unsigned)__builtin_ctzll(mask);
}

unsigned cfg_cpu_count(uint64_t mask)
{
	unsigned n = 0;
	/* Kernighan's loop: no dependency on libgcc's __popcountdi2 */
	while (mask) {
		mask &= mask - 1;
		n++;
	}
	return n;
}

/* Appends to buf at *pos with snprintf semantics (pos counts wanted
 * characters, even past the end of the buffer). */
static void append(char *buf, size_t n, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t n, size_t *pos, const char *fmt, ...)
{
	size_t off = *pos < n ? *pos : n;
	va_list ap;

	va_start(ap, fmt);
	*pos += (size_t)bh_vsnprintf(n ? buf + off : buf, n - off, fmt, ap);
	va_end(ap);
}

int cfg_format_cpus(uint64_t mask, char *buf, size_t n)
{
	size_t pos = 0;
	bool first = true;

	if (n)
		buf[0] = '\0';
	if (!mask) {
		append(buf, n, &pos, "none");
		return (int)pos;
	}
	for (unsigned i = 0; i < 64; i++) {
		if (!(mask & (1ull << i)))
			continue;
		unsigned j = i;
		while (j + 1 < 64 && (mask & (1ull << (j + 1))))
			j++;
		if (j > i)
			append(buf, n, &pos, "%s%u-%u", first ? "" : ",", i, j);
		else
			append(buf, n, &pos, "%s%u", first ? "" : ",", i);
		first = false;
		i = j;
	}
	return (int)pos;
}

int cfg_format_size(uint64_t bytes, char *buf, size_t n)
{
	static const struct {
		unsigned shift;
		char suffix;
	} units[] = {{30, 'G'}, {20, 'M'}, {10, 'K'}};

	if (bytes) {
		for (size_t i = 0; i < BH_ARRAY_SIZE(units); i++) {
			uint64_t unit = 1ull << units[i].shift;
			if (bytes % unit == 0)
				return bh_snprintf(
				    buf, n, "%llu%c",
				    (unsigned long long)(bytes / unit),
				    units[i].suffix);
		}
	}
	return bh_snprintf(buf, n, "%llu", (unsigned long long)bytes);
}

/* ---- errors ----------------------------------------------------------- */

static int fail_at(struct parser *ps, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *ps, unsigned line, const char *fmt, ...)
{
	va_list ap;

	ps->err->line = line;
	va_start(ap, fmt);
	bh_vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Error on the line being parsed. */
#define fail(ps, ...) fail_at((ps), (ps)->line, __VA_ARGS__)

/* "[hypervisor]", "[management]" or "[partition NAME]" */
static void section_label(const struct parser *ps, char *buf, size_t n)
{
	if (ps->sec == SEC_PARTITION)
		bh_snprintf(buf, n, "[partition %s]", ps->part->name);
	else if (ps->sec == SEC_MANAGEMENT)
		bh_snprintf(buf, n, "[management]");
	else
		bh_snprintf(buf, n, "[hypervisor]");
}

/* ---- key handlers ----------------------------------------------------- */

/* For keys that take one of n words: the index of v in words[], or -1 with
 * "bad KEY 'v' (expected w0, w1 or w2)". */
static int choose_of(struct parser *ps, struct span v, const char *key,
		     const char *const *words, unsigned n)
{
	char list[64];
	size_t pos = 0;

	for (unsigned i = 0; i < n; i++)
		if (span_eq(v, words[i]))
			return (int)i;
	list[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		const char *sep = i + 1 == n ? " or " : ", ";

		append(list, sizeof(list), &pos, "%s%s", i ? sep : "",
		       words[i]);
	}
	return fail(ps, "bad %s '%.*s' (expected %s)", key, SPAN_ARG(v), list);
}

/* For keys that take one of two words: 0 for `a`, 1 for `b`, or -1 with
 * "bad KEY 'v' (expected a or b)". */
static int choose(struct parser *ps, struct span v, const char *key,
		  const char *a, const char *b)
{
	const char *const words[] = {a, b};

	return choose_of(ps, v, key, words, 2);
}

static int set_console(struct parser *ps, struct span v)
{
	int c = choose(ps, v, "console", "com1", "com2");

	if (c < 0)
		return -1;
	ps->cfg->console = c ? CFG_CONSOLE_COM2 : CFG_CONSOLE_COM1;
	ps->console_line = ps->line;
	return 0;
}

static int set_view(struct parser *ps, struct span v)
{
	int c = choose(ps, v, "view", "all", "focus");

	if (c < 0)
		return -1;
	ps->cfg->view_focus = c;
	return 0;
}

static int parse_cpu_index(struct parser *ps, struct span s, unsigned *out)
{
	uint64_t v;
	int r = parse_u64(s, false, &v);

	if (r == -1)
		return fail(ps, "bad CPU number '%.*s' in cpu list",
			    SPAN_ARG(s));
	if (r == -2 || v >= CFG_MAX_CPUS)
		return fail(ps, "CPU index '%.*s' out of range (max %d)",
			    SPAN_ARG(s), CFG_MAX_CPUS - 1);
	*out = (unsigned)v;
	return 0;
}

static int set_cpus(struct parser *ps, struct span v)
{
	struct bh_config *cfg = ps->cfg;
	uint64_t mask = 0;
	struct span rest = v;

	for (;;) {
		size_t comma = span_find(rest, ',');
		struct span item = trim(span_head(rest, comma));
		unsigned lo, hi;

		if (item.n == 0)
			return fail(ps, "bad cpu list '%.*s': empty entry",
				    SPAN_ARG(v));
		size_t dash = span_find(item, '-');
		if (parse_cpu_index(ps, trim(span_head(item, dash)), &lo))
			return -1;
		hi = lo;
		if (dash < item.n) {
			if (parse_cpu_index(ps, trim(span_tail(item, dash + 1)),
					    &hi))
				return -1;
			if (hi < lo)
				return fail(ps,
					    "reversed CPU range '%.*s' in cpu "
					    "list",
					    SPAN_ARG(item));
		}
		for (unsigned c = lo; c <= hi; c++) {
			if (mask & (1ull << c))
				return fail(ps, "CPU %u listed twice in '%.*s'",
					    c, SPAN_ARG(v));
			mask |= 1ull << c;
		}
		if (comma == rest.n)
			break;
		rest = span_tail(rest, comma + 1);
	}

	/* Earlier partitions are complete: check for shared CPUs now so the
	 * error points at this (the later) cpus key. */
	for (unsigned i = 0; i + 1 < cfg->nparts; i++) {
		uint64_t both = cfg->parts[i].cpu_mask & mask;
		if (both)
			return fail(ps,
				    "CPU %u is assigned to both partition '%s' "
				    "and partition '%s'",
				    lowest_bit(both), cfg->parts[i].name,
				    ps->part->name);
	}
	ps->part->cpu_mask = mask;
	ps->part->cpus_line = ps->line;
	return 0;
}

static int set_memory(struct parser *ps, struct span v)
{
	char lim[24];
	uint64_t size;
	int r = cfg_parse_size(v.p, v.n, &size);

	if (r == -1)
		return fail(ps,
			    "bad memory size '%.*s' (expected a number with "
			    "an optional K, M or G suffix)",
			    SPAN_ARG(v));
	if (r == -2 || size > CFG_MAX_MEMORY) {
		cfg_format_size(CFG_MAX_MEMORY, lim, sizeof(lim));
		return fail(ps, "memory size '%.*s' is too large (max %s)",
			    SPAN_ARG(v), lim);
	}
	if (size < CFG_MIN_MEMORY) {
		cfg_format_size(CFG_MIN_MEMORY, lim, sizeof(lim));
		return fail(ps, "memory size '%.*s' is too small (min %s)",
			    SPAN_ARG(v), lim);
	}
	if (size % BH_MIB(2))
		return fail(ps, "memory size '%.*s' is not a multiple of 2M",
			    SPAN_ARG(v));
	ps->part->memory = size;
	ps->part->memory_line = ps->line;
	return 0;
}

/* Copies a path value to dst and records its line in *line. */
static int copy_path(struct parser *ps, struct span v, const char *key,
		     char *dst, unsigned *line)
{
	if (v.n >= CFG_PATH_MAX)
		return fail(ps, "%s path too long (%zu characters, max %d)",
			    key, v.n, CFG_PATH_MAX - 1);
	if (v.p[0] == '/' || v.p[0] == '\\')
		return fail(ps,
			    "%s path '%.*s' must be relative to the config "
			    "file's directory",
			    key, SPAN_ARG(v));
	memcpy(dst, v.p, v.n);
	dst[v.n] = '\0';
	*line = ps->line;
	return 0;
}

static int set_kernel(struct parser *ps, struct span v)
{
	return copy_path(ps, v, "kernel", ps->part->kernel,
			 &ps->part->kernel_line);
}

static int set_module(struct parser *ps, struct span v)
{
	struct cfg_partition *p = ps->part;

	if (p->nmodules >= CFG_MAX_MODULES)
		return fail(ps, "too many modules in [partition %s] (max %d)",
			    p->name, CFG_MAX_MODULES);
	if (copy_path(ps, v, "module", p->modules[p->nmodules],
		      &p->module_lines[p->nmodules]))
		return -1;
	p->nmodules++;
	return 0;
}

static int set_cmdline(struct parser *ps, struct span v)
{
	if (v.n >= CFG_CMDLINE_MAX)
		return fail(ps, "cmdline too long (%zu characters, max %d)",
			    v.n, CFG_CMDLINE_MAX - 1);
	memcpy(ps->part->cmdline, v.p, v.n);
	ps->part->cmdline[v.n] = '\0';
	return 0;
}

static int set_entry(struct parser *ps, struct span v)
{
	uint64_t addr;
	int r = parse_u64(v, true, &addr);

	if (r == -1)
		return fail(ps, "bad entry address '%.*s'", SPAN_ARG(v));
	if (r == -2 || addr >= CFG_ENTRY_LIMIT)
		return fail(ps,
			    "entry address '%.*s' must be below 0x%X "
			    "(real-mode conventional memory)",
			    SPAN_ARG(v), CFG_ENTRY_LIMIT);
	ps->part->has_entry = true;
	ps->part->entry = (uint32_t)addr;
	ps->part->entry_line = ps->line;
	return 0;
}

static int set_exit_port(struct parser *ps, struct span v)
{
	uint64_t port;
	int r;

	if (span_eq(v, "none")) {
		ps->part->exit_port = 0;
		return 0;
	}
	r = parse_u64(v, true, &port);
	if (r == -1)
		return fail(ps,
			    "bad exit_port '%.*s' (expected a port number or "
			    "'none')",
			    SPAN_ARG(v));
	if (r == -2 || port > 0xFFFF)
		return fail(ps, "exit_port '%.*s' out of range (max 0xFFFF)",
			    SPAN_ARG(v));
	if (port == 0)
		return fail(ps, "exit_port 0 is not allowed (use 'none' to "
				"disable the debug-exit port)");
	ps->part->exit_port = (uint16_t)port;
	return 0;
}

static int set_initrd(struct parser *ps, struct span v)
{
	return copy_path(ps, v, "initrd", ps->part->initrd,
			 &ps->part->initrd_line);
}

static int set_on_fault(struct parser *ps, struct span v)
{
	int c = choose(ps, v, "on_fault", "stop", "reset");

	if (c < 0)
		return -1;
	ps->part->on_fault = c ? CFG_FAULT_RESET : CFG_FAULT_STOP;
	return 0;
}

/* Ports the hypervisor or every partition's platform needs: never given
 * to one partition (interrupt controllers, timers, reset and A20 logic,
 * RTC, PCI configuration, ACPI PM block, debug port 0x80, the UARTs that
 * may be the hypervisor console). */
static const struct cfg_port_range reserved_ports[] = {
#define X(first, last) {first, last},
    PC_RESERVED_PORTS(X)
#undef X
};

/* COM2: the physical UART of `port = com2`, and the manager partition's
 * second virtual UART. */
static const struct cfg_port_range mgmt_uart = {CFG_MGMT_UART,
						CFG_MGMT_UART + 7};

static bool ranges_meet(struct cfg_port_range a, struct cfg_port_range b)
{
	return a.first <= b.last && b.first <= a.last;
}

bool cfg_owns_port(const struct cfg_partition *p, uint16_t port)
{
	for (unsigned i = 0; i < p->nports; i++)
		if (port >= p->ports[i].first && port <= p->ports[i].last)
			return true;
	return false;
}

static int parse_port(struct parser *ps, struct span s, uint16_t *out)
{
	uint64_t v;
	int r = parse_u64(s, true, &v);
	if (r == -1)
		return fail(ps, "bad port '%.*s'", SPAN_ARG(s));
	if (r == -2 || v > 0xFFFF)
		return fail(ps, "port '%.*s' out of range (max 0xFFFF)",
			    SPAN_ARG(s));
	*out = (uint16_t)v;
	return 0;
}

static int check_port_range(struct parser *ps, struct cfg_port_range r)
{
	struct bh_config *cfg = ps->cfg;
	for (unsigned i = 0; i < BH_ARRAY_SIZE(reserved_ports); i++)
		if (ranges_meet(r, reserved_ports[i]))
			return fail(ps,
				    "ports 0x%X-0x%X belong to the platform "
				    "and cannot be passed through",
				    reserved_ports[i].first,
				    reserved_ports[i].last);
	if (ps->part->manage && ranges_meet(r, mgmt_uart))
		return fail(ps,
			    "ports 0x%X-0x%X are the management UART of this "
			    "manager partition (manage = yes on line %u)",
			    mgmt_uart.first, mgmt_uart.last,
			    ps->part->manage_line);
	for (unsigned i = 0; i + 1 < cfg->nparts; i++)
		for (unsigned j = 0; j < cfg->parts[i].nports; j++)
			if (ranges_meet(r, cfg->parts[i].ports[j]))
				return fail(ps,
					    "ports 0x%X-0x%X overlap ports of "
					    "partition '%s'",
					    r.first, r.last,
					    cfg->parts[i].name);
	return 0;
}

static int set_ports(struct parser *ps, struct span v)
{
	struct cfg_partition *p = ps->part;
	struct span rest = v;
	for (;;) {
		size_t comma = span_find(rest, ',');
		struct span item = trim(span_head(rest, comma));
		size_t dash = span_find(item, '-');
		struct cfg_port_range r;
		if (item.n == 0)
			return fail(ps, "bad port list '%.*s': empty entry",
				    SPAN_ARG(v));
		if (p->nports == CFG_MAX_PORT_RANGES)
			return fail(ps, "too many port ranges (max %d)",
				    CFG_MAX_PORT_RANGES);
		if (parse_port(ps, trim(span_head(item, dash)), &r.first))
			return -1;
		r.last = r.first;
		if (dash < item.n &&
		    parse_port(ps, trim(span_tail(item, dash + 1)), &r.last))
			return -1;
		if (r.last < r.first)
			return fail(ps, "reversed port range '%.*s'",
				    SPAN_ARG(item));
		for (unsigned i = 0; i < p->nports; i++)
			if (ranges_meet(r, p->ports[i]))
				return fail(ps,
					    "port range '%.*s' listed twice",
					    SPAN_ARG(item));
		if (check_port_range(ps, r))
			return -1;
		p->ports[p->nports++] = r;
		if (comma == rest.n)
			break;
		rest = span_tail(rest, comma + 1);
	}
	p->ports_line = ps->line;
	return 0;
}

/* The hypervisor console's UART stays the hypervisor's; the [hypervisor]
 * section may come last, so this is checked once the file is read. */
static int check_console_ports(struct parser *ps)
{
	struct bh_config *cfg = ps->cfg;
	uint16_t base = cfg->console == CFG_CONSOLE_COM2 ? 0x2F8 : 0x3F8;
	struct cfg_port_range con = {base, (uint16_t)(base + 7)};
	for (unsigned i = 0; i < cfg->nparts; i++)
		for (unsigned j = 0; j < cfg->parts[i].nports; j++)
			if (ranges_meet(con, cfg->parts[i].ports[j]))
				return fail_at(ps, cfg->parts[i].ports_line,
					       "ports 0x%X-0x%X are the "
					       "hypervisor console's UART",
					       con.first, con.last);
	return 0;
}

static int set_manage(struct parser *ps, struct span v)
{
	struct bh_config *cfg = ps->cfg;
	struct cfg_partition *p = ps->part;
	int c = choose(ps, v, "manage", "yes", "no");

	if (c)
		return c < 0 ? -1 : 0; /* bad, or "no": not the manager */
	for (unsigned i = 0; i + 1 < cfg->nparts; i++)
		if (cfg->parts[i].manage)
			return fail(ps,
				    "partition '%s' is already the manager "
				    "(manage = yes on line %u); only one "
				    "partition may manage",
				    cfg->parts[i].name,
				    cfg->parts[i].manage_line);
	for (unsigned i = 0; i < p->nports; i++)
		if (ranges_meet(p->ports[i], mgmt_uart))
			return fail(ps,
				    "a manager partition gets its management "
				    "UART at 0x%X-0x%X, but this partition's "
				    "ports (line %u) include it",
				    mgmt_uart.first, mgmt_uart.last,
				    p->ports_line);
	p->manage = true;
	p->manage_line = ps->line;
	return 0;
}

static int set_part_console(struct parser *ps, struct span v)
{
	int c = choose(ps, v, "console", "raw", "tagged");

	if (c < 0)
		return -1;
	ps->part->console_raw = c == 0;
	return 0;
}

static int set_snapshot(struct parser *ps, struct span v)
{
	static const char *const words[] = {"no", "yes", "self"};
	/* indexed like words[] */
	static const enum cfg_snapshot modes[] = {
	    CFG_SNAPSHOT_NO, CFG_SNAPSHOT_YES, CFG_SNAPSHOT_SELF};
	int c = choose_of(ps, v, "snapshot", words, BH_ARRAY_SIZE(words));

	if (c < 0)
		return -1;
	ps->part->snapshot = modes[c];
	ps->part->snapshot_line = c ? ps->line : 0;
	return 0;
}

static int set_dirty_tracking(struct parser *ps, struct span v)
{
	int c = choose(ps, v, "dirty_tracking", "auto", "write-protect");

	if (c < 0)
		return -1;
	ps->part->dirty_tracking = c ? CFG_DIRTY_WRITE_PROTECT : CFG_DIRTY_AUTO;
	return 0;
}

static int set_platform(struct parser *ps, struct span v)
{
	int c = choose(ps, v, "platform", "pc", "none");

	if (c < 0)
		return -1;
	ps->part->platform = c ? CFG_PLATFORM_NONE : CFG_PLATFORM_PC;
	ps->part->platform_line = ps->line;
	return 0;
}

/* ---- [management] ------------------------------------------------------ */

/* Exactly CFG_KEY_HEX hex digits into out; out untouched on failure.
 * Returns 0, -1 on a wrong length, or the 1-based position of the first
 * character that is not a hex digit. Never quotes the text: it is a
 * secret, and errors are printed on consoles. */
static int parse_hex_key(struct span s, uint8_t out[CFG_KEY_BYTES])
{
	uint8_t key[CFG_KEY_BYTES];

	if (s.n != CFG_KEY_HEX)
		return -1;
	for (size_t i = 0; i < CFG_KEY_HEX; i++) {
		int d = digit_value(s.p[i]);
		if (d > 15)
			return (int)i + 1;
		if (i % 2 == 0)
			key[i / 2] = (uint8_t)(d << 4);
		else
			key[i / 2] |= (uint8_t)d;
	}
	memcpy(out, key, CFG_KEY_BYTES);
	return 0;
}

int cfg_parse_key(const char *text, size_t len, uint8_t out[CFG_KEY_BYTES])
{
	struct span s = mkspan(text, len);

	if (s.n && s.p[s.n - 1] == '\n') {
		s.n--;
		if (s.n && s.p[s.n - 1] == '\r')
			s.n--;
	}
	return parse_hex_key(s, out) ? -1 : 0;
}

static int set_mgmt_key(struct parser *ps, struct span v)
{
	struct cfg_management *m = &ps->cfg->mgmt;
	int r;

	if (m->key_file[0])
		return fail(ps,
			    "key and key_file cannot both be given (key_file "
			    "on line %u)",
			    m->key_line);
	r = parse_hex_key(v, m->key);
	if (r == -1)
		return fail(ps,
			    "key must be %d hex digits (%d bytes), got %zu "
			    "characters",
			    CFG_KEY_HEX, CFG_KEY_BYTES, v.n);
	if (r)
		return fail(ps,
			    "key must be %d hex digits (%d bytes): character "
			    "%d is not a hex digit",
			    CFG_KEY_HEX, CFG_KEY_BYTES, r);
	m->has_key = true;
	m->key_line = ps->line;
	return 0;
}

static int set_mgmt_key_file(struct parser *ps, struct span v)
{
	struct cfg_management *m = &ps->cfg->mgmt;

	if (m->has_key)
		return fail(ps,
			    "key and key_file cannot both be given (key on "
			    "line %u)",
			    m->key_line);
	return copy_path(ps, v, "key_file", m->key_file, &m->key_line);
}

static int set_mgmt_port(struct parser *ps, struct span v)
{
	struct cfg_management *m = &ps->cfg->mgmt;
	int c = choose(ps, v, "management port", "com2", "none");

	if (c < 0)
		return -1;
	m->port = c ? CFG_MGMT_PORT_NONE : CFG_MGMT_PORT_COM2;
	m->port_line = ps->line;
	return 0;
}

/* The management channel's claims, checked once the file is read (the
 * sections may come in any order): `port = com2` takes COM2 from the
 * hypervisor console and from every partition's ports, and a manager
 * partition needs the channel's key. */
static int check_management(struct parser *ps)
{
	struct bh_config *cfg = ps->cfg;
	struct cfg_management *m = &cfg->mgmt;

	for (unsigned i = 0; i < cfg->nparts; i++)
		if (cfg->parts[i].manage && !m->enabled)
			return fail_at(ps, cfg->parts[i].manage_line,
				       "partition '%s' has manage = yes but "
				       "there is no [management] section "
				       "(the channel needs its key)",
				       cfg->parts[i].name);
	if (m->port != CFG_MGMT_PORT_COM2)
		return 0;
	if (cfg->console == CFG_CONSOLE_COM2)
		return fail_at(ps, m->port_line,
			       "management port com2 is the hypervisor "
			       "console (console = com2 on line %u); one "
			       "UART cannot be both",
			       ps->console_line);
	for (unsigned i = 0; i < cfg->nparts; i++)
		for (unsigned j = 0; j < cfg->parts[i].nports; j++)
			if (ranges_meet(mgmt_uart, cfg->parts[i].ports[j]))
				return fail_at(ps, cfg->parts[i].ports_line,
					       "ports 0x%X-0x%X are the "
					       "management UART (port = com2 "
					       "on line %u)",
					       mgmt_uart.first, mgmt_uart.last,
					       m->port_line);
	return 0;
}

/* A key is looked up by name *and* section, so one name may exist in two
 * sections with different meanings (`console`); key_line[] is indexed by
 * key_id, so each such pair has two ids. */
static const struct key_def keys[KEY_COUNT] = {
    [KEY_CONSOLE] = {"console", SEC_HYPERVISOR, false, false, set_console},
    [KEY_VIEW] = {"view", SEC_HYPERVISOR, false, false, set_view},
    [KEY_CPUS] = {"cpus", SEC_PARTITION, false, false, set_cpus},
    [KEY_MEMORY] = {"memory", SEC_PARTITION, false, false, set_memory},
    [KEY_KERNEL] = {"kernel", SEC_PARTITION, false, false, set_kernel},
    [KEY_CMDLINE] = {"cmdline", SEC_PARTITION, false, true, set_cmdline},
    [KEY_MODULE] = {"module", SEC_PARTITION, true, false, set_module},
    [KEY_ENTRY] = {"entry", SEC_PARTITION, false, false, set_entry},
    [KEY_EXIT_PORT] = {"exit_port", SEC_PARTITION, false, false, set_exit_port},
    [KEY_INITRD] = {"initrd", SEC_PARTITION, false, false, set_initrd},
    [KEY_ON_FAULT] = {"on_fault", SEC_PARTITION, false, false, set_on_fault},
    [KEY_PORTS] = {"ports", SEC_PARTITION, false, false, set_ports},
    [KEY_MANAGE] = {"manage", SEC_PARTITION, false, false, set_manage},
    [KEY_PART_CONSOLE] = {"console", SEC_PARTITION, false, false,
			  set_part_console},
    [KEY_SNAPSHOT] = {"snapshot", SEC_PARTITION, false, false, set_snapshot},
    [KEY_DIRTY_TRACKING] = {"dirty_tracking", SEC_PARTITION, false, false,
			    set_dirty_tracking},
    [KEY_PLATFORM] = {"platform", SEC_PARTITION, false, false, set_platform},
    [KEY_MGMT_KEY] = {"key", SEC_MANAGEMENT, false, false, set_mgmt_key},
    [KEY_MGMT_KEY_FILE] = {"key_file", SEC_MANAGEMENT, false, false,
			   set_mgmt_key_file},
    [KEY_MGMT_PORT] = {"port", SEC_MANAGEMENT, false, false, set_mgmt_port},
};

/* ---- sections --------------------------------------------------------- */

static bool valid_name(struct span s)
{
	if (s.n == 0 || s.n >= CFG_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* What the kind of kernel allows: Linux (an initrd says so) needs the PC;
 * a raw real-mode image may lie where its ACPI tables would go. */
static int check_platform(struct parser *ps)
{
	const struct cfg_partition *p = ps->part;

	if (p->platform == CFG_PLATFORM_NONE && p->initrd[0])
		return fail_at(ps, p->platform_line,
			       "platform = none, but a Linux kernel (initrd "
			       "on line %u) needs platform = pc",
			       p->initrd_line);
	if (p->platform == CFG_PLATFORM_PC && p->has_entry)
		return fail_at(ps, p->platform_line,
			       "platform = pc is for Multiboot and Linux "
			       "kernels; a raw image (entry on line %u) gets "
			       "none",
			       p->entry_line);
	return 0;
}

/* Whole-section checks when a section ends (next header or EOF). */
static int close_section(struct parser *ps)
{
	static const enum key_id required[] = {KEY_CPUS, KEY_MEMORY,
					       KEY_KERNEL};

	if (ps->sec == SEC_MANAGEMENT && !ps->cfg->mgmt.has_key &&
	    !ps->cfg->mgmt.key_file[0])
		return fail_at(ps, ps->cfg->mgmt.line,
			       "[management] needs key or key_file");
	if (ps->sec != SEC_PARTITION)
		return 0;
	for (size_t i = 0; i < BH_ARRAY_SIZE(required); i++)
		if (!ps->key_line[required[i]])
			return fail_at(ps, ps->part->line,
				       "[partition %s] is missing the required "
				       "key '%s'",
				       ps->part->name, keys[required[i]].name);
	if (ps->key_line[KEY_DIRTY_TRACKING] &&
	    ps->part->snapshot == CFG_SNAPSHOT_NO)
		return fail_at(ps, ps->key_line[KEY_DIRTY_TRACKING],
			       "dirty_tracking applies only to a partition "
			       "with snapshot = yes or self");
	return check_platform(ps);
}

static int open_partition(struct parser *ps, struct span name)
{
	struct bh_config *cfg = ps->cfg;

	if (name.n == 0)
		return fail(ps, "missing partition name: expected "
				"[partition NAME]");
	if (!valid_name(name))
		return fail(ps,
			    "bad partition name '%.*s' (1-%d characters from "
			    "a-z, 0-9, '_' and '-')",
			    SPAN_ARG(name), CFG_NAME_MAX - 1);
	for (unsigned i = 0; i < cfg->nparts; i++)
		if (span_eq(name, cfg->parts[i].name))
			return fail(ps,
				    "duplicate partition name '%.*s' (first "
				    "defined on line %u)",
				    SPAN_ARG(name), cfg->parts[i].line);
	if (cfg->nparts >= CFG_MAX_PARTS)
		return fail(ps, "too many partitions (max %d)", CFG_MAX_PARTS);

	struct cfg_partition *p = &cfg->parts[cfg->nparts++];
	memcpy(p->name, name.p, name.n);
	p->name[name.n] = '\0';
	p->line = ps->line;
	p->exit_port = CFG_DEFAULT_EXIT_PORT;
	ps->part = p;
	ps->sec = SEC_PARTITION;
	return 0;
}

/* s is trimmed and starts with '['. */
static int parse_section(struct parser *ps, struct span s)
{
	size_t close = span_find(s, ']');

	if (close == s.n)
		return fail(ps, "unterminated section header (missing ']')");
	if (close + 1 != s.n)
		return fail(ps, "unexpected text after section header: '%.*s'",
			    SPAN_ARG(trim(span_tail(s, close + 1))));
	if (close_section(ps))
		return -1;
	memset(ps->key_line, 0, sizeof(ps->key_line));
	ps->sec = SEC_NONE;
	ps->part = NULL;

	struct span inner = trim(mkspan(s.p + 1, close - 1));
	size_t sp = 0;
	while (sp < inner.n && !is_space(inner.p[sp]))
		sp++;
	struct span word = span_head(inner, sp);
	struct span arg = trim(span_tail(inner, sp));

	if (inner.n == 0)
		return fail(ps, "empty section header '[]'");
	if (span_eq(word, "partition"))
		return open_partition(ps, arg);
	/* [hypervisor] and [management] take no name and come at most once. */
	bool hv = span_eq(word, "hypervisor");
	if (hv || span_eq(word, "management")) {
		unsigned *first = hv ? &ps->hv_line : &ps->cfg->mgmt.line;
		if (arg.n)
			return fail(ps,
				    "section [%.*s] takes no name (got '%.*s')",
				    SPAN_ARG(word), SPAN_ARG(arg));
		if (*first)
			return fail(
			    ps, "duplicate section [%.*s] (first on line %u)",
			    SPAN_ARG(word), *first);
		*first = ps->line;
		if (!hv)
			ps->cfg->mgmt.enabled = true;
		ps->sec = hv ? SEC_HYPERVISOR : SEC_MANAGEMENT;
		return 0;
	}
	return fail(ps,
		    "unknown section '[%.*s]' (expected [hypervisor], "
		    "[management] or [partition NAME])",
		    SPAN_ARG(inner));
}

/* s is trimmed, non-empty and not a section header. */
static int parse_assignment(struct parser *ps, struct span s)
{
	char label[CFG_NAME_MAX + 16];
	size_t eq = span_find(s, '=');

	if (eq == s.n)
		return fail(ps, "syntax error: expected 'key = value' or "
				"'[section]'");
	struct span key = trim(span_head(s, eq));
	struct span val = trim(span_tail(s, eq + 1));
	if (key.n == 0)
		return fail(ps, "syntax error: missing key before '='");
	if (ps->sec == SEC_NONE)
		return fail(ps,
			    "key '%.*s' outside of any section (add "
			    "[hypervisor] or [partition NAME] above it)",
			    SPAN_ARG(key));

	section_label(ps, label, sizeof(label));
	size_t id = 0;
	while (id < KEY_COUNT &&
	       (keys[id].sec != ps->sec || !span_eq(key, keys[id].name)))
		id++;
	if (id == KEY_COUNT)
		return fail(ps, "unknown key '%.*s' in %s", SPAN_ARG(key),
			    label);
	const struct key_def *def = &keys[id];
	if (ps->key_line[id] && !def->repeatable)
		return fail(ps,
			    "duplicate key '%s' in %s (first set on line %u)",
			    def->name, label, ps->key_line[id]);
	if (val.n == 0 && !def->empty_ok)
		return fail(ps, "missing value for key '%s' in %s", def->name,
			    label);
	if (def->set(ps, val))
		return -1;
	if (!ps->key_line[id])
		ps->key_line[id] = ps->line;
	return 0;
}

/* ---- lines ------------------------------------------------------------ */

/* Checks a raw line (without its line ending) for forbidden characters. */
static int check_chars(struct parser *ps, struct span raw)
{
	for (size_t i = 0; i < raw.n; i++) {
		unsigned char c = (unsigned char)raw.p[i];
		if (c == 0)
			return fail(ps, "NUL byte in config text (column %zu)",
				    i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return fail(ps,
				    "control character 0x%02X in config text "
				    "(column %zu)",
				    c, i + 1);
	}
	return 0;
}

/* Removes a comment: '#' at the start of the line or after whitespace. */
static struct span strip_comment(struct span s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == '#' && (i == 0 || is_space(s.p[i - 1])))
			return span_head(s, i);
	return s;
}

static int parse_line(struct parser *ps, struct span raw)
{
	if (raw.n > CFG_LINE_MAX)
		return fail(ps, "line too long (%zu characters, max %d)", raw.n,
			    CFG_LINE_MAX);
	if (check_chars(ps, raw))
		return -1;

	struct span s = strip_comment(raw);
	for (size_t i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] >= 0x80)
			return fail(ps,
				    "non-ASCII byte 0x%02X (column %zu); only "
				    "comments may contain non-ASCII text",
				    (unsigned char)s.p[i], i + 1);
	s = trim(s);
	if (s.n == 0)
		return 0;
	if (s.p[0] == '[')
		return parse_section(ps, s);
	return parse_assignment(ps, s);
}

int cfg_parse(const char *text, size_t len, struct bh_config *out,
	      struct cfg_error *err)
{
	struct parser ps;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	memset(&ps, 0, sizeof(ps));
	out->console = CFG_CONSOLE_COM1;
	ps.cfg = out;
	ps.err = err;

	while (pos < len) {
		struct span rest = mkspan(text + pos, len - pos);
		size_t eol = span_find(rest, '\n');
		struct span raw = span_head(rest, eol);

		pos += eol < rest.n ? eol + 1 : eol;
		if (raw.n && raw.p[raw.n - 1] == '\r')
			raw.n--; /* CRLF line ending */
		if (ps.line == 0xFFFFFFFFu)
			return fail(&ps, "too many lines");
		ps.line++;
		if (parse_line(&ps, raw))
			return -1;
	}
	if (close_section(&ps))
		return -1;
	if (out->nparts == 0)
		return fail_at(&ps, 0,
			       "no partitions defined (add a [partition NAME] "
			       "section)");
	if (check_console_ports(&ps))
		return -1;
	return check_management(&ps);
}

int cfg_check_machine(const struct bh_config *cfg, unsigned ncpus,
		      uint64_t avail, struct cfg_error *err)
{
	uint64_t usable = ncpus >= 64 ? ~0ull : (1ull << ncpus) - 1;
	uint64_t total = 0;
	char need[24], have[24];
	struct parser ps = {.err = err}; /* for fail_at alone */

	memset(err, 0, sizeof(*err));
	for (unsigned i = 0; i < cfg->nparts; i++) {
		const struct cfg_partition *p = &cfg->parts[i];
		uint64_t bad = p->cpu_mask & ~usable;
		if (bad)
			return fail_at(&ps, p->cpus_line,
				       "partition '%s' uses CPU %u but the "
				       "machine has only %u CPUs",
				       p->name, lowest_bit(bad), ncpus);
	}
	for (unsigned i = 0; i < cfg->nparts; i++) {
		const struct cfg_partition *p = &cfg->parts[i];
		/* <= 8 * 2 * 64G: cannot overflow */
		total += cfg_memory_need(p);
		if (total > avail) {
			cfg_format_size(total, need, sizeof(need));
			cfg_format_size(avail, have, sizeof(have));
			return fail_at(&ps, p->memory_line,
				       "partitions need %s of memory (up to "
				       "partition '%s'%s) but only %s is "
				       "available",
				       need, p->name,
				       p->snapshot ? " and its snapshot" : "",
				       have);
		}
	}
	return 0;
}
