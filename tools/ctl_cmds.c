/* bulkhead-ctl's management commands (docs/management.md, "Requests"):
 * options, the request each command sends, and its reply printed for
 * people (tables, "name value" lines) or, with --json, for scripts. */
#include "tools/ctl.h"
#include "hv/exit_kinds.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 5000
#define KEY_FILE_MAX	   4096 /* a key file is 65 bytes; refuse big ones */

enum { ARG_NONE, ARG_NAME };

struct mgmt_cmd {
	const char *name;
	uint8_t type;
	int arg;
	bool watch; /* --watch allowed */
	int (*print)(const struct ctl_reply *r, bool json, const char *arg);
};

static int print_list(const struct ctl_reply *r, bool json, const char *arg);
static int print_stats(const struct ctl_reply *r, bool json, const char *arg);
static int print_log(const struct ctl_reply *r, bool json, const char *arg);
static int print_done(const struct ctl_reply *r, bool json, const char *arg);

static const struct mgmt_cmd mgmt_cmds[] = {
    {"list", MGMT_T_LIST, ARG_NONE, true, print_list},
    {"stats", MGMT_T_STATS, ARG_NAME, true, print_stats},
    {"pause", MGMT_T_PAUSE, ARG_NAME, false, print_done},
    {"resume", MGMT_T_RESUME, ARG_NAME, false, print_done},
    {"stop", MGMT_T_STOP, ARG_NAME, false, print_done},
    {"start", MGMT_T_START, ARG_NAME, false, print_done},
    {"reset", MGMT_T_RESET, ARG_NAME, false, print_done},
    {"snapshot", MGMT_T_SNAPSHOT, ARG_NAME, false, print_done},
    {"restore", MGMT_T_RESTORE, ARG_NAME, false, print_done},
    {"drop", MGMT_T_DROP, ARG_NAME, false, print_done},
    {"log", MGMT_T_LOG, ARG_NONE, false, print_log},
    {"console", MGMT_T_CONSOLE, ARG_NAME, false, NULL}, /* run_console */
};

struct mgmt_opts {
	const char *connect, *device, *key_file, *name;
	int timeout_ms;
	int watch_ms;  /* 0: once */
	int follow_ms; /* console: -1 until stopped, else --for */
	bool no_follow;
	bool json, verbose;
};

static const char *const value_opts[] = {"--connect", "--device", "--key-file",
					 "--timeout", "--watch",  "--for"};

bool ctl_option_takes_value(const char *opt)
{
	for (size_t i = 0; i < BH_ARRAY_SIZE(value_opts); i++)
		if (!strcmp(opt, value_opts[i]))
			return true;
	return false;
}

void ctl_mgmt_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"  list | log\n"
		"      partitions and their state / the hypervisor's recent "
		"log\n"
		"  stats NAME\n"
		"      a partition's counters (exits per vCPU and kind) and "
		"snapshot\n"
		"  pause | resume | stop | start | reset NAME\n"
		"      change a partition's state\n"
		"  snapshot | restore | drop NAME\n"
		"      take a partition's snapshot, roll it back to it, forget "
		"it\n"
		"  console NAME\n"
		"      a partition's recent console output, then what follows "
		"(until Ctrl-C)\n"
		"\nmanagement options (before or after the command):\n"
		"  --connect HOST:PORT  TCP, e.g. an emulator's serial socket\n"
		"  --device PATH        a serial tty (raw 115200 8N1)\n"
		"  --key-file FILE      the [management] key: 64 hex digits\n"
		"                       (default: $BULKHEAD_KEY_FILE)\n"
		"  --timeout SECONDS    wait per reply (default 5); up to %d "
		"tries\n"
		"  --json               output for scripts\n"
		"  --watch SECONDS      list, stats: refresh until Ctrl-C\n"
		"  --for SECONDS        console: follow that long, then exit\n"
		"  --no-follow          console: print what is kept and exit\n"
		"  -v, --verbose        say what is retried and why\n"
		"  -h, --help           show this help\n"
		"\nexit status:\n"
		"  0 ok   1 refused by the hypervisor (or check: bad config)\n"
		"  2 usage or key file error   3 transport error or timeout\n"
		"  4 authentication failed (wrong key?)\n"
		"\nexample: %s --connect 127.0.0.1:5555 --key-file mgmt.key "
		"list\n",
		CTL_ATTEMPTS, prog);
}

/* ---- output helpers ---------------------------------------------------- */

