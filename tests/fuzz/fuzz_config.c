/* libFuzzer harness: bulkhead.conf parser (hv/config.c).
 *
 * The input is config text, parsed as is (not NUL-terminated: ASan catches
 * any read past the end). Properties checked besides "no crash":
 * - on error: a terminated, non-empty message and a line number inside the
 *   input;
 * - on success: the config is well formed (1..8 partitions, each with CPUs,
 *   memory and kernel; names valid and distinct; CPU masks disjoint; sizes
 *   and addresses in range; every string terminated);
 * - cfg_check_machine agrees with a model for a few machine shapes;
 * - formatting the config back to text and parsing it again gives the same
 *   config (exercises cfg_format_cpus/cfg_format_size too);
 * - cfg_parse_size on the whole input: a parsed size formats and parses
 *   back to the same value;
 * - cfg_parse_key on the whole input agrees with a model (64 hex digits,
 *   then nothing, "\n" or "\r\n") and leaves its output alone on failure;
 * - the management settings obey their rules: [management] has exactly one
 *   of key and key_file, COM2 taken by `port = com2` is neither the
 *   hypervisor console nor in any partition's ports, at most one manager,
 *   which owns no port of its management UART and needs [management];
 * - a partition's snapshot mode is no, yes or self, with its line set
 *   exactly when it is not no. */
#include "hv/load/config.h"
#include "tests/fuzz/fuzz_util.h"

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned n = 1;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			n++;
	return n;
}

