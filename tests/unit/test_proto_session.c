/* Unit tests for hv/proto/session.c: hello, acceptance and replay rules,
 * the client's reply checks (docs/management.md, "Sessions, nonces and
 * replay"). Frames go through the real encoder and receiver. */
#include "tests/unit/test_util.h"

#include "hv/proto/frame.h"
#include "hv/proto/session.h"

static const uint8_t key[] = "bulkhead-test-key";
#define KEYLEN (sizeof(key) - 1)
static const uint8_t cnonce[MGMT_NONCE_LEN] = {
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
static const uint8_t snonce[MGMT_NONCE_LEN] = {
    0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
    0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60};
static const uint8_t snonce2[MGMT_NONCE_LEN] = {
    0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70};

/* A frame and its parsed view (pointing into buf). */
struct fr {
	uint8_t buf[MGMT_MAX_FRAME];
	size_t n;
	struct mgmt_frame f;
};

/* Parses fr->buf[0, n) (which must be one frame) into fr->f. */
static void view(struct fr *fr, int n)
{
	assert_true(n >= MGMT_MIN_FRAME);
	fr->n = (size_t)n;
	assert_int_equal(mgmt_frame_parse(fr->buf, fr->n, &fr->f), 0);
}

static void encode(struct fr *fr, const uint8_t *nonce, uint8_t type,
		   uint32_t seq, const void *payload, size_t n)
{
	view(fr, mgmt_frame_encode(key, KEYLEN, nonce, type, seq, payload, n,
				   fr->buf, sizeof(fr->buf)));
}

/* The whole hello exchange: client c and server s share a session with
 * server nonce sn afterwards. */
static void handshake(struct mgmt_session *c, struct mgmt_session *s,
		      const uint8_t sn[MGMT_NONCE_LEN])
{
	struct fr req, rep;
	uint8_t payload[MGMT_HELLO_REPLY_LEN];
	uint32_t caps = 0;

	view(&req, mgmt_client_hello(c, key, KEYLEN, cnonce, req.buf,
				     sizeof(req.buf)));
	assert_false(c->open);
	assert_int_equal(mgmt_server_check(s, key, KEYLEN, &req.f), MGMT_HELLO);
	assert_false(s->open);
	mgmt_server_open(s, &req.f, sn, MGMT_CAP_SNAPSHOTS, payload);
	assert_true(s->open);
	view(&rep,
	     mgmt_server_reply(s, MGMT_HELLO, key, KEYLEN, &req.f, payload,
			       sizeof(payload), rep.buf, sizeof(rep.buf)));
	assert_int_equal(rep.f.type, 0x81);
	assert_int_equal(rep.f.seq, 0);
	assert_int_equal(
	    mgmt_client_hello_reply(c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_OK);
	assert_true(c->open);
	assert_int_equal(caps, MGMT_CAP_SNAPSHOTS);
	assert_memory_equal(c->nonce, sn, MGMT_NONCE_LEN);
	assert_memory_equal(s->nonce, sn, MGMT_NONCE_LEN);
	assert_int_equal(c->last_seq, 0);
	assert_int_equal(s->last_seq, 0);
}

static void test_hello_reply_payload(void **state)
{
	struct mgmt_session c, s;
	struct fr req;
	uint8_t p[MGMT_HELLO_REPLY_LEN];

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);

	/* Byte by byte, as in the doc's table. */
	view(&req, mgmt_client_hello(&c, key, KEYLEN, cnonce, req.buf,
				     sizeof(req.buf)));
	assert_int_equal(req.f.type, MGMT_T_HELLO);
	assert_int_equal(req.f.seq, 0);
	assert_int_equal(req.f.len, 16);
	assert_memory_equal(req.f.payload, cnonce, 16);
	assert_true(mgmt_frame_verify(key, KEYLEN, mgmt_zero_nonce, &req.f));
	mgmt_server_open(&s, &req.f, snonce2, 0x12345678, p);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[1], 1);
	assert_int_equal(rd32(p + 2), 0x12345678);
	assert_memory_equal(p + 6, snonce2, 16);
	assert_memory_equal(p + 22, cnonce, 16);
}

