/* Management protocol, version 1 (docs/management.md): the frame format,
 * its tag, and a byte-at-a-time receiver that resynchronises after
 * garbage, bad headers and stalls. Pure logic shared by the hypervisor and
 * bulkhead-ctl: no clock of its own (the caller passes milliseconds), no
 * randomness, no I/O. */
#ifndef BH_PROTO_FRAME_H
#define BH_PROTO_FRAME_H

#include "hv/lib/binfmt.h"

/* ---- wire constants ---------------------------------------------------- */

#define MGMT_MARKER0	 0xB7
#define MGMT_MARKER1	 0x4B
#define MGMT_VERSION	 1
#define MGMT_HDR_LEN	 10   /* marker 2, version 1, type 1, seq 4, N 2 */
#define MGMT_MAX_PAYLOAD 1024 /* N */
#define MGMT_TAG_LEN	 32   /* HMAC-SHA256 */
#define MGMT_NONCE_LEN	 16   /* session nonce, client nonce */
#define MGMT_MIN_FRAME	 (MGMT_HDR_LEN + MGMT_TAG_LEN)
#define MGMT_MAX_FRAME	 (MGMT_HDR_LEN + MGMT_MAX_PAYLOAD + MGMT_TAG_LEN)
#define MGMT_TIMEOUT_MS	 1000 /* a longer gap inside a frame drops it */

/* Offsets in a frame. */
#define MGMT_OFF_VERSION 2
#define MGMT_OFF_TYPE	 3
#define MGMT_OFF_SEQ	 4
#define MGMT_OFF_LEN	 8

/* Request types (0x01-0x3F); a reply has type | MGMT_REPLY. */
#define MGMT_REQ_MIN	0x01
#define MGMT_REQ_MAX	0x3F
#define MGMT_REPLY	0x80
#define MGMT_T_HELLO	0x01
#define MGMT_T_LIST	0x02
#define MGMT_T_STATS	0x03
#define MGMT_T_PAUSE	0x04
#define MGMT_T_RESUME	0x05
#define MGMT_T_STOP	0x06
#define MGMT_T_START	0x07
#define MGMT_T_RESET	0x08
#define MGMT_T_LOG	0x09
#define MGMT_T_SNAPSHOT 0x0A
#define MGMT_T_RESTORE	0x0B
#define MGMT_T_DROP	0x0C
#define MGMT_T_CONSOLE	0x0D

/* Reply status, the first payload byte of every reply. */
#define MGMT_ST_OK	    0
#define MGMT_ST_REFUSED	    1 /* not valid now; a message follows */
#define MGMT_ST_NO_PART	    2 /* no such partition */
#define MGMT_ST_BAD_REQUEST 3 /* unknown type, bad length, bad field */
#define MGMT_ST_AUTH	    4 /* bad tag, old sequence number, no session */

/* Partition states in list and stats replies. */
#define MGMT_PS_RUNNING	  0
#define MGMT_PS_PAUSED	  1
#define MGMT_PS_STOPPED	  2
#define MGMT_PS_RESETTING 3
#define MGMT_PS_FAILED	  4

/* Capability bits in the hello reply. */
#define MGMT_CAP_SNAPSHOTS (1u << 0)

/* ---- frames ------------------------------------------------------------ */

/* A frame whose header has been parsed (marker, version 1, N <= 1024 and
 * exactly MGMT_HDR_LEN + N + MGMT_TAG_LEN bytes); its tag is not checked
 * yet. The pointers point into the caller's (or the receiver's) buffer. */
struct mgmt_frame {
	uint8_t type;
	uint32_t seq;
	uint16_t len;		/* payload length N */
	const uint8_t *payload; /* raw + MGMT_HDR_LEN, len bytes */
	const uint8_t *tag;	/* raw + MGMT_HDR_LEN + len, 32 bytes */
	const uint8_t *raw;	/* the whole frame, from the marker */
	size_t raw_len;		/* MGMT_HDR_LEN + len + MGMT_TAG_LEN */
};

