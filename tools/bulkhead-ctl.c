/* bulkhead-ctl: host-side companion tool for Bulkhead.
 *
 *   bulkhead-ctl check [--cpus N] [--memory SIZE] FILE
 *   bulkhead-ctl [--connect HOST:PORT | --device TTY] [--key-file FILE]
 *                list | log | stats NAME | pause | resume | stop | start |
 *                reset NAME | console NAME
 *
 * Subcommands live in the `commands` table below; each gets the arguments
 * after its name (with any options given before the name in front) and
 * returns the process exit status (EXIT_* in tools/ctl.h). The management
 * commands talk to the hypervisor over its management channel
 * (docs/management.md): tools/ctl_cmds.c. */
#include "hv/load/config.h"
#include "tools/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_LEN (1u << 20) /* refuse absurdly large config files */

struct command {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(const char *prog, const char *name, int argc, char **argv);
};

static int cmd_check(const char *prog, const char *name, int argc, char **argv);

static const struct command commands[] = {
    {"check", "[--cpus N] [--memory SIZE] FILE",
     "validate a bulkhead.conf and the kernel/module files it names",
     cmd_check},
    /* The management commands: their usage is ctl_mgmt_usage's. */
    {"list", NULL, NULL, ctl_cmd_mgmt},
    {"stats", NULL, NULL, ctl_cmd_mgmt},
    {"pause", NULL, NULL, ctl_cmd_mgmt},
    {"resume", NULL, NULL, ctl_cmd_mgmt},
    {"stop", NULL, NULL, ctl_cmd_mgmt},
    {"start", NULL, NULL, ctl_cmd_mgmt},
    {"reset", NULL, NULL, ctl_cmd_mgmt},
    {"snapshot", NULL, NULL, ctl_cmd_mgmt},
    {"restore", NULL, NULL, ctl_cmd_mgmt},
    {"drop", NULL, NULL, ctl_cmd_mgmt},
    {"log", NULL, NULL, ctl_cmd_mgmt},
    {"console", NULL, NULL, ctl_cmd_mgmt},
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [OPTIONS] COMMAND [ARGS]\n\ncommands:\n", prog);
	for (size_t i = 0; i < BH_ARRAY_SIZE(commands); i++)
		if (commands[i].args)
			fprintf(f, "  %s %s\n      %s\n", commands[i].name,
				commands[i].args, commands[i].summary);
	ctl_mgmt_usage(f, prog);
}

static void command_usage(FILE *f, const char *prog, const struct command *cmd)
{
	fprintf(f, "usage: %s %s %s\n", prog, cmd->name, cmd->args);
}

/* ---- check ------------------------------------------------------------ */

struct check_opts {
	const char *file;
	bool machine;	/* run cfg_check_machine */
	unsigned ncpus; /* --cpus, CFG_MAX_CPUS if not given */
	uint64_t avail; /* --memory, UINT64_MAX if not given */
};

/* Reads a whole file. Returns a malloc'd buffer (caller frees) or NULL with
 * errno set. */
static char *read_whole_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int saved;

	if (!f)
		return NULL;
	buf = malloc(CONFIG_MAX_LEN + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, CONFIG_MAX_LEN + 1, f);
	saved = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (!saved && n > CONFIG_MAX_LEN)
		saved = EFBIG;
	if (saved) {
		free(buf);
		errno = saved;
		return NULL;
	}
	*len = n;
	return buf;
}

/* Checks that a file named in the config can be opened for reading.
 * Returns NULL when it can, else a reason. */
static const char *probe_file(const char *path)
{
	struct stat st;
	/* O_NONBLOCK: do not hang on a FIFO */
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return strerror(errno);
	if (fstat(fd, &st) < 0) {
		const char *why = strerror(errno);
		close(fd);
		return why;
	}
	close(fd);
	if (S_ISDIR(st.st_mode))
		return strerror(EISDIR);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	return NULL;
}

/* Resolves `rel` against the directory of the config file and probes it.
 * Prints an error and returns 1 when the file cannot be opened. */
static int check_path(const char *cfgfile, unsigned line, const char *rel)
{
	const char *slash = strrchr(cfgfile, '/');
	size_t dirlen = slash ? (size_t)(slash - cfgfile) + 1 : 0;
	size_t rellen = strlen(rel);
	char *full = malloc(dirlen + rellen + 1);
	const char *why;

	if (!full) {
		fprintf(stderr, "%s:%u: error: out of memory\n", cfgfile, line);
		return 1;
	}
	memcpy(full, cfgfile, dirlen);
	memcpy(full + dirlen, rel, rellen + 1);
	why = probe_file(full);
	free(full);
	if (!why)
		return 0;
	fprintf(stderr, "%s:%u: error: cannot open '%s': %s\n", cfgfile, line,
		rel, why);
	return 1;
}

/* The [management] key_file must exist and hold 64 hex digits, as the
 * loader will require. Prints an error and returns 1 otherwise. */
static int check_key_file(const char *cfgfile, const struct cfg_management *m)
{
	if (!m->enabled || !m->key_file[0])
		return 0;
	if (check_path(cfgfile, m->key_line, m->key_file))
		return 1;
	const char *slash = strrchr(cfgfile, '/');
	int dirlen = slash ? (int)(slash - cfgfile) + 1 : 0;
	char full[PATH_MAX];
	snprintf(full, sizeof(full), "%.*s%s", dirlen, cfgfile, m->key_file);
	size_t len = 0;
	char *text = read_whole_file(full, &len);
	uint8_t key[CFG_KEY_BYTES];
	int rc = text ? cfg_parse_key(text, len, key) : -1;
	if (text) {
		memset(text, 0, len);
		free(text);
	}
	memset(key, 0, sizeof(key));
	if (!rc)
		return 0;
	fprintf(stderr,
		"%s:%u: error: key_file '%s' does not hold 64 hex digits "
		"(32 bytes)\n",
		cfgfile, m->key_line, m->key_file);
	return 1;
}