static const char *state_name(uint8_t s, char buf[16])
{
	static const char *const names[] = {
	    [MGMT_PS_RUNNING] = "running", [MGMT_PS_PAUSED] = "paused",
	    [MGMT_PS_STOPPED] = "stopped", [MGMT_PS_RESETTING] = "resetting",
	    [MGMT_PS_FAILED] = "failed",
	};
	if (s < BH_ARRAY_SIZE(names) && names[s])
		return names[s];
	snprintf(buf, 16, "state%u", s);
	return buf;
}

static const char *kind_name(unsigned k, char buf[16])
{
	static const char *const names[] = {
#define X(kind, name, handler) name,
	    EXIT_KINDS(X)
#undef X
	};
	if (k < BH_ARRAY_SIZE(names))
		return names[k];
	snprintf(buf, 16, "kind%u", k); /* a newer hypervisor's kind */
	return buf;
}

/* "42s", "1m02s", "3h04m05s", "2d03h04m". */
static void format_uptime(uint64_t ms, char *buf, size_t n)
{
	uint64_t s = ms / 1000, m = s / 60, h = m / 60, d = h / 24;

	if (s < 60)
		snprintf(buf, n, "%lus", (unsigned long)s);
	else if (m < 60)
		snprintf(buf, n, "%lum%02lus", (unsigned long)m,
			 (unsigned long)(s % 60));
	else if (h < 24)
		snprintf(buf, n, "%luh%02lum%02lus", (unsigned long)h,
			 (unsigned long)(m % 60), (unsigned long)(s % 60));
	else
		snprintf(buf, n, "%lud%02luh%02lum", (unsigned long)d,
			 (unsigned long)(h % 24), (unsigned long)(m % 60));
}

/* A snapshot's age, coarse: "12s", "3m", "5h", "2d" (whole units). */
static void format_age(uint64_t ms, char *buf, size_t n)
{
	uint64_t s = ms / 1000, m = s / 60, h = m / 60, d = h / 24;

	if (s < 60)
		snprintf(buf, n, "%lus", (unsigned long)s);
	else if (m < 60)
		snprintf(buf, n, "%lum", (unsigned long)m);
	else if (h < 24)
		snprintf(buf, n, "%luh", (unsigned long)h);
	else
		snprintf(buf, n, "%lud", (unsigned long)d);
}

static void json_string(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7F)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int bad_reply(const char *what)
{
	fprintf(stderr, CTL_PROG ": malformed %s reply\n", what);
	return EXIT_LINK;
}

/* ---- list -------------------------------------------------------------- */

struct part_row {
	char name[MGMT_NAME_MAX + 1];
	uint8_t state, vcpus, snapshot;
	uint64_t mask, memory, uptime_ms, snap_age_ms, dirty_pages;
	uint32_t resets, restores;
};

enum {
	COL_NAME,
	COL_STATE,
	COL_CPUS,
	COL_MEMORY,
	COL_RESETS,
	COL_UPTIME,
	COL_SNAPSHOT,
	COL_DIRTY,
	NCOLS
};

static void row_cells(const struct part_row *p, char cells[NCOLS][72])
{
	char sbuf[16];

	snprintf(cells[COL_NAME], 72, "%s", p->name);
	snprintf(cells[COL_STATE], 72, "%s", state_name(p->state, sbuf));
	cfg_format_cpus(p->mask, cells[COL_CPUS], 72);
	cfg_format_size(p->memory, cells[COL_MEMORY], 72);
	snprintf(cells[COL_RESETS], 72, "%u", p->resets);
	if (p->state == MGMT_PS_STOPPED || p->state == MGMT_PS_FAILED)
		snprintf(cells[COL_UPTIME], 72, "-");
	else
		format_uptime(p->uptime_ms, cells[COL_UPTIME], 72);
	if (p->snapshot) {
		format_age(p->snap_age_ms, cells[COL_SNAPSHOT], 72);
		snprintf(cells[COL_DIRTY], 72, "%lu",
			 (unsigned long)p->dirty_pages);
	} else {
		snprintf(cells[COL_SNAPSHOT], 72, "-");
		snprintf(cells[COL_DIRTY], 72, "-");
	}
}

static void print_row(const char *const cells[NCOLS], const int width[NCOLS])
{
	for (int c = 0; c < NCOLS - 1; c++)
		printf("%-*s  ", width[c], cells[c]);
	printf("%s\n", cells[NCOLS - 1]);
}