static bool valid_name(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

static void check_error(const struct cfg_error *err, unsigned lines)
{
	CHECK(terminated(err->msg, sizeof(err->msg)));
	CHECK(err->msg[0] != '\0');
	CHECK(err->line <= lines);
}

static void check_partition(const struct cfg_partition *p, unsigned lines)
{
	CHECK(terminated(p->name, sizeof(p->name)));
	CHECK(valid_name(p->name));
	CHECK(p->line >= 1 && p->line <= lines);
	CHECK(p->cpu_mask != 0);
	CHECK(p->cpus_line > p->line && p->cpus_line <= lines);
	CHECK(p->memory >= CFG_MIN_MEMORY && p->memory <= CFG_MAX_MEMORY);
	CHECK(p->memory % BH_MIB(2) == 0);
	CHECK(p->memory_line > p->line && p->memory_line <= lines);
	CHECK(terminated(p->kernel, sizeof(p->kernel)));
	CHECK(p->kernel[0] != '\0' && p->kernel[0] != '/' &&
	      p->kernel[0] != '\\');
	CHECK(p->kernel_line > p->line && p->kernel_line <= lines);
	CHECK(terminated(p->cmdline, sizeof(p->cmdline)));
	CHECK(p->nmodules <= CFG_MAX_MODULES);
	for (unsigned m = 0; m < p->nmodules; m++) {
		CHECK(terminated(p->modules[m], CFG_PATH_MAX));
		CHECK(p->modules[m][0] != '\0' && p->modules[m][0] != '/' &&
		      p->modules[m][0] != '\\');
		CHECK(p->module_lines[m] > p->line);
		CHECK(m == 0 || p->module_lines[m] > p->module_lines[m - 1]);
	}
	CHECK(terminated(p->initrd, sizeof(p->initrd)));
	if (p->initrd[0]) {
		CHECK(p->initrd[0] != '/' && p->initrd[0] != '\\');
		CHECK(p->initrd_line > p->line && p->initrd_line <= lines);
	} else {
		CHECK(p->initrd_line == 0);
	}
	CHECK(p->on_fault == CFG_FAULT_STOP || p->on_fault == CFG_FAULT_RESET);
	CHECK(p->manage == true || p->manage == false);
	CHECK(p->console_raw == true || p->console_raw == false);
	CHECK(p->snapshot == CFG_SNAPSHOT_NO ||
	      p->snapshot == CFG_SNAPSHOT_YES ||
	      p->snapshot == CFG_SNAPSHOT_SELF);
	if (p->snapshot != CFG_SNAPSHOT_NO)
		CHECK(p->snapshot_line > p->line && p->snapshot_line <= lines);
	else
		CHECK(p->snapshot_line == 0);
	if (p->manage) {
		CHECK(p->manage_line > p->line && p->manage_line <= lines);
		for (unsigned port = CFG_MGMT_UART; port < CFG_MGMT_UART + 8;
		     port++)
			CHECK(!cfg_owns_port(p, (uint16_t)port));
	} else {
		CHECK(p->manage_line == 0);
	}
	CHECK(cfg_cpu_count(p->cpu_mask) ==
	      (unsigned)__builtin_popcountll(p->cpu_mask));
	if (p->has_entry) {
		CHECK(p->entry < CFG_ENTRY_LIMIT);
		CHECK(p->entry_line > p->line && p->entry_line <= lines);
	} else {
		CHECK(p->entry_line == 0);
	}
}

static void check_management(const struct bh_config *cfg, unsigned lines)
{
	const struct cfg_management *m = &cfg->mgmt;
	static const uint8_t zero[CFG_KEY_BYTES];
	unsigned managers = 0;

	CHECK(terminated(m->key_file, sizeof(m->key_file)));
	CHECK(m->port == CFG_MGMT_PORT_NONE || m->port == CFG_MGMT_PORT_COM2);
	for (unsigned i = 0; i < cfg->nparts; i++)
		managers += cfg->parts[i].manage;
	CHECK(managers <= 1);
	if (!m->enabled) {
		CHECK(m->line == 0 && !m->has_key && !m->key_file[0]);
		CHECK(memcmp(m->key, zero, sizeof(zero)) == 0);
		CHECK(m->key_line == 0 && m->port_line == 0);
		CHECK(m->port == CFG_MGMT_PORT_NONE);
		CHECK(managers == 0);
		return;
	}
	CHECK(m->line >= 1 && m->line <= lines);
	CHECK(m->has_key != (m->key_file[0] != '\0'));
	if (!m->has_key)
		CHECK(memcmp(m->key, zero, sizeof(zero)) == 0);
	if (m->key_file[0])
		CHECK(m->key_file[0] != '/' && m->key_file[0] != '\\');
	CHECK(m->key_line > m->line && m->key_line <= lines);
	CHECK(m->port_line == 0 ||
	      (m->port_line > m->line && m->port_line <= lines));
	if (m->port == CFG_MGMT_PORT_COM2) {
		CHECK(m->port_line != 0);
		CHECK(cfg->console != CFG_CONSOLE_COM2);
		for (unsigned i = 0; i < cfg->nparts; i++)
			for (unsigned port = CFG_MGMT_UART;
			     port < CFG_MGMT_UART + 8; port++)
				CHECK(!cfg_owns_port(&cfg->parts[i],
						     (uint16_t)port));
	}
}

static void check_config(const struct bh_config *cfg, unsigned lines)
{
	CHECK(cfg->console == CFG_CONSOLE_COM1 ||
	      cfg->console == CFG_CONSOLE_COM2);
	CHECK(cfg->nparts >= 1 && cfg->nparts <= CFG_MAX_PARTS);
	for (unsigned i = 0; i < cfg->nparts; i++) {
		const struct cfg_partition *p = &cfg->parts[i];

		check_partition(p, lines);
		CHECK(i == 0 || p->line > cfg->parts[i - 1].line);
		for (unsigned j = 0; j < i; j++) {
			CHECK((cfg->parts[j].cpu_mask & p->cpu_mask) == 0);
			CHECK(strcmp(cfg->parts[j].name, p->name) != 0);
		}
	}
	check_management(cfg, lines);
}

/* Model of cfg_check_machine: 0 if every CPU index < ncpus and the
 * running sum of memory never exceeds avail. */
static int model_machine(const struct bh_config *cfg, unsigned ncpus,
			 uint64_t avail)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < cfg->nparts; i++)
		for (unsigned c = 0; c < 64; c++)
			if ((cfg->parts[i].cpu_mask >> c & 1) && c >= ncpus)
				return -1;
	for (unsigned i = 0; i < cfg->nparts; i++) {
		total += cfg->parts[i].memory *
			 (cfg->parts[i].snapshot == CFG_SNAPSHOT_NO ? 1 : 2);
		if (total > avail)
			return -1;
	}
	return 0;
}

