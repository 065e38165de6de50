/* Bulkhead configuration model and parser (bulkhead.conf).
 * Pure logic: compiled into bulkhead.efi and into the host tool
 * `bulkhead-ctl check`, and unit-tested on the host. */
#ifndef BH_CONFIG_H
#define BH_CONFIG_H

#include "hv/lib/lib.h"

#define CFG_MAX_PARTS	      8
#define CFG_MAX_CPUS	      64 /* physical CPU indices 0..63 */
#define CFG_MAX_MODULES	      4
#define CFG_NAME_MAX	      16 /* including NUL */
#define CFG_PATH_MAX	      128
#define CFG_CMDLINE_MAX	      256
#define CFG_MIN_MEMORY	      BH_MIB(2)
#define CFG_MAX_MEMORY	      BH_GIB(64)
#define CFG_DEFAULT_EXIT_PORT 0xF4
#define CFG_MAX_PORT_RANGES   8
#define CFG_LINE_MAX	      512     /* characters per line, without EOL */
#define CFG_ENTRY_LIMIT	      0xA0000 /* entry must be below this */
#define CFG_KEY_BYTES	      32      /* management HMAC-SHA256 key */
#define CFG_KEY_HEX	      (2 * CFG_KEY_BYTES)
#define CFG_MGMT_UART	      0x2F8 /* COM2: 8 ports, management transport */

enum cfg_console { CFG_CONSOLE_COM1 = 1, CFG_CONSOLE_COM2 = 2 };
/* What happens when a guest faults fatally (triple fault, failed entry). */
enum cfg_on_fault { CFG_FAULT_STOP = 0, CFG_FAULT_RESET = 1 };
/* Physical UART the hypervisor owns for the management channel. */
enum cfg_mgmt_port { CFG_MGMT_PORT_NONE = 0, CFG_MGMT_PORT_COM2 = 2 };
/* Who may snapshot and restore a partition (docs/config.md). It is a config
 * key, not a runtime request, because anything but `no` costs memory: the
 * hypervisor reserves one snapshot, the partition's RAM size, at boot
 * (docs/snapshots.md). */
/* The virtual PC a partition gets (docs/config.md): its local APIC always;
 * with "pc" also the 8259 pair, I/O APIC, 8254, RTC/CMOS, ACPI tables and
 * PM timer, PCI configuration ports (no devices), and the rest of the
 * 3-4 GiB MMIO hole failing soft. Default: pc for Linux and Multiboot
 * kernels, none for raw real-mode images; Linux needs pc. */
enum cfg_platform {
	CFG_PLATFORM_DEFAULT = 0,
	CFG_PLATFORM_PC = 1,
	CFG_PLATFORM_NONE = 2, /* strict: anything outside RAM stops it */
};

enum cfg_snapshot {
	CFG_SNAPSHOT_NO = 0,   /* nobody (default) */
	CFG_SNAPSHOT_YES = 1,  /* the operator, over the management channel */
	CFG_SNAPSHOT_SELF = 2, /* also the guest, by hypercall */
};

/* How a snapshot partition's writes are tracked (docs/config.md): as the
 * CPU allows (its dirty log, else write protection), or always by write
 * protection (to use or test the fallback on a CPU that has a log). */
enum cfg_dirty_tracking {
	CFG_DIRTY_AUTO = 0,
	CFG_DIRTY_WRITE_PROTECT = 1,
};