static int print_list(const struct ctl_reply *r, bool json, const char *arg)
{
	static const char *const heads[NCOLS] = {"NAME",     "STATE",  "CPUS",
						 "MEMORY",   "RESETS", "UPTIME",
						 "SNAPSHOT", "DIRTY"};
	struct part_row rows[256];
	struct mgmt_rd rd;
	unsigned n;
	int width[NCOLS];

	(void)arg;
	mgmt_rd_init(&rd, r->data, r->len);
	n = mgmt_get_u8(&rd);
	for (unsigned i = 0; i < n && !rd.err; i++) {
		struct part_row *p = &rows[i];
		mgmt_get_name(&rd, p->name);
		p->state = mgmt_get_u8(&rd);
		p->vcpus = mgmt_get_u8(&rd);
		p->mask = mgmt_get_u64(&rd);
		p->memory = mgmt_get_u64(&rd);
		p->resets = mgmt_get_u32(&rd);
		p->uptime_ms = mgmt_get_u64(&rd);
		p->snapshot = mgmt_get_u8(&rd);
		p->snap_age_ms = mgmt_get_u64(&rd);
		p->dirty_pages = mgmt_get_u64(&rd);
		p->restores = mgmt_get_u32(&rd);
	}
	if (!mgmt_rd_end(&rd))
		return bad_reply("list");
	if (json) {
		char cpus[256], sbuf[16];
		putchar('[');
		for (unsigned i = 0; i < n; i++) {
			const struct part_row *p = &rows[i];
			cfg_format_cpus(p->mask, cpus, sizeof(cpus));
			printf("%s{\"name\":", i ? "," : "");
			json_string(p->name, strlen(p->name));
			printf(",\"state\":\"%s\",\"vcpus\":%u,\"cpus\":\"%s\","
			       "\"cpu_mask\":%lu,\"memory\":%lu,\"resets\":%u,"
			       "\"uptime_ms\":%lu,\"snapshot\":%s,"
			       "\"snapshot_age_ms\":%lu,\"dirty_pages\":%lu,"
			       "\"restores\":%u}",
			       state_name(p->state, sbuf), p->vcpus, cpus,
			       (unsigned long)p->mask, (unsigned long)p->memory,
			       p->resets, (unsigned long)p->uptime_ms,
			       p->snapshot ? "true" : "false",
			       (unsigned long)p->snap_age_ms,
			       (unsigned long)p->dirty_pages, p->restores);
		}
		printf("]\n");
		return EXIT_OK;
	}
	char cells[NCOLS][72];
	for (int c = 0; c < NCOLS; c++)
		width[c] = (int)strlen(heads[c]);
	for (unsigned i = 0; i < n; i++) {
		row_cells(&rows[i], cells);
		for (int c = 0; c < NCOLS; c++)
			if ((int)strlen(cells[c]) > width[c])
				width[c] = (int)strlen(cells[c]);
	}
	print_row(heads, width);
	for (unsigned i = 0; i < n; i++) {
		const char *cp[NCOLS];
		row_cells(&rows[i], cells);
		for (int c = 0; c < NCOLS; c++)
			cp[c] = cells[c];
		print_row(cp, width);
	}
	return EXIT_OK;
}

/* ---- stats ------------------------------------------------------------- */

/* vCPU v's counter of kind k: kinds little-endian u64 per vCPU. */
static uint64_t counter(const uint8_t *c, unsigned kinds, unsigned v,
			unsigned k)
{
	const uint8_t *p = c + ((size_t)v * kinds + k) * 8;
	return (uint64_t)mgmt_rd32(p) | (uint64_t)mgmt_rd32(p + 4) << 32;
}

/* The snapshot block at the end of a stats reply. */
struct snap_stats {
	uint8_t present, tracking;
	uint64_t age_ms, dirty_pages, last_copied;
	uint32_t restores;
};

static void get_snap_stats(struct mgmt_rd *rd, struct snap_stats *s)
{
	s->present = mgmt_get_u8(rd);
	s->tracking = mgmt_get_u8(rd);
	s->age_ms = mgmt_get_u64(rd);
	s->dirty_pages = mgmt_get_u64(rd);
	s->restores = mgmt_get_u32(rd);
	s->last_copied = mgmt_get_u64(rd);
}

/* The tracking byte: how the hypervisor finds the pages a guest wrote
 * (docs/management.md). */
static const char *tracking_name(uint8_t t, bool json)
{
	static const char *const text[] = {"no (a restore copies all RAM)",
					   "yes (the CPU logs writes)",
					   "yes (write protection)"};
	static const char *const word[] = {"none", "dirty-log",
					   "write-protect"};
	if (t >= BH_ARRAY_SIZE(word))
		return json ? "unknown" : "unknown mode";
	return json ? word[t] : text[t];
}