static void test_request_accepted(void **state)
{
	struct mgmt_session c, s;
	struct fr req, rep;
	uint32_t seq = 0;
	const uint8_t ok[] = {MGMT_ST_OK};

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	for (uint32_t i = 1; i <= 3; i++) {
		view(&req,
		     mgmt_client_request(&c, key, KEYLEN, MGMT_T_LIST, NULL, 0,
					 req.buf, sizeof(req.buf), &seq));
		assert_int_equal(seq, i);
		assert_int_equal(req.f.seq, i);
		assert_true(mgmt_frame_verify(key, KEYLEN, snonce, &req.f));
		assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
				 MGMT_ACCEPT);
		assert_int_equal(s.last_seq, i);
		view(&rep,
		     mgmt_server_reply(&s, MGMT_ACCEPT, key, KEYLEN, &req.f, ok,
				       1, rep.buf, sizeof(rep.buf)));
		assert_int_equal(rep.f.type, MGMT_T_LIST | MGMT_REPLY);
		assert_int_equal(rep.f.seq, i);
		assert_int_equal(mgmt_client_check_reply(
				     &c, key, KEYLEN, MGMT_T_LIST, seq, &rep.f),
				 MGMT_REPLY_OK);
	}
}

static void test_bad_tag_refused(void **state)
{
	struct mgmt_session c, s;
	struct fr req;

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	view(&req, mgmt_client_request(&c, key, KEYLEN, MGMT_T_PAUSE, "\1a", 2,
				       req.buf, sizeof(req.buf), NULL));
	for (size_t i = 2; i < req.n; i++) {
		if (i == 8 || i == 9)
			continue; /* the length: would not parse */
		req.buf[i] ^= 0x20;
		assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
				 MGMT_REFUSE_AUTH);
		req.buf[i] ^= 0x20;
	}
	assert_int_equal(s.last_seq, 0);
	/* Another key. */
	assert_int_equal(mgmt_server_check(&s, (const uint8_t *)"k", 1, &req.f),
			 MGMT_REFUSE_AUTH);
	/* Untouched, it passes (and only now moves last_seq). */
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_ACCEPT);
	assert_int_equal(s.last_seq, 1);
}

static void test_wrong_nonce_refused(void **state)
{
	struct mgmt_session c, s;
	struct fr req;

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	encode(&req, snonce2, MGMT_T_LIST, 1, NULL, 0);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_AUTH);
	encode(&req, mgmt_zero_nonce, MGMT_T_LIST, 1, NULL, 0);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_AUTH);
	encode(&req, cnonce, MGMT_T_LIST, 1, NULL, 0);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_AUTH);
	assert_int_equal(s.last_seq, 0);
	encode(&req, snonce, MGMT_T_LIST, 1, NULL, 0);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_ACCEPT);
}

static void test_no_session_refused(void **state)
{
	struct mgmt_session s;
	struct fr req;

	(void)state;
	mgmt_session_init(&s);
	/* Even one tagged under the (all-zero) nonce of a closed session. */
	encode(&req, s.nonce, MGMT_T_LIST, 1, NULL, 0);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_AUTH);
	encode(&req, snonce, MGMT_T_LIST, 1, NULL, 0);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_AUTH);
	assert_false(s.open);
}

static void test_replay_same_session(void **state)
{
	struct mgmt_session c, s;
	struct fr a, b;

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	view(&a, mgmt_client_request(&c, key, KEYLEN, MGMT_T_STOP, "\1a", 2,
				     a.buf, sizeof(a.buf), NULL));
	view(&b, mgmt_client_request(&c, key, KEYLEN, MGMT_T_START, "\1a", 2,
				     b.buf, sizeof(b.buf), NULL));
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &a.f), MGMT_ACCEPT);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &a.f),
			 MGMT_REFUSE_AUTH);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &b.f), MGMT_ACCEPT);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &a.f),
			 MGMT_REFUSE_AUTH);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &b.f),
			 MGMT_REFUSE_AUTH);
	assert_int_equal(s.last_seq, 2);
}

/* A request captured in one session, replayed in the next with a seq
 * that would be fresh there: the nonce differs, the tag is wrong. */
static void test_replay_old_session(void **state)
{
	struct mgmt_session c, s;
	struct fr old;
	uint32_t seq;

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	for (int i = 0; i < 5; i++)
		view(&old,
		     mgmt_client_request(&c, key, KEYLEN, MGMT_T_RESET, "\1a",
					 2, old.buf, sizeof(old.buf), &seq));
	assert_int_equal(seq, 5);
	handshake(&c, &s, snonce2);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &old.f),
			 MGMT_REFUSE_AUTH);
	assert_int_equal(s.last_seq, 0);
	/* A hello ends the session even before the new one opens. */
	handshake(&c, &s, snonce);
	{
		struct fr h, r;

		view(&r, mgmt_client_request(&c, key, KEYLEN, MGMT_T_LIST, NULL,
					     0, r.buf, sizeof(r.buf), NULL));
		view(&h, mgmt_client_hello(&c, key, KEYLEN, cnonce, h.buf,
					   sizeof(h.buf)));
		assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &h.f),
				 MGMT_HELLO);
		assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &r.f),
				 MGMT_REFUSE_AUTH);
	}
}

