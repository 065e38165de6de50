/* Building and reading management payloads (docs/management.md, "Replies
 * and refusals", "Requests"): little-endian integers, names (1 byte
 * length 1-15, then the bytes) and a status with its message (after a
 * non-zero status: 1 byte length, then printable ASCII).
 *
 * Both cursors have a sticky error: once an operation does not fit or
 * finds a bad field, the cursor is in error, later operations do nothing
 * (reads return 0 / false), and nothing is read or written outside the
 * buffer. Check once at the end (mgmt_wr_done, mgmt_rd_end). */
#ifndef BH_PROTO_PAYLOAD_H
#define BH_PROTO_PAYLOAD_H

#include "hv/lib/lib.h"

#define MGMT_NAME_MAX	   15	/* bytes in a name */
#define MGMT_MSG_MAX	   255	/* bytes in a status message */
#define MGMT_CONSOLE_RING  4096 /* console bytes the hypervisor keeps */
#define MGMT_CONSOLE_CHUNK 960	/* console bytes in one reply */

/* A name is 1-15 bytes of printable ASCII other than space (0x21-0x7E).
 * (Partition names in the config are narrower: a-z 0-9 _ -.) */
bool mgmt_name_valid(const uint8_t *p, size_t n);

/* ---- writing ------------------------------------------------------------ */

struct mgmt_wr {
	uint8_t *p;
	size_t cap;
	size_t len; /* bytes written */
	bool err;
};

void mgmt_wr_init(struct mgmt_wr *w, uint8_t *buf, size_t cap);
void mgmt_put_u8(struct mgmt_wr *w, uint8_t v);
void mgmt_put_u16(struct mgmt_wr *w, uint16_t v);
void mgmt_put_u32(struct mgmt_wr *w, uint32_t v);
void mgmt_put_u64(struct mgmt_wr *w, uint64_t v);
void mgmt_put_bytes(struct mgmt_wr *w, const void *p, size_t n);
/* The NUL-terminated name; an invalid name (see mgmt_name_valid) is an
 * error. Returns false on error. */
bool mgmt_put_name(struct mgmt_wr *w, const char *name);
/* The status byte; after a non-zero status, the message (NULL: empty):
 * bytes other than printable ASCII become '?', and it is cut to 255 bytes
 * and to the room left (an error only if not even its length byte
 * fits). */
void mgmt_put_status(struct mgmt_wr *w, uint8_t status, const char *msg);
/* The length written, or -1 if the cursor is in error. */
int mgmt_wr_done(const struct mgmt_wr *w);

/* ---- reading ------------------------------------------------------------ */

struct mgmt_rd {
	const uint8_t *p;
	size_t n;
	size_t off; /* bytes read */
	bool err;
};

void mgmt_rd_init(struct mgmt_rd *r, const uint8_t *p, size_t n);
uint8_t mgmt_get_u8(struct mgmt_rd *r);
uint16_t mgmt_get_u16(struct mgmt_rd *r);
uint32_t mgmt_get_u32(struct mgmt_rd *r);
uint64_t mgmt_get_u64(struct mgmt_rd *r);
/* Copies the next n bytes to out (if out). */
bool mgmt_get_bytes(struct mgmt_rd *r, void *out, size_t n);
/* A name into out, NUL-terminated; bad length, bad bytes or too few bytes
 * are an error (out is then the empty string). */
bool mgmt_get_name(struct mgmt_rd *r, char out[MGMT_NAME_MAX + 1]);
/* The status and, after a non-zero one, its message into msg[0, cap)
 * NUL-terminated (cut to fit; msg may be NULL). A message that runs past
 * the payload or holds a byte that is not printable ASCII is an error.
 * msg is the empty string after status 0 or an error. */
bool mgmt_get_status(struct mgmt_rd *r, uint8_t *status, char *msg, size_t cap);
/* True if no error and all n bytes were read. */
bool mgmt_rd_end(const struct mgmt_rd *r);

#endif