static void print_snap_stats(const struct snap_stats *s, bool json)
{
	char age[32];

	if (json) {
		printf(",\"snapshot\":%s,\"snapshot_tracking\":\"%s\","
		       "\"snapshot_age_ms\":%lu,\"dirty_pages\":%lu,"
		       "\"restores\":%u,\"last_restore_copied\":%lu",
		       s->present ? "true" : "false",
		       tracking_name(s->tracking, true),
		       (unsigned long)s->age_ms, (unsigned long)s->dirty_pages,
		       s->restores, (unsigned long)s->last_copied);
		return;
	}
	if (!s->present) {
		printf("snapshot no\n");
		return;
	}
	format_uptime(s->age_ms, age, sizeof(age));
	printf("snapshot yes\nsnapshot.tracking %s\nsnapshot.age %s\n"
	       "snapshot.dirty-pages %lu\nsnapshot.restores %u\n"
	       "snapshot.last-restore-copied-pages %lu\n",
	       tracking_name(s->tracking, false), age,
	       (unsigned long)s->dirty_pages, s->restores,
	       (unsigned long)s->last_copied);
}

static int print_stats(const struct ctl_reply *r, bool json, const char *arg)
{
	struct mgmt_rd rd;
	struct snap_stats snap;
	char sbuf[16], kbuf[16], up[32];

	mgmt_rd_init(&rd, r->data, r->len);
	uint8_t state = mgmt_get_u8(&rd);
	uint64_t uptime = mgmt_get_u64(&rd);
	uint64_t io_dropped = mgmt_get_u64(&rd);
	uint64_t mmio_dropped = mgmt_get_u64(&rd);
	uint32_t resets = mgmt_get_u32(&rd);
	unsigned kinds = mgmt_get_u8(&rd);
	unsigned nvcpus = mgmt_get_u8(&rd);
	const uint8_t *counters = rd.p + rd.off;
	uint64_t total[256] = {0};

	mgmt_get_bytes(&rd, NULL, (size_t)nvcpus * kinds * 8);
	get_snap_stats(&rd, &snap);
	if (!mgmt_rd_end(&rd))
		return bad_reply("stats");
	for (unsigned v = 0; v < nvcpus; v++)
		for (unsigned k = 0; k < kinds; k++)
			total[k] += counter(counters, kinds, v, k);
	if (json) {
		printf("{\"name\":");
		json_string(arg, strlen(arg));
		printf(",\"state\":\"%s\",\"uptime_ms\":%lu,\"io_dropped\":%lu,"
		       "\"mmio_dropped\":%lu,\"resets\":%u",
		       state_name(state, sbuf), (unsigned long)uptime,
		       (unsigned long)io_dropped, (unsigned long)mmio_dropped,
		       resets);
		print_snap_stats(&snap, true);
		printf(",\"vcpus\":[");
		for (unsigned v = 0; v <= nvcpus; v++) {
			if (v == nvcpus)
				printf("],\"total\":");
			else if (v)
				putchar(',');
			putchar('{');
			for (unsigned k = 0; k < kinds; k++)
				printf("%s\"%s\":%lu", k ? "," : "",
				       kind_name(k, kbuf),
				       (unsigned long)(v == nvcpus
							   ? total[k]
							   : counter(counters,
								     kinds, v,
								     k)));
			putchar('}');
		}
		printf("}\n");
		return EXIT_OK;
	}
	format_uptime(uptime, up, sizeof(up));
	printf("state %s\nuptime %s\nio-dropped %lu\nmmio-dropped %lu\n"
	       "resets %u\n",
	       state_name(state, sbuf), up, (unsigned long)io_dropped,
	       (unsigned long)mmio_dropped, resets);
	for (unsigned v = 0; v < nvcpus; v++)
		for (unsigned k = 0; k < kinds; k++)
			printf("vcpu%u.%s %lu\n", v, kind_name(k, kbuf),
			       (unsigned long)counter(counters, kinds, v, k));
	for (unsigned k = 0; k < kinds; k++)
		printf("total.%s %lu\n", kind_name(k, kbuf),
		       (unsigned long)total[k]);
	print_snap_stats(&snap, false);
	return EXIT_OK;
}

/* ---- log and the state changes ----------------------------------------- */