static void print_summary(const struct bh_config *cfg)
{
	for (unsigned i = 0; i < cfg->nparts; i++) {
		const struct cfg_partition *p = &cfg->parts[i];
		char cpus[256], mem[24];

		cfg_format_cpus(p->cpu_mask, cpus, sizeof(cpus));
		cfg_format_size(p->memory, mem, sizeof(mem));
		printf("%-15s cpus=%-8s memory=%-6s kernel=%s", p->name, cpus,
		       mem, p->kernel);
		if (p->nmodules)
			printf(" modules=%u", p->nmodules);
		if (p->has_entry)
			printf(" entry=0x%X", (unsigned)p->entry);
		printf("\n");
	}
}

static int run_check(const struct check_opts *o)
{
	struct bh_config *cfg;
	struct cfg_error err;
	size_t len = 0;
	char *text;
	int bad = 0;

	text = read_whole_file(o->file, &len);
	if (!text) {
		fprintf(stderr, "%s: error: cannot read '%s': %s\n",
			"bulkhead-ctl", o->file, strerror(errno));
		return 1;
	}
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		free(text);
		fprintf(stderr, "bulkhead-ctl: error: out of memory\n");
		return 1;
	}
	if (cfg_parse(text, len, cfg, &err)) {
		fprintf(stderr, "%s:%u: error: %s\n", o->file, err.line,
			err.msg);
		bad = 1;
		goto out;
	}
	if (o->machine && cfg_check_machine(cfg, o->ncpus, o->avail, &err)) {
		fprintf(stderr, "%s:%u: error: %s\n", o->file, err.line,
			err.msg);
		bad = 1;
	}
	/* Report every missing file, not just the first */
	bad |= check_key_file(o->file, &cfg->mgmt);
	for (unsigned i = 0; i < cfg->nparts; i++) {
		const struct cfg_partition *p = &cfg->parts[i];
		bad |= check_path(o->file, p->kernel_line, p->kernel);
		if (p->initrd[0])
			bad |= check_path(o->file, p->initrd_line, p->initrd);
		for (unsigned m = 0; m < p->nmodules; m++)
			bad |= check_path(o->file, p->module_lines[m],
					  p->modules[m]);
	}
	if (!bad)
		print_summary(cfg);
out:
	free(cfg);
	free(text);
	return bad;
}

/* Option value: "--opt VALUE" or "--opt=VALUE". Returns NULL if argv[*i]
 * is not this option; sets *missing when the value is absent. */
static const char *option_value(const char *opt, int argc, char **argv, int *i,
				bool *missing)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];

	if (strncmp(a, opt, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int cmd_check(const char *prog, const char *name, int argc, char **argv)
{
	const struct command *self = &commands[0];

	(void)name;
	struct check_opts o = {.ncpus = CFG_MAX_CPUS, .avail = UINT64_MAX};
	bool opts_done = false;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v;
		bool missing = false;

		if (!opts_done && a[0] == '-' && a[1] != '\0') {
			if (!strcmp(a, "--")) {
				opts_done = true;
			} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
				command_usage(stdout, prog, self);
				return 0;
			} else if ((v = option_value("--cpus", argc, argv, &i,
						     &missing))) {
				char *end;
				errno = 0;
				unsigned long n = strtoul(v, &end, 10);
				if (errno || end == v || *end || v[0] == '-' ||
				    n == 0 || n > 100000) {
					fprintf(stderr,
						"%s: bad --cpus value '%s'\n",
						prog, v);
					return EXIT_USAGE;
				}
				o.ncpus = (unsigned)n;
				o.machine = true;
			} else if ((v = option_value("--memory", argc, argv, &i,
						     &missing))) {
				if (cfg_parse_size(v, strlen(v), &o.avail)) {
					fprintf(stderr,
						"%s: bad --memory value '%s' "
						"(e.g. 512M, 4G)\n",
						prog, v);
					return EXIT_USAGE;
				}
				o.machine = true;
			} else {
				fprintf(stderr, "%s: %s '%s'\n", prog,
					missing ? "missing value for option"
						: "unknown option",
					a);
				command_usage(stderr, prog, self);
				return EXIT_USAGE;
			}
			continue;
		}
		if (o.file) {
			fprintf(stderr, "%s: check takes one FILE\n", prog);
			command_usage(stderr, prog, self);
			return EXIT_USAGE;
		}
		o.file = a;
	}
	if (!o.file) {
		command_usage(stderr, prog, self);
		return EXIT_USAGE;
	}
	return run_check(&o);
}

/* ---- main ------------------------------------------------------------- */

/* Options may come before the command ("bulkhead-ctl --connect H:P
 * list"): the command is the first argument that is neither an option nor
 * the value of one. */
static int find_command(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			return i;
		if (ctl_option_takes_value(argv[i]))
			i++;
	}
	return argc;
}

int main(int argc, char **argv)
{
	const char *prog = CTL_PROG;
	int at = find_command(argc, argv);

	if (argc < 2) {
		usage(stderr, prog);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout, prog);
		return 0;
	}
	if (at == argc) {
		fprintf(stderr, "%s: no command\n", prog);
		usage(stderr, prog);
		return EXIT_USAGE;
	}
	/* The command's arguments: the options before it, then the rest. */
	char *name = argv[at];
	memmove(argv + at, argv + at + 1, sizeof(*argv) * (size_t)(argc - at));
	for (size_t i = 0; i < BH_ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(prog, name, argc - 2, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, name);
	usage(stderr, prog);
	return EXIT_USAGE;
}
