/* One management exchange as bulkhead-ctl sees it (docs/management.md):
 * open a session with hello, send the request, wait for its authentic
 * reply; on a noisy or lossy line, retry with a new sequence number, and
 * open a new session when the hypervisor says it lost ours. Bytes that are
 * not a valid reply are ignored (the receiver resynchronises on its own). */
#include "tools/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static void note(const struct ctl_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(const struct ctl_client *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, CTL_PROG ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A fresh random client nonce: getrandom, else /dev/urandom. */
static int client_nonce(uint8_t out[MGMT_NONCE_LEN], char *err)
{
	size_t got = 0;

	while (got < MGMT_NONCE_LEN) {
		ssize_t n = getrandom(out + got, MGMT_NONCE_LEN - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (got == MGMT_NONCE_LEN)
		return 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, out, MGMT_NONCE_LEN) == MGMT_NONCE_LEN) {
		close(fd);
		return 0;
	}
	snprintf(err, CTL_ERR_LEN, "no random numbers for the nonce: %s",
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The next whole frame before the deadline: 1 (in c->rx.frame), 0 timed
 * out, -1 transport error. */
static int next_frame(struct ctl_client *c, uint64_t deadline, char *err)
{
	for (;;) {
		uint8_t b;
		int r = ctl_link_getc(&c->link, &b, deadline, err);

		if (r <= 0)
			return r;
		if (mgmt_rx_byte(&c->rx, b, ctl_now_ms()) == MGMT_RX_FRAME)
			return 1;
	}
}

/* A reply of the expected type and seq whose payload says "not
 * authenticated", whether or not its tag verifies under our key. */
static bool says_auth_failed(const struct mgmt_frame *f, uint8_t type,
			     uint32_t seq)
{
	return f->type == (uint8_t)(type | MGMT_REPLY) && f->seq == seq &&
	       f->len >= 1 && f->payload[0] == MGMT_ST_AUTH;
}

enum step {
	STEP_DONE,    /* the reply is in */
	STEP_RETRY,   /* no usable reply: try again */
	STEP_REHELLO, /* the session is gone: hello, then try again */
	STEP_FAIL,    /* give up (err holds why; *code the exit status) */
};

/* Hello, and its reply: opens c->sess. */
static enum step hello(struct ctl_client *c, int *code, char *err)
{
	uint8_t nonce[MGMT_NONCE_LEN], out[MGMT_MAX_FRAME];
	uint64_t deadline = ctl_now_ms() + (uint64_t)c->timeout_ms;
	int n;

	*code = EXIT_LINK;
	if (client_nonce(nonce, err))
		return STEP_FAIL;
	n = mgmt_client_hello(&c->sess, c->key, sizeof(c->key), nonce, out,
			      sizeof(out));
	if (n < 0 || ctl_link_write(&c->link, out, (size_t)n, deadline, err))
		return STEP_FAIL;
	for (;;) {
		int r = next_frame(c, deadline, err);
		if (r < 0)
			return STEP_FAIL;
		if (r == 0) {
			note(c, "no reply to hello within the timeout");
			return STEP_RETRY;
		}
		const struct mgmt_frame *f = &c->rx.frame;
		switch (mgmt_client_hello_reply(
		    &c->sess, c->key, sizeof(c->key), nonce, f, &c->caps)) {
		case MGMT_REPLY_OK:
			return STEP_DONE;
		case MGMT_REPLY_REFUSED:
			/* Tagged with our key: it is right, and our hello was
			 * damaged on the way. */
			note(c, "hello refused (status %u): resending",
			     f->payload[0]);
			return STEP_RETRY;
		case MGMT_REPLY_IGNORE:
			/* With another key the hypervisor's "not
			 * authenticated" cannot be verified here: take its
			 * word for it (see session.h, MGMT_REPLY_REFUSED). */
			if (says_auth_failed(f, MGMT_T_HELLO, 0)) {
				*code = EXIT_AUTH;
				snprintf(err, CTL_ERR_LEN,
					 "authentication failed: wrong key?");
				return STEP_FAIL;
			}
			break;
		}
	}
}

/* Fills r from an authentic reply payload. */
static enum step take_reply(const struct mgmt_frame *f, struct ctl_reply *r,
			    int *code, char *err)
{
	struct mgmt_rd rd;

	mgmt_rd_init(&rd, f->payload, f->len);
	if (!mgmt_get_status(&rd, &r->status, r->msg, sizeof(r->msg))) {
		*code = EXIT_LINK;
		snprintf(err, CTL_ERR_LEN, "malformed reply (%u bytes)",
			 f->len);
		return STEP_FAIL;
	}
	r->len = 0;
	if (r->status == MGMT_ST_OK) {
		r->len = f->len - rd.off;
		memcpy(r->data, f->payload + rd.off, r->len);
	}
	return STEP_DONE;
}

/* The seqs of this request sent in the current session: a late reply to
 * an earlier try answers it just as well (and for pause and the like it
 * is the one that tells what happened). */
struct tries {
	uint32_t seq[CTL_ATTEMPTS];
	unsigned n;
};

/* Sends the request once and waits for a reply to it. */
static enum step request(struct ctl_client *c, struct tries *t, uint8_t type,
			 const void *payload, size_t plen, struct ctl_reply *r,
			 int *code, char *err)
{
	uint8_t out[MGMT_MAX_FRAME];
	uint64_t deadline = ctl_now_ms() + (uint64_t)c->timeout_ms;
	uint32_t seq;
	int n = mgmt_client_request(&c->sess, c->key, sizeof(c->key), type,
				    payload, plen, out, sizeof(out), &seq);

	*code = EXIT_LINK;
	if (n < 0)
		return STEP_REHELLO; /* sequence numbers used up */
	if (t->n < CTL_ATTEMPTS)
		t->seq[t->n++] = seq;
	if (ctl_link_write(&c->link, out, (size_t)n, deadline, err))
		return STEP_FAIL;
	for (;;) {
		int got = next_frame(c, deadline, err);
		if (got < 0)
			return STEP_FAIL;
		if (got == 0) {
			note(c,
			     "no reply to request 0x%02x (seq %u) within "
			     "the timeout",
			     type, seq);
			return STEP_RETRY;
		}
		const struct mgmt_frame *f = &c->rx.frame;
		for (unsigned i = 0; i < t->n; i++) {
			switch (mgmt_client_check_reply(&c->sess, c->key,
							sizeof(c->key), type,
							t->seq[i], f)) {
			case MGMT_REPLY_OK:
				return take_reply(f, r, code, err);
			case MGMT_REPLY_REFUSED:
				note(c,
				     "seq %u refused (status %u): the "
				     "session is lost",
				     f->seq, f->payload[0]);
				return STEP_REHELLO;
			case MGMT_REPLY_IGNORE:
				/* Another key answers our type and seq: the
				 * hypervisor has lost our session and says so
				 * under a key we cannot check; hello tells. */
				if (says_auth_failed(f, type, t->seq[i])) {
					note(c,
					     "seq %u: unverifiable "
					     "refusal, saying hello again",
					     f->seq);
					return STEP_REHELLO;
				}
				break;
			}
		}
	}
}

int ctl_call(struct ctl_client *c, uint8_t type, const void *payload, size_t n,
	     struct ctl_reply *r, char *err)
{
	struct tries t = {.n = 0};
	uint64_t lock_deadline = ctl_now_ms() + (uint64_t)c->timeout_ms;
	int code = EXIT_LINK;
	enum step s = STEP_RETRY;

	if (ctl_link_lock(&c->link, lock_deadline, err))
		return EXIT_LINK;
	for (c->attempts = 1; c->attempts <= CTL_ATTEMPTS; c->attempts++) {
		if (c->attempts > 1)
			note(c, "retrying (attempt %u of %u)", c->attempts,
			     CTL_ATTEMPTS);
		if (!c->sess.open) {
			s = hello(c, &code, err);
			if (s == STEP_FAIL)
				break;
			if (s != STEP_DONE)
				continue;
			t.n = 0; /* earlier seqs were in another session */
		}
		s = request(c, &t, type, payload, n, r, &code, err);
		if (s == STEP_DONE || s == STEP_FAIL)
			break;
		if (s == STEP_REHELLO)
			mgmt_session_init(&c->sess);
	}
	ctl_link_unlock(&c->link);
	if (s == STEP_DONE)
		return r->status == MGMT_ST_OK	   ? EXIT_OK
		       : r->status == MGMT_ST_AUTH ? EXIT_AUTH
						   : EXIT_REFUSED;
	if (s != STEP_FAIL) {
		c->attempts = CTL_ATTEMPTS;
		snprintf(err, CTL_ERR_LEN,
			 "no reply from %s after %u attempts (timeout %g s "
			 "each)",
			 c->link.name, CTL_ATTEMPTS, c->timeout_ms / 1000.0);
	}
	return code;
}