static int print_log(const struct ctl_reply *r, bool json, const char *arg)
{
	struct mgmt_rd rd;
	unsigned n;

	(void)arg;
	/* Check the whole reply before printing any of it. */
	mgmt_rd_init(&rd, r->data, r->len);
	n = mgmt_get_u16(&rd);
	for (unsigned i = 0; i < n && !rd.err; i++)
		mgmt_get_bytes(&rd, NULL, mgmt_get_u8(&rd));
	if (!mgmt_rd_end(&rd))
		return bad_reply("log");
	mgmt_rd_init(&rd, r->data, r->len);
	mgmt_get_u16(&rd);
	if (json)
		printf("{\"lines\":[");
	for (unsigned i = 0; i < n; i++) {
		size_t len = mgmt_get_u8(&rd);
		const char *s = (const char *)rd.p + rd.off;
		mgmt_get_bytes(&rd, NULL, len);
		if (json) {
			if (i)
				putchar(',');
			json_string(s, len);
			continue;
		}
		/* Nothing that would drive the terminal. */
		for (size_t j = 0; j < len; j++)
			putchar(s[j] == '\t' || (s[j] >= 0x20 && s[j] < 0x7F)
				    ? s[j]
				    : '?');
		putchar('\n');
	}
	if (json)
		printf("]}\n");
	return EXIT_OK;
}

static int print_done(const struct ctl_reply *r, bool json, const char *arg)
{
	(void)r;
	(void)arg;
	if (json)
		printf("{\"ok\":true}\n");
	return EXIT_OK;
}

/* ---- options and the key ----------------------------------------------- */

/* Seconds (a decimal number, fractions allowed) in [min_ms, max_ms] ms. */
static int parse_seconds(const char *s, int min_ms, int max_ms, int *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);

	if (errno || end == s || *end || !(v * 1000 >= min_ms) ||
	    !(v * 1000 <= max_ms))
		return -1;
	*out = (int)(v * 1000 + 0.5);
	return 0;
}

static int usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see %s --help)\n", prog);
	va_end(ap);
	return EXIT_USAGE;
}

/* --for SECONDS or --no-follow: -1, or an exit status (a usage error). */
static int console_opt(const char *prog, const struct mgmt_cmd *cmd,
		       const char *opt, const char *v, struct mgmt_opts *o)
{
	if (cmd->type != MGMT_T_CONSOLE)
		return usage_error(prog, "%s is for console", opt);
	if (!v)
		o->no_follow = true;
	else if (parse_seconds(v, 0, 86400 * 1000, &o->follow_ms))
		return usage_error(prog, "bad --for '%s' (seconds)", v);
	if (o->no_follow && o->follow_ms >= 0)
		return usage_error(prog, "--for or --no-follow, not both");
	return -1;
}

/* Parses argv (options anywhere, "--" ends them). Returns -1 or an exit
 * status for main to return (--help). */
static int parse_opts(const char *prog, const struct mgmt_cmd *cmd, int argc,
		      char **argv, struct mgmt_opts *o)
{
	bool opts_done = false;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		char opt[32];

		if (opts_done || a[0] != '-' || !a[1]) {
			if (cmd->arg == ARG_NONE || o->name)
				return usage_error(
				    prog, "unexpected argument '%s'", a);
			o->name = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		/* "--opt=VALUE" or "--opt VALUE" */
		size_t ol = eq ? (size_t)(eq - a) : strlen(a);
		snprintf(opt, sizeof(opt), "%.*s", (int)ol, a);
		const char *v = eq ? eq + 1 : NULL;
		if (ctl_option_takes_value(opt)) {
			if (!v && i + 1 >= argc)
				return usage_error(prog, "%s needs a value",
						   opt);
			if (!v)
				v = argv[++i];
		} else if (eq) {
			return usage_error(prog, "%s takes no value", opt);
		}
		if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			printf("usage: %s [OPTIONS] %s%s\n\n", prog, cmd->name,
			       cmd->arg == ARG_NAME ? " NAME" : "");
			ctl_mgmt_usage(stdout, prog);
			return EXIT_OK;
		} else if (!strcmp(opt, "--connect")) {
			o->connect = v;
		} else if (!strcmp(opt, "--device")) {
			o->device = v;
		} else if (!strcmp(opt, "--key-file")) {
			o->key_file = v;
		} else if (!strcmp(opt, "--timeout")) {
			if (parse_seconds(v, 10, 3600 * 1000, &o->timeout_ms))
				return usage_error(prog,
						   "bad --timeout '%s' "
						   "(seconds, e.g. 5 or 0.5)",
						   v);
		} else if (!strcmp(opt, "--watch")) {
			if (!cmd->watch)
				return usage_error(
				    prog, "--watch is for list and stats");
			if (parse_seconds(v, 100, 86400 * 1000, &o->watch_ms))
				return usage_error(
				    prog, "bad --watch '%s' (seconds)", v);
		} else if (!strcmp(opt, "--for") ||
			   !strcmp(opt, "--no-follow")) {
			if (console_opt(prog, cmd, opt, v, o) >= 0)
				return EXIT_USAGE;
		} else if (!strcmp(opt, "--json")) {
			o->json = true;
		} else if (!strcmp(opt, "-v") || !strcmp(opt, "--verbose")) {
			o->verbose = true;
		} else {
			return usage_error(prog, "unknown option '%s'", opt);
		}
	}
	if (cmd->arg == ARG_NAME && !o->name)
		return usage_error(prog, "%s needs a partition NAME",
				   cmd->name);
	if (o->name &&
	    !mgmt_name_valid((const uint8_t *)o->name, strlen(o->name)))
		return usage_error(prog,
				   "bad partition name '%s' (1-15 printable "
				   "characters)",
				   o->name);
	if (!o->connect == !o->device)
		return usage_error(prog, "give one of --connect or --device");
	char host[256], port[8], err[CTL_ERR_LEN];
	if (o->connect && ctl_split_hostport(o->connect, host, sizeof(host),
					     port, sizeof(port), err))
		return usage_error(prog, "%s", err);
	return -1;
}

