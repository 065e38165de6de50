/* bulkhead-ctl internals. The tool is four files:
 *   bulkhead-ctl.c  main, the command table, `check`
 *   ctl_cmds.c      the management commands: options, output (human, JSON)
 *   ctl_mgmt.c      one request/reply exchange: hello, retries, checks
 *   ctl_link.c      the transport: a TCP connection or a serial tty
 * The protocol itself (frames, sessions, payload cursors) is hv/proto/,
 * shared with the hypervisor. */
#ifndef BH_CTL_H
#define BH_CTL_H

#include "hv/load/config.h"
#include "hv/proto/frame.h"
#include "hv/proto/payload.h"
#include "hv/proto/session.h"

#include <signal.h>
#include <stdio.h>
#include <termios.h>

/* Exit codes (documented in `bulkhead-ctl --help`). */
#define EXIT_OK	     0 /* done */
#define EXIT_REFUSED 1 /* refused by the hypervisor; check: bad config */
#define EXIT_USAGE   2 /* bad arguments, missing or malformed key file */
#define EXIT_LINK    3 /* transport error, bad reply or no reply in time */
#define EXIT_AUTH    4 /* authentication failed (wrong key?) */

#define CTL_PROG    "bulkhead-ctl"
#define CTL_ERR_LEN 512

/* Set by SIGINT/SIGTERM while --watch or console runs: blocking waits give
 * up. */
extern volatile sig_atomic_t ctl_interrupted;

/* Milliseconds on a monotonic clock. */
uint64_t ctl_now_ms(void);

/* ---- ctl_link.c: the transport ----------------------------------------- */

struct ctl_link {
	int fd;
	bool is_socket;
	bool is_tty;
	struct termios saved; /* the tty's settings before ours (is_tty) */
	char name[128];	      /* for messages: "host:port" or the path */
	uint8_t buf[4096];    /* bytes read but not yet taken */
	size_t pos, len;
};

/* Each returns 0, or -1 with a message in err[CTL_ERR_LEN]. */

/* Splits "HOST:PORT" or "[V6ADDR]:PORT" (a numeric port 1-65535). */
int ctl_split_hostport(const char *s, char *host, size_t hostcap, char *port,
		       size_t portcap, char *err);
/* A TCP connection to "HOST:PORT" ("[v6addr]:PORT" for IPv6), within
 * timeout_ms. */
int ctl_link_connect(struct ctl_link *l, const char *hostport, int timeout_ms,
		     char *err);
/* A serial device, set to raw 115200 8N1 without flow control (the
 * previous settings come back at ctl_link_close); pending input is
 * dropped. */
int ctl_link_device(struct ctl_link *l, const char *path, char *err);
/* Writes all n bytes before the deadline (ctl_now_ms() time). */
int ctl_link_write(struct ctl_link *l, const void *p, size_t n,
		   uint64_t deadline, char *err);
/* The next byte: 1, 0 if the deadline passed first, -1 on an error or the
 * end of the connection. */
int ctl_link_getc(struct ctl_link *l, uint8_t *b, uint64_t deadline, char *err);
/* An exclusive advisory lock on a device, so two bulkhead-ctl do not
 * interleave frames on one line; waits until the deadline. A no-op for
 * TCP. ctl_link_unlock releases it. */
int ctl_link_lock(struct ctl_link *l, uint64_t deadline, char *err);
void ctl_link_unlock(struct ctl_link *l);
void ctl_link_close(struct ctl_link *l);

/* ---- ctl_mgmt.c: request and reply ------------------------------------- */

#define CTL_ATTEMPTS 4 /* the first try and 3 retries */

struct ctl_client {
	struct ctl_link link;
	uint8_t key[CFG_KEY_BYTES];
	int timeout_ms; /* per reply */
	bool verbose;	/* say on stderr what is retried and why */
	struct mgmt_session sess;
	struct mgmt_rx rx;
	uint32_t caps;	   /* from the last hello reply */
	unsigned attempts; /* used by the last ctl_call */
};

/* A reply: its status, the message after a non-zero status, and the data
 * after status 0 (data[0, len)). */
struct ctl_reply {
	uint8_t status;
	char msg[MGMT_MSG_MAX + 1];
	uint8_t data[MGMT_MAX_PAYLOAD];
	size_t len;
};

/* Sends one request (opening a session first if none is open) and waits
 * for its authentic reply, retrying with a new sequence number (and a new
 * hello when the session is lost) up to CTL_ATTEMPTS times. Returns
 * EXIT_OK (status 0, data in r), EXIT_REFUSED (a non-zero status, in r),
 * EXIT_LINK or EXIT_AUTH (message in err[CTL_ERR_LEN]). */
int ctl_call(struct ctl_client *c, uint8_t type, const void *payload, size_t n,
	     struct ctl_reply *r, char *err);

/* ---- ctl_cmds.c: the management commands ------------------------------- */

/* argv: the arguments after the command name, options anywhere. */
int ctl_cmd_mgmt(const char *prog, const char *cmd, int argc, char **argv);
/* The command's synopsis (its arguments) for usage lines. */
void ctl_mgmt_usage(FILE *f, const char *prog);
/* True if opt (e.g. "--connect") is a management option taking a value. */
bool ctl_option_takes_value(const char *opt);

#endif