static void check_machine(const struct bh_config *cfg, unsigned lines)
{
	uint64_t all = 0, total = 0;
	unsigned top = 0;
	struct cfg_error err;

	for (unsigned i = 0; i < cfg->nparts; i++) {
		all |= cfg->parts[i].cpu_mask;
		total += cfg_memory_need(&cfg->parts[i]);
	}
	for (unsigned c = 0; c < 64; c++)
		if (all >> c & 1)
			top = c + 1;

	const unsigned cpus[] = {0, 1, top - 1, top, 64, 1000};
	const uint64_t mem[] = {0, total - 1, total, UINT64_MAX};
	for (size_t i = 0; i < BH_ARRAY_SIZE(cpus); i++) {
		for (size_t j = 0; j < BH_ARRAY_SIZE(mem); j++) {
			int r = cfg_check_machine(cfg, cpus[i], mem[j], &err);

			CHECK(r == model_machine(cfg, cpus[i], mem[j]));
			if (r)
				check_error(&err, lines);
		}
	}
	CHECK(cfg_check_machine(cfg, top, total, &err) == 0);
}

/* Appends to buf; aborts if the text does not fit (it always should). */
static void put(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, cap - *pos, fmt, ap);
	va_end(ap);
	CHECK(n >= 0 && (size_t)n < cap - *pos);
	*pos += (size_t)n;
}

/* Writes cfg back as config text; returns its length. No space around
 * '=': a value may start with '#', which after a space would begin a
 * comment. */
static size_t format_config(const struct bh_config *cfg, char *buf, size_t cap)
{
	size_t pos = 0;
	char cpus[256], size[32];

	put(buf, cap, &pos, "[hypervisor]\nconsole=com%d\nview=%s\n",
	    cfg->console == CFG_CONSOLE_COM2 ? 2 : 1,
	    cfg->view_focus ? "focus" : "all");
	if (cfg->mgmt.enabled) {
		put(buf, cap, &pos, "[management]\nport=%s\n",
		    cfg->mgmt.port == CFG_MGMT_PORT_COM2 ? "com2" : "none");
		if (cfg->mgmt.has_key) {
			put(buf, cap, &pos, "key=");
			for (unsigned i = 0; i < CFG_KEY_BYTES; i++)
				put(buf, cap, &pos, i % 2 ? "%02X" : "%02x",
				    cfg->mgmt.key[i]);
			put(buf, cap, &pos, "\n");
		} else {
			put(buf, cap, &pos, "key_file=%s\n",
			    cfg->mgmt.key_file);
		}
	}
	for (unsigned i = 0; i < cfg->nparts; i++) {
		const struct cfg_partition *p = &cfg->parts[i];
		int n = cfg_format_cpus(p->cpu_mask, cpus, sizeof(cpus));

		CHECK(n > 0 && (size_t)n < sizeof(cpus));
		CHECK(strlen(cpus) == (size_t)n);
		n = cfg_format_size(p->memory, size, sizeof(size));
		CHECK(n > 0 && (size_t)n < sizeof(size));
		CHECK(strlen(size) == (size_t)n);
		put(buf, cap, &pos,
		    "[partition %s]\ncpus=%s\nmemory=%s\nkernel=%s\n"
		    "cmdline=%s\n",
		    p->name, cpus, size, p->kernel, p->cmdline);
		for (unsigned m = 0; m < p->nmodules; m++)
			put(buf, cap, &pos, "module=%s\n", p->modules[m]);
		if (p->has_entry)
			put(buf, cap, &pos, "entry=0x%X\n", p->entry);
		if (p->initrd[0])
			put(buf, cap, &pos, "initrd=%s\n", p->initrd);
		put(buf, cap, &pos, "on_fault=%s\n",
		    p->on_fault == CFG_FAULT_RESET ? "reset" : "stop");
		if (p->exit_port)
			put(buf, cap, &pos, "exit_port=%u\n", p->exit_port);
		else
			put(buf, cap, &pos, "exit_port=none\n");
		put(buf, cap, &pos, "manage=%s\nconsole=%s\nsnapshot=%s\n",
		    p->manage ? "yes" : "no", p->console_raw ? "raw" : "tagged",
		    p->snapshot == CFG_SNAPSHOT_SELF  ? "self"
		    : p->snapshot == CFG_SNAPSHOT_YES ? "yes"
						      : "no");
		for (unsigned r = 0; r < p->nports; r++)
			put(buf, cap, &pos, "%s0x%X-0x%X%s",
			    r ? "," : "ports=", p->ports[r].first,
			    p->ports[r].last, r + 1 == p->nports ? "\n" : "");
	}
	return pos;
}