/* The key from --key-file or $BULKHEAD_KEY_FILE. */
static int load_key(const char *prog, const char *path,
		    uint8_t key[CFG_KEY_BYTES])
{
	char text[KEY_FILE_MAX + 1];
	size_t n;
	FILE *f;

	if (!path || !*path)
		path = getenv("BULKHEAD_KEY_FILE");
	if (!path || !*path) {
		fprintf(stderr,
			"%s: no key: give --key-file FILE or set "
			"BULKHEAD_KEY_FILE\n",
			prog);
		return EXIT_USAGE;
	}
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot read key file '%s': %s\n", prog,
			path, strerror(errno));
		return EXIT_USAGE;
	}
	n = fread(text, 1, sizeof(text), f);
	bool err = ferror(f);
	fclose(f);
	if (err || n > KEY_FILE_MAX || cfg_parse_key(text, n, key)) {
		fprintf(stderr, "%s: key file '%s': %s\n", prog, path,
			err ? "read error"
			    : "want exactly 64 hex digits (and a newline)");
		memset(text, 0, sizeof(text));
		return EXIT_USAGE;
	}
	memset(text, 0, sizeof(text));
	return EXIT_OK;
}

/* ---- running ----------------------------------------------------------- */

static void on_stop(int sig)
{
	(void)sig;
	ctl_interrupted = 1;
}

