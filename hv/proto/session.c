/* Management protocol sessions: acceptance, hello, reply checks
 * (docs/management.md, "Sessions, nonces and replay"). */
#include "hv/proto/session.h"
#include "hv/lib/sha256.h"

const uint8_t mgmt_zero_nonce[MGMT_NONCE_LEN] = {0};

void mgmt_session_init(struct mgmt_session *s)
{
	memset(s, 0, sizeof(*s));
}

/* ---- server ------------------------------------------------------------ */

enum mgmt_verdict mgmt_server_check(struct mgmt_session *s, const uint8_t *key,
				    size_t keylen, const struct mgmt_frame *f)
{
	if (f->type == MGMT_T_HELLO) {
		if (!mgmt_frame_verify(key, keylen, mgmt_zero_nonce, f))
			return MGMT_REFUSE_AUTH;
		if (f->len != MGMT_NONCE_LEN || f->seq != 0)
			return MGMT_REFUSE_BAD;
		s->open = false;
		return MGMT_HELLO;
	}
	/* Our own replies carry valid tags: never take one as a request. */
	if (!s->open || (f->type & MGMT_REPLY))
		return MGMT_REFUSE_AUTH;
	if (!mgmt_frame_verify(key, keylen, s->nonce, f))
		return MGMT_REFUSE_AUTH;
	if (f->seq <= s->last_seq)
		return MGMT_REFUSE_AUTH;
	s->last_seq = f->seq;
	return MGMT_ACCEPT;
}

void mgmt_server_open(struct mgmt_session *s, const struct mgmt_frame *hello,
		      const uint8_t server_nonce[MGMT_NONCE_LEN], uint32_t caps,
		      uint8_t reply[MGMT_HELLO_REPLY_LEN])
{
	s->open = true;
	memcpy(s->nonce, server_nonce, MGMT_NONCE_LEN);
	s->last_seq = 0;
	reply[MGMT_HELLO_OFF_STATUS] = MGMT_ST_OK;
	reply[MGMT_HELLO_OFF_VERSION] = MGMT_VERSION;
	mgmt_wr32(reply + MGMT_HELLO_OFF_CAPS, caps);
	memcpy(reply + MGMT_HELLO_OFF_SERVER_NONCE, server_nonce,
	       MGMT_NONCE_LEN);
	/* mgmt_server_check saw 16 bytes; zeros if called on anything else. */
	if (hello->len == MGMT_NONCE_LEN)
		memcpy(reply + MGMT_HELLO_OFF_CLIENT_NONCE, hello->payload,
		       MGMT_NONCE_LEN);
	else
		memset(reply + MGMT_HELLO_OFF_CLIENT_NONCE, 0, MGMT_NONCE_LEN);
}

int mgmt_server_reply(const struct mgmt_session *s, enum mgmt_verdict v,
		      const uint8_t *key, size_t keylen,
		      const struct mgmt_frame *req, const void *payload,
		      size_t n, uint8_t *out, size_t cap)
{
	const uint8_t *nonce = mgmt_zero_nonce;

	if ((v == MGMT_ACCEPT || v == MGMT_HELLO) && s->open)
		nonce = s->nonce;
	return mgmt_frame_encode(key, keylen, nonce,
				 (uint8_t)(req->type | MGMT_REPLY), req->seq,
				 payload, n, out, cap);
}

/* ---- client ------------------------------------------------------------ */

int mgmt_client_hello(struct mgmt_session *s, const uint8_t *key, size_t keylen,
		      const uint8_t client_nonce[MGMT_NONCE_LEN], uint8_t *out,
		      size_t cap)
{
	mgmt_session_init(s);
	return mgmt_frame_encode(key, keylen, mgmt_zero_nonce, MGMT_T_HELLO, 0,
				 client_nonce, MGMT_NONCE_LEN, out, cap);
}

/* f, of the right type and seq, is a refusal tagged under the zero nonce. */
static bool zero_nonce_refusal(const uint8_t *key, size_t keylen,
			       const struct mgmt_frame *f)
{
	return f->len >= 1 && f->payload[0] != MGMT_ST_OK &&
	       mgmt_frame_verify(key, keylen, mgmt_zero_nonce, f);
}

enum mgmt_reply_check
mgmt_client_hello_reply(struct mgmt_session *s, const uint8_t *key,
			size_t keylen,
			const uint8_t client_nonce[MGMT_NONCE_LEN],
			const struct mgmt_frame *f, uint32_t *caps)
{
	const uint8_t *p = f->payload;

	if (f->type != (MGMT_T_HELLO | MGMT_REPLY) || f->seq != 0)
		return MGMT_REPLY_IGNORE;
	if (f->len == MGMT_HELLO_REPLY_LEN && p[MGMT_HELLO_OFF_STATUS] == 0 &&
	    p[MGMT_HELLO_OFF_VERSION] == MGMT_VERSION &&
	    bh_ct_equal(p + MGMT_HELLO_OFF_CLIENT_NONCE, client_nonce,
			MGMT_NONCE_LEN) &&
	    mgmt_frame_verify(key, keylen, p + MGMT_HELLO_OFF_SERVER_NONCE,
			      f)) {
		s->open = true;
		memcpy(s->nonce, p + MGMT_HELLO_OFF_SERVER_NONCE,
		       MGMT_NONCE_LEN);
		s->last_seq = 0;
		if (caps)
			*caps = mgmt_rd32(p + MGMT_HELLO_OFF_CAPS);
		return MGMT_REPLY_OK;
	}
	return zero_nonce_refusal(key, keylen, f) ? MGMT_REPLY_REFUSED
						  : MGMT_REPLY_IGNORE;
}

int mgmt_client_request(struct mgmt_session *s, const uint8_t *key,
			size_t keylen, uint8_t type, const void *payload,
			size_t n, uint8_t *out, size_t cap, uint32_t *seq)
{
	if (!s->open || s->last_seq == UINT32_MAX)
		return -1;
	int len = mgmt_frame_encode(key, keylen, s->nonce, type,
				    s->last_seq + 1, payload, n, out, cap);
	if (len < 0)
		return -1;
	s->last_seq++;
	if (seq)
		*seq = s->last_seq;
	return len;
}

enum mgmt_reply_check mgmt_client_check_reply(const struct mgmt_session *s,
					      const uint8_t *key, size_t keylen,
					      uint8_t type, uint32_t seq,
					      const struct mgmt_frame *f)
{
	if (f->type != (uint8_t)(type | MGMT_REPLY) || f->seq != seq)
		return MGMT_REPLY_IGNORE;
	if (s->open && mgmt_frame_verify(key, keylen, s->nonce, f))
		return MGMT_REPLY_OK;
	return zero_nonce_refusal(key, keylen, f) ? MGMT_REPLY_REFUSED
						  : MGMT_REPLY_IGNORE;
}