/* Writes the frame (type, seq, payload[0, n)) tagged under key and nonce
 * to out[0, cap). payload may be NULL if n == 0, and may be out +
 * MGMT_HDR_LEN (a payload built in place). Returns the frame length, or
 * -1 (nothing useful written) if n > MGMT_MAX_PAYLOAD or cap is too
 * small. */
int mgmt_frame_encode(const uint8_t *key, size_t keylen,
		      const uint8_t nonce[MGMT_NONCE_LEN], uint8_t type,
		      uint32_t seq, const void *payload, size_t n, uint8_t *out,
		      size_t cap);

/* The tag of the frame whose header and payload are raw[0, MGMT_HDR_LEN +
 * payload_len): HMAC-SHA256(key, nonce || raw[2, MGMT_HDR_LEN + N)). */
void mgmt_frame_tag(const uint8_t *key, size_t keylen,
		    const uint8_t nonce[MGMT_NONCE_LEN], const uint8_t *raw,
		    size_t payload_len, uint8_t out[MGMT_TAG_LEN]);

/* True if f's tag is right for key and nonce (compared in constant time). */
bool mgmt_frame_verify(const uint8_t *key, size_t keylen,
		       const uint8_t nonce[MGMT_NONCE_LEN],
		       const struct mgmt_frame *f);

/* Parses buf[0, n) as exactly one frame (tag not checked). Returns 0 and
 * fills *f, or -1 if buf is not one whole frame. */
int mgmt_frame_parse(const uint8_t *buf, size_t n, struct mgmt_frame *f);

/* ---- the receiver ------------------------------------------------------ */

enum mgmt_rx_result {
	MGMT_RX_NONE,		 /* byte taken (part of a frame, or not yet) */
	MGMT_RX_FRAME,		 /* rx->frame is a whole frame, tag unchecked */
	MGMT_RX_DROPPED_GARBAGE, /* bytes were discarded: not a frame */
	MGMT_RX_DROPPED_TIMEOUT, /* a partial frame stalled and was dropped */
};

/* Receiver state. Hunts for the marker, reads the header (another version
 * or N > 1024: hunting resumes at the byte after the marker's first byte,
 * so a marker inside a bad header is found), then the payload and tag. A
 * gap of more than MGMT_TIMEOUT_MS between two bytes of one frame drops
 * it; the late byte is then looked at as a possible marker start. */
struct mgmt_rx {
	uint8_t buf[MGMT_MAX_FRAME];
	size_t pos;  /* bytes of the current candidate in buf; 0: hunting */
	size_t need; /* its total length once the header is read */
	uint64_t last_ms;	 /* time of its last byte */
	struct mgmt_frame frame; /* after MGMT_RX_FRAME, until the next byte */
	/* Counters (never reset by the receiver; they wrap). */
	uint64_t frames;      /* MGMT_RX_FRAME results */
	uint64_t garbage;     /* bytes discarded outside any frame */
	uint64_t bad_headers; /* candidates with a bad version or length */
	uint64_t timeouts;    /* partial frames dropped after a stall */
};

void mgmt_rx_init(struct mgmt_rx *rx);

/* Feeds one byte received at now_ms (any monotonic millisecond clock; a
 * clock that goes backwards counts as no time passing). On MGMT_RX_FRAME
 * rx->frame points into rx->buf and stays valid until the next call. */
enum mgmt_rx_result mgmt_rx_byte(struct mgmt_rx *rx, uint8_t b,
				 uint64_t now_ms);

/* ---- little-endian access ---------------------------------------------- */

/* The management code's names for the shared helpers. */
#define mgmt_rd16 le_rd16
#define mgmt_rd32 le_rd32
#define mgmt_wr16 le_wr16
#define mgmt_wr32 le_wr32

#endif