static void test_seq_strictly_grows(void **state)
{
	static const struct {
		uint32_t seq;
		enum mgmt_verdict v;
	} steps[] = {
	    {0, MGMT_REFUSE_AUTH}, /* the first is at least 1 */
	    {5, MGMT_ACCEPT},
	    {5, MGMT_REFUSE_AUTH},
	    {4, MGMT_REFUSE_AUTH},
	    {1, MGMT_REFUSE_AUTH},
	    {6, MGMT_ACCEPT},
	    {0x7FFFFFFF, MGMT_ACCEPT},
	    {0x80000000, MGMT_ACCEPT}, /* no signed comparison */
	    {6, MGMT_REFUSE_AUTH},
	    {UINT32_MAX, MGMT_ACCEPT},
	    {UINT32_MAX, MGMT_REFUSE_AUTH},
	    {0, MGMT_REFUSE_AUTH}, /* no wrap-around */
	};
	struct mgmt_session c, s;
	struct fr req;

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	for (size_t i = 0; i < BH_ARRAY_SIZE(steps); i++) {
		encode(&req, snonce, MGMT_T_LIST, steps[i].seq, NULL, 0);
		assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
				 steps[i].v);
	}
	assert_int_equal(s.last_seq, UINT32_MAX);

	/* The client runs out of sequence numbers: a new hello is due. */
	c.last_seq = UINT32_MAX - 1;
	view(&req, mgmt_client_request(&c, key, KEYLEN, MGMT_T_LIST, NULL, 0,
				       req.buf, sizeof(req.buf), NULL));
	assert_int_equal(req.f.seq, UINT32_MAX);
	assert_int_equal(mgmt_client_request(&c, key, KEYLEN, MGMT_T_LIST, NULL,
					     0, req.buf, sizeof(req.buf), NULL),
			 -1);
	/* No request without a session, nor one that does not fit (and
	 * then no sequence number is used up). */
	c.last_seq = 3;
	assert_int_equal(mgmt_client_request(&c, key, KEYLEN, MGMT_T_LIST, NULL,
					     0, req.buf, 41, NULL),
			 -1);
	assert_int_equal(c.last_seq, 3);
	mgmt_session_init(&c);
	assert_int_equal(mgmt_client_request(&c, key, KEYLEN, MGMT_T_LIST, NULL,
					     0, req.buf, sizeof(req.buf), NULL),
			 -1);
}

static void test_hello_refusals(void **state)
{
	struct mgmt_session c, s;
	struct fr req, rep;
	uint8_t p[17] = {0};
	const uint8_t bad[] = {MGMT_ST_BAD_REQUEST, 0};

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	/* Wrong payload size, wrong seq: a bad request. */
	encode(&req, mgmt_zero_nonce, MGMT_T_HELLO, 0, p, 15);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_BAD);
	encode(&req, mgmt_zero_nonce, MGMT_T_HELLO, 0, p, 17);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_BAD);
	encode(&req, mgmt_zero_nonce, MGMT_T_HELLO, 0, NULL, 0);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_BAD);
	encode(&req, mgmt_zero_nonce, MGMT_T_HELLO, 1, p, 16);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_BAD);
	/* Its refusal is tagged under the zero nonce; the client sees it. */
	view(&rep,
	     mgmt_server_reply(&s, MGMT_REFUSE_BAD, key, KEYLEN, &req.f, bad,
			       sizeof(bad), rep.buf, sizeof(rep.buf)));
	assert_true(mgmt_frame_verify(key, KEYLEN, mgmt_zero_nonce, &rep.f));
	/* A hello tagged under another nonce, or with another key. */
	encode(&req, snonce, MGMT_T_HELLO, 0, p, 16);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_REFUSE_AUTH);
	encode(&req, mgmt_zero_nonce, MGMT_T_HELLO, 0, p, 16);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN - 1, &req.f),
			 MGMT_REFUSE_AUTH);
	/* None of them touched the session. */
	assert_true(s.open);
	assert_memory_equal(s.nonce, snonce, 16);
	encode(&req, snonce, MGMT_T_LIST, 1, NULL, 0);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_ACCEPT);
}

/* The server's own replies carry good tags: sent back to it, they are
 * refused (and an unauthenticated frame's refusal is under the zero
 * nonce, so it cannot be used in the session). */