struct cfg_partition {
	char name[CFG_NAME_MAX];
	unsigned line;	   /* line of the [partition NAME] header */
	uint64_t cpu_mask; /* bit i = physical CPU index i, dedicated */
	uint64_t memory;   /* bytes, multiple of 2 MiB */
	char kernel[CFG_PATH_MAX];
	unsigned kernel_line;
	char cmdline[CFG_CMDLINE_MAX];
	char modules[CFG_MAX_MODULES][CFG_PATH_MAX];
	unsigned module_lines[CFG_MAX_MODULES];
	unsigned nmodules;
	bool has_entry;	    /* raw real-mode image: load and start address */
	uint32_t entry;	    /* linear address < 1 MiB, start CS:IP = entry>>4 :
			       entry&15 */
	uint16_t exit_port; /* debug-exit port, 0 = none */
	unsigned cpus_line; /* line of the cpus key */
	unsigned memory_line; /* line of the memory key */
	unsigned entry_line;  /* line of the entry key, 0 if none */
	/* Physical I/O ports given to the partition (passthrough). */
	struct cfg_port_range {
		uint16_t first, last;
	} ports[CFG_MAX_PORT_RANGES];
	unsigned nports;
	unsigned ports_line;
	char initrd[CFG_PATH_MAX]; /* Linux initial ramdisk, "" if none */
	unsigned initrd_line;
	enum cfg_on_fault on_fault;
	bool manage;	      /* the manager: a second vUART at 0x2F8 */
	unsigned manage_line; /* line of manage = yes, 0 if not the manager */
	bool console_raw;     /* console = raw (default tagged) */
	enum cfg_snapshot snapshot;
	unsigned snapshot_line; /* line of snapshot = yes|self, 0 if no */
	enum cfg_dirty_tracking dirty_tracking;
	enum cfg_platform platform;
	unsigned platform_line; /* line of the platform key, 0 if none */
};

/* The [management] section (docs/management.md). */
struct cfg_management {
	bool enabled;  /* the section is present */
	unsigned line; /* line of the [management] header, 0 if none */
	bool has_key;  /* key = given: key[] holds it */
	uint8_t key[CFG_KEY_BYTES];
	char key_file[CFG_PATH_MAX]; /* key_file = PATH, "" if none */
	unsigned key_line;	     /* line of key or key_file */
	enum cfg_mgmt_port port;
	unsigned port_line; /* line of the port key, 0 if none */
};

struct bh_config {
	enum cfg_console console;
	bool view_focus; /* view = focus: only the input partition is shown */
	unsigned nparts;
	struct cfg_partition parts[CFG_MAX_PARTS];
	struct cfg_management mgmt;
};

struct cfg_error {
	unsigned line; /* 0 when the error is not about one line */
	char msg[160];
};

/* Parses `len` bytes of config text. Returns 0 on success, -1 on the first
 * error (err filled in; *out is then unspecified). The text need not be
 * NUL-terminated. Validates the config as a whole (see cfg_check). */
int cfg_parse(const char *text, size_t len, struct bh_config *out,
	      struct cfg_error *err);

/* Memory a partition takes at boot: its RAM, twice with a snapshot. */
static inline uint64_t cfg_memory_need(const struct cfg_partition *p)
{
	return p->snapshot != CFG_SNAPSHOT_NO ? 2 * p->memory : p->memory;
}

/* Machine-dependent checks: every partition's CPUs < ncpus, the sum of
 * memory fits in avail bytes. Returns 0 or -1 with err. */
int cfg_check_machine(const struct bh_config *cfg, unsigned ncpus,
		      uint64_t avail, struct cfg_error *err);

/* The partition `p` owns physical port `port` (a `ports =` range). */
bool cfg_owns_port(const struct cfg_partition *p, uint16_t port);

/* Parses a management key file's contents: exactly 64 hex digits
 * (case-insensitive), optionally followed by "\n" or "\r\n", nothing else.
 * Returns 0 with the 32 bytes in out, or -1 (out untouched). */
int cfg_parse_key(const char *text, size_t len, uint8_t out[CFG_KEY_BYTES]);

/* Count of CPUs in a mask. */
unsigned cfg_cpu_count(uint64_t mask);

/* Parses a size: decimal or 0x-hex bytes with an optional K, M or G suffix
 * (case-insensitive, powers of 1024). Returns 0, -1 on a syntax error or
 * -2 on overflow. */
int cfg_parse_size(const char *s, size_t len, uint64_t *out);

/* Formats a CPU mask in config syntax ("0,2-4"; "none" when empty) and a
 * byte count with the largest exact suffix ("16M", "1G", "3K", "100").
 * snprintf conventions: always terminated, return the wanted length. */
int cfg_format_cpus(uint64_t mask, char *buf, size_t n);
int cfg_format_size(uint64_t bytes, char *buf, size_t n);

#endif