/* Sleeps ms unless a stop signal comes first. */
static void watch_sleep(int ms)
{
	uint64_t until = ctl_now_ms() + (uint64_t)ms;

	while (!ctl_interrupted && ctl_now_ms() < until) {
		uint64_t left = until - ctl_now_ms();
		struct timespec ts = {.tv_sec = (time_t)(left / 1000),
				      .tv_nsec = (long)(left % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
}

/* Requests that only read: sending one twice does no harm. */
static bool is_query(uint8_t type)
{
	return type == MGMT_T_LIST || type == MGMT_T_STATS ||
	       type == MGMT_T_LOG || type == MGMT_T_CONSOLE;
}

/* Says why a request failed (code, err from ctl_call), on stderr and, with
 * --json, on stdout. */
static void report(const struct ctl_client *c, const struct mgmt_cmd *cmd,
		   const struct mgmt_opts *o, const char *prog,
		   const struct ctl_reply *r, int code, char *err)
{
	char what[64];

	snprintf(what, sizeof(what), "%s%s%s", cmd->name, o->name ? " " : "",
		 o->name ? o->name : "");
	if (code == EXIT_REFUSED || (code == EXIT_AUTH && r->status)) {
		const char *kind =
		    r->status == MGMT_ST_REFUSED       ? "refused"
		    : r->status == MGMT_ST_BAD_REQUEST ? "bad request"
		    : r->status == MGMT_ST_AUTH	       ? "not authenticated"
						       : "";
		snprintf(err, CTL_ERR_LEN, "%s%s%s", kind,
			 *kind && r->msg[0] ? ": " : "", r->msg);
		if (r->status == MGMT_ST_NO_PART && !r->msg[0])
			snprintf(err, CTL_ERR_LEN, "no such partition");
		if (!*kind && !r->msg[0])
			snprintf(err, CTL_ERR_LEN, "status %u", r->status);
	}
	fprintf(stderr, "%s: %s: %s\n", prog, what, err);
	if (code == EXIT_REFUSED && !is_query(cmd->type) && c->attempts > 1)
		fprintf(stderr,
			"%s: (the request was sent %u times: an earlier one "
			"may have taken effect)\n",
			prog, c->attempts);
	if (o->json) {
		printf("{\"ok\":false,\"exit\":%d,\"error\":", code);
		json_string(err, strlen(err));
		printf("}\n");
		fflush(stdout);
	}
}

/* One request; a failure is reported. Returns the exit status. */
static int call(struct ctl_client *c, const struct mgmt_cmd *cmd,
		const struct mgmt_opts *o, const char *prog,
		const struct mgmt_wr *w, struct ctl_reply *r)
{
	char err[CTL_ERR_LEN];
	int code =
	    ctl_call(c, cmd->type, w->p, (size_t)mgmt_wr_done(w), r, err);

	if (code != EXIT_OK && !ctl_interrupted)
		report(c, cmd, o, prog, r, code, err);
	return code;
}

/* One request and its output. Returns the exit status. */
static int run_once(struct ctl_client *c, const struct mgmt_cmd *cmd,
		    const struct mgmt_opts *o, const char *prog)
{
	uint8_t payload[1 + MGMT_NAME_MAX];
	struct mgmt_wr w;
	static struct ctl_reply r;

	mgmt_wr_init(&w, payload, sizeof(payload));
	if (cmd->arg == ARG_NAME)
		mgmt_put_name(&w, o->name);
	int code = call(c, cmd, o, prog, &w, &r);
	if (code == EXIT_OK) {
		code = cmd->print(&r, o->json, o->name);
		fflush(stdout);
	}
	return code;
}

/* run_once, and again every --watch seconds until a stop signal. */
static int run_watch(struct ctl_client *c, const struct mgmt_cmd *cmd,
		     const struct mgmt_opts *o, const char *prog)
{
	bool tty = isatty(STDOUT_FILENO);
	int code;

	for (bool first = true;; first = false) {
		if (o->watch_ms && tty)
			printf("\033[H\033[2J"); /* home, clear */
		else if (o->watch_ms && !first && !o->json)
			putchar('\n');
		code = run_once(c, cmd, o, prog);
		/* --watch goes on after a refusal (a partition may come and
		 * go), not after a lost connection or a wrong key. */
		if (!o->watch_ms || ctl_interrupted ||
		    (code != EXIT_OK && code != EXIT_REFUSED))
			return code;
		watch_sleep(o->watch_ms);
		if (ctl_interrupted)
			return code;
	}
}

/* ---- console ----------------------------------------------------------- */

#define CONSOLE_POLL_MS 500 /* asking again when nothing new came */

/* Where a console read stands. */
struct console_pos {
	uint64_t next; /* the number of the next byte to ask for */
	uint64_t end;  /* the hypervisor's end in the last reply */
	bool started;  /* a reply came */
	bool full;     /* the last reply was a full chunk */
};

struct console_chunk {
	uint64_t first, end;
	unsigned count;
	const uint8_t *bytes;
};

/* A console reply asked from `from`: count bytes of at most a chunk that
 * lie within [from, end). */
static bool parse_console(const struct ctl_reply *r, uint64_t from,
			  struct console_chunk *k)
{
	struct mgmt_rd rd;

	mgmt_rd_init(&rd, r->data, r->len);
	k->first = mgmt_get_u64(&rd);
	k->end = mgmt_get_u64(&rd);
	k->count = mgmt_get_u16(&rd);
	k->bytes = rd.p + rd.off;
	return mgmt_get_bytes(&rd, NULL, k->count) && mgmt_rd_end(&rd) &&
	       k->count <= MGMT_CONSOLE_CHUNK && k->first >= from &&
	       k->first <= k->end && k->count <= k->end - k->first;
}

/* The chunk's bytes, nothing that would drive a terminal: printable ASCII,
 * tab and newline stay, anything else becomes '.'. */
static void print_console(const struct console_chunk *k, bool json)
{
	char text[MGMT_CONSOLE_CHUNK];

	if (!k->count)
		return;
	for (unsigned i = 0; i < k->count; i++) {
		uint8_t b = k->bytes[i];
		bool keep = b == '\t' || b == '\n' || (b >= 0x20 && b < 0x7F);
		text[i] = keep ? (char)b : '.';
	}
	if (json) {
		printf("{\"first\":%lu,\"end\":%lu,\"text\":",
		       (unsigned long)k->first, (unsigned long)k->end);
		json_string(text, k->count);
		printf("}\n");
	} else {
		fwrite(text, 1, k->count, stdout);
	}
	fflush(stdout);
}

/* Asks for the console from pos->next on and prints what comes. */
static int console_step(struct ctl_client *c, const struct mgmt_cmd *cmd,
			const struct mgmt_opts *o, const char *prog,
			struct console_pos *pos)
{
	uint8_t payload[1 + MGMT_NAME_MAX + 8];
	struct mgmt_wr w;
	struct console_chunk k;
	static struct ctl_reply r;

	mgmt_wr_init(&w, payload, sizeof(payload));
	mgmt_put_name(&w, o->name);
	mgmt_put_u64(&w, pos->next);
	int code = call(c, cmd, o, prog, &w, &r);
	if (code != EXIT_OK)
		return code;
	if (!parse_console(&r, pos->next, &k))
		return bad_reply("console");
	if (pos->started && k.first > pos->next)
		fprintf(stderr, "%s: console: %lu byte(s) lost\n", prog,
			(unsigned long)(k.first - pos->next));
	print_console(&k, o->json);
	pos->next = k.first + k.count;
	pos->end = k.end;
	pos->started = true;
	pos->full = k.count == MGMT_CONSOLE_CHUNK;
	return EXIT_OK;
}

/* Sleeps a poll interval, or until the deadline if that comes first. */
static void console_wait(uint64_t until)
{
	uint64_t now = ctl_now_ms();

	if (now < until)
		watch_sleep(until - now < CONSOLE_POLL_MS ? (int)(until - now)
							  : CONSOLE_POLL_MS);
}

/* console: the kept output (up to the end the first reply saw, so a chatty
 * partition cannot make it endless), then unless --no-follow what comes,
 * until a stop signal or the end of --for. */
static int run_console(struct ctl_client *c, const struct mgmt_cmd *cmd,
		       const struct mgmt_opts *o, const char *prog)
{
	struct console_pos pos = {.next = 0};
	uint64_t until = o->follow_ms < 0
			     ? UINT64_MAX
			     : ctl_now_ms() + (uint64_t)o->follow_ms;
	uint64_t stop = UINT64_MAX; /* the first reply's end */

	for (;;) {
		int code = console_step(c, cmd, o, prog, &pos);
		if (code != EXIT_OK || ctl_interrupted)
			return code;
		if (stop == UINT64_MAX)
			stop = pos.end;
		bool more = pos.full || pos.next < pos.end;
		bool kept_done = pos.next >= stop;
		if (kept_done && (o->no_follow || ctl_now_ms() >= until))
			return EXIT_OK;
		if (o->no_follow && !more)
			return EXIT_OK;
		if (!more)
			console_wait(until);
		if (ctl_interrupted)
			return EXIT_OK;
	}
}

int ctl_cmd_mgmt(const char *prog, const char *name, int argc, char **argv)
{
	const struct mgmt_cmd *cmd = NULL;
	struct mgmt_opts o = {.timeout_ms = DEFAULT_TIMEOUT_MS,
			      .follow_ms = -1};
	static struct ctl_client c;
	char err[CTL_ERR_LEN];
	int code;

	for (size_t i = 0; i < BH_ARRAY_SIZE(mgmt_cmds); i++)
		if (!strcmp(name, mgmt_cmds[i].name))
			cmd = &mgmt_cmds[i];
	if (!cmd)
		return EXIT_USAGE;
	code = parse_opts(prog, cmd, argc, argv, &o);
	if (code >= 0)
		return code;
	memset(&c, 0, sizeof(c));
	code = load_key(prog, o.key_file, c.key);
	if (code)
		return code;
	c.timeout_ms = o.timeout_ms;
	c.verbose = o.verbose;
	mgmt_session_init(&c.sess);
	mgmt_rx_init(&c.rx);
	if (o.watch_ms || (cmd->type == MGMT_T_CONSOLE && !o.no_follow)) {
		struct sigaction sa = {.sa_handler = on_stop};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (o.connect ? ctl_link_connect(&c.link, o.connect, o.timeout_ms, err)
		      : ctl_link_device(&c.link, o.device, err)) {
		fprintf(stderr, "%s: %s\n", prog, err);
		memset(c.key, 0, sizeof(c.key));
		return ctl_interrupted ? EXIT_OK : EXIT_LINK;
	}
	code = cmd->type == MGMT_T_CONSOLE ? run_console(&c, cmd, &o, prog)
					   : run_watch(&c, cmd, &o, prog);
	ctl_link_close(&c.link);
	memset(c.key, 0, sizeof(c.key));
	return ctl_interrupted ? EXIT_OK : code;
}