static void test_reflection_refused(void **state)
{
	struct mgmt_session c, s;
	struct fr req, rep, forged;
	const uint8_t st[] = {MGMT_ST_AUTH, 0};

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	view(&req, mgmt_client_request(&c, key, KEYLEN, MGMT_T_LIST, NULL, 0,
				       req.buf, sizeof(req.buf), NULL));
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &req.f),
			 MGMT_ACCEPT);
	view(&rep, mgmt_server_reply(&s, MGMT_ACCEPT, key, KEYLEN, &req.f, st,
				     1, rep.buf, sizeof(rep.buf)));
	/* Reflected with a later seq (as if the reply were to seq 9). */
	encode(&rep, snonce, MGMT_T_LIST | MGMT_REPLY, 9, st, 1);
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &rep.f),
			 MGMT_REFUSE_AUTH);

	/* A forged request (bad tag) with seq 1000 gets a refusal under the
	 * zero nonce, which the client does not take as a session reply. */
	encode(&forged, snonce2, MGMT_T_PAUSE, 1000, NULL, 0);
	enum mgmt_verdict v = mgmt_server_check(&s, key, KEYLEN, &forged.f);
	assert_int_equal(v, MGMT_REFUSE_AUTH);
	view(&rep, mgmt_server_reply(&s, v, key, KEYLEN, &forged.f, st,
				     sizeof(st), rep.buf, sizeof(rep.buf)));
	assert_int_equal(rep.f.type, MGMT_T_PAUSE | MGMT_REPLY);
	assert_int_equal(rep.f.seq, 1000);
	assert_false(mgmt_frame_verify(key, KEYLEN, snonce, &rep.f));
	assert_true(mgmt_frame_verify(key, KEYLEN, mgmt_zero_nonce, &rep.f));
	assert_int_equal(mgmt_server_check(&s, key, KEYLEN, &rep.f),
			 MGMT_REFUSE_AUTH);
	assert_int_equal(mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_PAUSE,
						 1000, &rep.f),
			 MGMT_REPLY_REFUSED);
	assert_int_equal(s.last_seq, 1);
}

/* The client checks the hello reply: type, seq, length, status, version,
 * the echo and the tag under the nonce it carries. */
static void test_client_hello_reply(void **state)
{
	struct mgmt_session c;
	struct fr rep;
	uint8_t p[MGMT_HELLO_REPLY_LEN + 1];
	uint8_t other_cn[MGMT_NONCE_LEN];
	uint32_t caps = 77;

	(void)state;
	p[0] = 0;
	p[1] = 1;
	wr32(p + 2, 1);
	memcpy(p + 6, snonce, 16);
	memcpy(p + 22, cnonce, 16);
	memcpy(other_cn, cnonce, 16);
	other_cn[0] ^= 1;
	mgmt_session_init(&c);

	/* An old reply, to another hello: the echo differs. */
	encode(&rep, snonce, 0x81, 0, p, MGMT_HELLO_REPLY_LEN);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, other_cn, &rep.f, &caps),
	    MGMT_REPLY_IGNORE);
	/* Tagged under another nonce than the one it carries. */
	encode(&rep, snonce2, 0x81, 0, p, MGMT_HELLO_REPLY_LEN);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_IGNORE);
	encode(&rep, mgmt_zero_nonce, 0x81, 0, p, MGMT_HELLO_REPLY_LEN);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_IGNORE);
	/* Wrong type, seq, length. */
	encode(&rep, snonce, 0x01, 0, p, MGMT_HELLO_REPLY_LEN);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_IGNORE);
	encode(&rep, snonce, 0x81, 1, p, MGMT_HELLO_REPLY_LEN);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_IGNORE);
	encode(&rep, snonce, 0x81, 0, p, MGMT_HELLO_REPLY_LEN - 1);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_IGNORE);
	encode(&rep, snonce, 0x81, 0, p, MGMT_HELLO_REPLY_LEN + 1);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_IGNORE);
	/* Another protocol version. */
	p[1] = 2;
	encode(&rep, snonce, 0x81, 0, p, MGMT_HELLO_REPLY_LEN);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_IGNORE);
	p[1] = 1;
	assert_false(c.open);
	assert_int_equal(caps, 77);
	/* A refusal under the zero nonce. */
	const uint8_t refusal[] = {MGMT_ST_AUTH, 3, 'b', 'a', 'd'};
	encode(&rep, mgmt_zero_nonce, 0x81, 0, refusal, sizeof(refusal));
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, &caps),
	    MGMT_REPLY_REFUSED);
	assert_false(c.open);
	/* The right one. */
	encode(&rep, snonce, 0x81, 0, p, MGMT_HELLO_REPLY_LEN);
	assert_int_equal(
	    mgmt_client_hello_reply(&c, key, KEYLEN, cnonce, &rep.f, NULL),
	    MGMT_REPLY_OK);
	assert_true(c.open);
	assert_memory_equal(c.nonce, snonce, 16);
}