static void check_same(const struct bh_config *a, const struct bh_config *b)
{
	CHECK(a->console == b->console);
	CHECK(a->view_focus == b->view_focus);
	CHECK(a->nparts == b->nparts);
	for (unsigned i = 0; i < a->nparts; i++) {
		const struct cfg_partition *p = &a->parts[i], *q = &b->parts[i];

		CHECK(strcmp(p->name, q->name) == 0);
		CHECK(p->cpu_mask == q->cpu_mask);
		CHECK(p->memory == q->memory);
		CHECK(strcmp(p->kernel, q->kernel) == 0);
		CHECK(strcmp(p->cmdline, q->cmdline) == 0);
		CHECK(p->nmodules == q->nmodules);
		for (unsigned m = 0; m < p->nmodules; m++)
			CHECK(strcmp(p->modules[m], q->modules[m]) == 0);
		CHECK(p->has_entry == q->has_entry);
		CHECK(p->entry == q->entry);
		CHECK(p->exit_port == q->exit_port);
		CHECK(strcmp(p->initrd, q->initrd) == 0);
		CHECK(p->on_fault == q->on_fault);
		CHECK(p->manage == q->manage);
		CHECK(p->console_raw == q->console_raw);
		CHECK(p->snapshot == q->snapshot);
		CHECK(p->nports == q->nports);
		for (unsigned r = 0; r < p->nports; r++)
			CHECK(p->ports[r].first == q->ports[r].first &&
			      p->ports[r].last == q->ports[r].last);
	}
	CHECK(a->mgmt.enabled == b->mgmt.enabled);
	CHECK(a->mgmt.has_key == b->mgmt.has_key);
	CHECK(memcmp(a->mgmt.key, b->mgmt.key, CFG_KEY_BYTES) == 0);
	CHECK(strcmp(a->mgmt.key_file, b->mgmt.key_file) == 0);
	CHECK(a->mgmt.port == b->mgmt.port);
}

static void check_round_trip(const struct bh_config *cfg)
{
	static char text[32768];
	static struct bh_config again;
	struct cfg_error err;
	size_t n = format_config(cfg, text, sizeof(text));

	if (cfg_parse(text, n, &again, &err) != 0) {
		fprintf(stderr, "re-parse failed: line %u: %s\n%.*s", err.line,
			err.msg, (int)n, text);
		abort();
	}
	check_same(cfg, &again);
}

static void check_size(const uint8_t *data, size_t size)
{
	uint64_t v, w;
	char buf[32];
	int r = cfg_parse_size((const char *)data, size, &v);

	CHECK(r == 0 || r == -1 || r == -2);
	if (r != 0)
		return;
	int n = cfg_format_size(v, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n < sizeof(buf));
	CHECK(cfg_parse_size(buf, (size_t)n, &w) == 0);
	CHECK(w == v);
}

/* Model of cfg_parse_key: 64 hex digits, then "", "\n" or "\r\n". */
static void check_key(const uint8_t *data, size_t size)
{
	uint8_t out[CFG_KEY_BYTES], want[CFG_KEY_BYTES];
	size_t n = size;
	bool ok;

	if (n >= 1 && data[n - 1] == '\n')
		n -= n >= 2 && data[n - 2] == '\r' ? 2 : 1;
	ok = n == CFG_KEY_HEX;
	for (size_t i = 0; ok && i < n; i++) {
		int c = data[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else {
			ok = false;
			break;
		}
		if (i % 2 == 0)
			want[i / 2] = (uint8_t)(d << 4);
		else
			want[i / 2] |= (uint8_t)d;
	}
	memset(out, 0xA5, sizeof(out));
	int r = cfg_parse_key((const char *)data, size, out);
	CHECK(r == (ok ? 0 : -1));
	if (ok) {
		CHECK(memcmp(out, want, sizeof(out)) == 0);
	} else {
		for (size_t i = 0; i < sizeof(out); i++)
			CHECK(out[i] == 0xA5);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bh_config cfg;
	struct cfg_error err;
	unsigned lines = count_lines(data, size);

	if (size <= 64)
		check_size(data, size);
	if (size <= 2 * CFG_KEY_HEX)
		check_key(data, size);
	if (cfg_parse((const char *)data, size, &cfg, &err) != 0) {
		check_error(&err, lines);
		return 0;
	}
	check_config(&cfg, lines);
	check_machine(&cfg, lines);
	check_round_trip(&cfg);
	return 0;
}
