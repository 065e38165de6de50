/* Management protocol sessions (docs/management.md, "Sessions, nonces and
 * replay"): which received frames the hypervisor accepts, the hello
 * exchange, and the client's checks on replies. Pure: the caller supplies
 * the key, the nonces (randomness is its job) and the frames. */
#ifndef BH_PROTO_SESSION_H
#define BH_PROTO_SESSION_H

#include "hv/lib/lib.h"
#include "hv/proto/frame.h"

/* The hello reply payload: status, version, capabilities, server nonce,
 * client nonce echoed. */
#define MGMT_HELLO_REPLY_LEN	    38
#define MGMT_HELLO_OFF_STATUS	    0
#define MGMT_HELLO_OFF_VERSION	    1
#define MGMT_HELLO_OFF_CAPS	    2
#define MGMT_HELLO_OFF_SERVER_NONCE 6
#define MGMT_HELLO_OFF_CLIENT_NONCE 22

/* The all-zero nonce: hello requests, and replies to frames not accepted
 * in a session (see mgmt_server_reply). */
extern const uint8_t mgmt_zero_nonce[MGMT_NONCE_LEN];

/* One session, on either side. Closed: no nonce agreed. */
struct mgmt_session {
	bool open;
	uint8_t nonce[MGMT_NONCE_LEN]; /* the server nonce while open */
	/* Server: the last sequence number accepted (0 after hello).
	 * Client: the last one sent. */
	uint32_t last_seq;
};

/* A closed session. */
void mgmt_session_init(struct mgmt_session *s);

/* ---- server (the hypervisor) ------------------------------------------- */

enum mgmt_verdict {
	/* Tag right under the session nonce, seq above the last accepted
	 * (now recorded): handle the request, then reply with
	 * mgmt_server_reply. Its type may still be unknown (status 3). */
	MGMT_ACCEPT,
	/* A hello whose tag is right under the zero nonce, seq 0, 16-byte
	 * payload. The previous session is closed: draw a server nonce and
	 * call mgmt_server_open, then mgmt_server_reply. */
	MGMT_HELLO,
	/* Not authenticated: no session, wrong tag, seq not above the last
	 * accepted, or a reply type (bit 7) sent back to us. Reply status 4;
	 * the session is unchanged. */
	MGMT_REFUSE_AUTH,
	/* A hello with a right tag but a payload other than 16 bytes or a
	 * seq other than 0. Reply status 3; the session is unchanged. */
	MGMT_REFUSE_BAD,
};

/* Decides what to do with f (from the receiver, tag unchecked) under key.
 * Updates s only on MGMT_ACCEPT (last_seq) and MGMT_HELLO (closed). */
enum mgmt_verdict mgmt_server_check(struct mgmt_session *s, const uint8_t *key,
				    size_t keylen, const struct mgmt_frame *f);

/* After MGMT_HELLO for hello: opens s with server_nonce (fresh, from the
 * caller) and writes the hello reply payload (status 0, version 1, caps,
 * server nonce, the client nonce from hello) to reply. */
void mgmt_server_open(struct mgmt_session *s, const struct mgmt_frame *hello,
		      const uint8_t server_nonce[MGMT_NONCE_LEN], uint32_t caps,
		      uint8_t reply[MGMT_HELLO_REPLY_LEN]);

/* Encodes the reply to req (type req->type | 0x80, req's seq) with
 * payload[0, n) into out[0, cap); v is what mgmt_server_check said about
 * req. Tagged under the session nonce after MGMT_ACCEPT and MGMT_HELLO
 * (the new server nonce), else under the zero nonce: a frame that was not
 * accepted in the session gets no reply the session would vouch for (an
 * attacker could otherwise collect session-tagged replies for sequence
 * numbers of his choice). Returns the frame length or -1. */
int mgmt_server_reply(const struct mgmt_session *s, enum mgmt_verdict v,
		      const uint8_t *key, size_t keylen,
		      const struct mgmt_frame *req, const void *payload,
		      size_t n, uint8_t *out, size_t cap);

/* ---- client (bulkhead-ctl) --------------------------------------------- */

enum mgmt_reply_check {
	/* The authentic reply to the request (for a hello reply: the session
	 * is now open). */
	MGMT_REPLY_OK,
	/* A reply to the request with a non-zero status, tagged under the
	 * zero nonce: the hypervisor did not accept the request in a session
	 * (status 4) or refused a hello (status 3). Anyone able to send the
	 * hypervisor a frame can cause one, so it proves nothing. */
	MGMT_REPLY_REFUSED,
	/* Not a reply to the request (type, seq, tag, echo): ignore it. */
	MGMT_REPLY_IGNORE,
};

/* Closes s and encodes a hello with client_nonce into out[0, cap).
 * Returns the frame length or -1. */
int mgmt_client_hello(struct mgmt_session *s, const uint8_t *key, size_t keylen,
		      const uint8_t client_nonce[MGMT_NONCE_LEN], uint8_t *out,
		      size_t cap);

/* Checks f as the reply to the hello carrying client_nonce: type 0x81,
 * seq 0, 38 bytes, status 0, version 1, the client nonce echoed, tagged
 * under the server nonce it carries. On MGMT_REPLY_OK opens s with that
 * nonce and stores the capabilities in *caps (if caps). */
enum mgmt_reply_check
mgmt_client_hello_reply(struct mgmt_session *s, const uint8_t *key,
			size_t keylen,
			const uint8_t client_nonce[MGMT_NONCE_LEN],
			const struct mgmt_frame *f, uint32_t *caps);

/* Encodes a request of type with payload[0, n) under the open session s
 * with the next sequence number (stored in *seq if seq). Returns the
 * frame length, or -1 if s is closed, its sequence numbers are used up
 * (a new hello is needed) or the frame does not fit. */
int mgmt_client_request(struct mgmt_session *s, const uint8_t *key,
			size_t keylen, uint8_t type, const void *payload,
			size_t n, uint8_t *out, size_t cap, uint32_t *seq);

/* Checks f as the reply to the request (type, seq) sent in s: type |
 * 0x80, the same seq, tagged under the session nonce. */
enum mgmt_reply_check mgmt_client_check_reply(const struct mgmt_session *s,
					      const uint8_t *key, size_t keylen,
					      uint8_t type, uint32_t seq,
					      const struct mgmt_frame *f);

#endif