static void test_client_check_reply(void **state)
{
	struct mgmt_session c, s;
	struct fr rep;
	const uint8_t ok[] = {MGMT_ST_OK};
	const uint8_t no[] = {MGMT_ST_NO_PART, 0};

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	encode(&rep, snonce, MGMT_T_STOP | MGMT_REPLY, 4, ok, 1);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_STOP, 4, &rep.f),
	    MGMT_REPLY_OK);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_STOP, 5, &rep.f),
	    MGMT_REPLY_IGNORE);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_START, 4, &rep.f),
	    MGMT_REPLY_IGNORE);
	/* The request itself (no reply bit), echoed back. */
	encode(&rep, snonce, MGMT_T_STOP, 4, ok, 1);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_STOP, 4, &rep.f),
	    MGMT_REPLY_IGNORE);
	/* Another session's nonce. */
	encode(&rep, snonce2, MGMT_T_STOP | MGMT_REPLY, 4, no, 2);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_STOP, 4, &rep.f),
	    MGMT_REPLY_IGNORE);
	/* Zero nonce: a refusal is reported as such, an "ok" ignored. */
	encode(&rep, mgmt_zero_nonce, MGMT_T_STOP | MGMT_REPLY, 4, no, 2);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_STOP, 4, &rep.f),
	    MGMT_REPLY_REFUSED);
	encode(&rep, mgmt_zero_nonce, MGMT_T_STOP | MGMT_REPLY, 4, ok, 1);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_STOP, 4, &rep.f),
	    MGMT_REPLY_IGNORE);
	encode(&rep, mgmt_zero_nonce, MGMT_T_STOP | MGMT_REPLY, 4, NULL, 0);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_STOP, 4, &rep.f),
	    MGMT_REPLY_IGNORE);
	/* A closed client session takes no session reply. */
	encode(&rep, snonce, MGMT_T_STOP | MGMT_REPLY, 4, ok, 1);
	mgmt_session_init(&c);
	assert_int_equal(
	    mgmt_client_check_reply(&c, key, KEYLEN, MGMT_T_STOP, 4, &rep.f),
	    MGMT_REPLY_IGNORE);
}

/* Through the receiver: the frames a client would put on the line. */
static void test_over_receiver(void **state)
{
	struct mgmt_session c, s;
	struct mgmt_rx rx;
	uint8_t line[4 * MGMT_MAX_FRAME];
	size_t n = 0;
	int len, accepted = 0, refused = 0;

	(void)state;
	mgmt_session_init(&c);
	mgmt_session_init(&s);
	handshake(&c, &s, snonce);
	for (int i = 0; i < 3; i++) {
		len = mgmt_client_request(&c, key, KEYLEN, MGMT_T_STATS,
					  "\5alpha", 6, line + n,
					  sizeof(line) - n, NULL);
		assert_true(len > 0);
		n += (size_t)len;
		if (i == 1) { /* replay the second one at once */
			memcpy(line + n, line + n - (size_t)len, (size_t)len);
			n += (size_t)len;
		}
	}
	mgmt_rx_init(&rx);
	for (size_t i = 0; i < n; i++) {
		if (mgmt_rx_byte(&rx, line[i], i) != MGMT_RX_FRAME)
			continue;
		if (mgmt_server_check(&s, key, KEYLEN, &rx.frame) ==
		    MGMT_ACCEPT)
			accepted++;
		else
			refused++;
	}
	assert_int_equal(accepted, 3);
	assert_int_equal(refused, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hello_reply_payload),
	    cmocka_unit_test(test_request_accepted),
	    cmocka_unit_test(test_bad_tag_refused),
	    cmocka_unit_test(test_wrong_nonce_refused),
	    cmocka_unit_test(test_no_session_refused),
	    cmocka_unit_test(test_replay_same_session),
	    cmocka_unit_test(test_replay_old_session),
	    cmocka_unit_test(test_seq_strictly_grows),
	    cmocka_unit_test(test_hello_refusals),
	    cmocka_unit_test(test_reflection_refused),
	    cmocka_unit_test(test_client_hello_reply),
	    cmocka_unit_test(test_client_check_reply),
	    cmocka_unit_test(test_over_receiver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
