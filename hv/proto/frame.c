/* Management protocol frames and the resynchronising receiver
 * (docs/management.md, "Frame"). */
#include "hv/proto/frame.h"
#include "hv/lib/sha256.h"

void mgmt_frame_tag(const uint8_t *key, size_t keylen,
		    const uint8_t nonce[MGMT_NONCE_LEN], const uint8_t *raw,
		    size_t payload_len, uint8_t out[MGMT_TAG_LEN])
{
	struct hmac_sha256 h;

	hmac_sha256_init(&h, key, keylen);
	hmac_sha256_update(&h, nonce, MGMT_NONCE_LEN);
	hmac_sha256_update(&h, raw + MGMT_OFF_VERSION,
			   MGMT_HDR_LEN - MGMT_OFF_VERSION + payload_len);
	hmac_sha256_final(&h, out);
}

int mgmt_frame_encode(const uint8_t *key, size_t keylen,
		      const uint8_t nonce[MGMT_NONCE_LEN], uint8_t type,
		      uint32_t seq, const void *payload, size_t n, uint8_t *out,
		      size_t cap)
{
	if (n > MGMT_MAX_PAYLOAD || (n && !payload) || !out ||
	    cap < MGMT_HDR_LEN + n + MGMT_TAG_LEN)
		return -1;
	/* The payload first: it may already sit (or overlap) there. */
	if (n)
		memmove(out + MGMT_HDR_LEN, payload, n);
	out[0] = MGMT_MARKER0;
	out[1] = MGMT_MARKER1;
	out[MGMT_OFF_VERSION] = MGMT_VERSION;
	out[MGMT_OFF_TYPE] = type;
	mgmt_wr32(out + MGMT_OFF_SEQ, seq);
	mgmt_wr16(out + MGMT_OFF_LEN, (uint16_t)n);
	mgmt_frame_tag(key, keylen, nonce, out, n, out + MGMT_HDR_LEN + n);
	return (int)(MGMT_HDR_LEN + n + MGMT_TAG_LEN);
}

bool mgmt_frame_verify(const uint8_t *key, size_t keylen,
		       const uint8_t nonce[MGMT_NONCE_LEN],
		       const struct mgmt_frame *f)
{
	uint8_t tag[MGMT_TAG_LEN];

	if (!f || !f->raw || !f->tag || f->len > MGMT_MAX_PAYLOAD)
		return false;
	mgmt_frame_tag(key, keylen, nonce, f->raw, f->len, tag);
	return bh_ct_equal(tag, f->tag, MGMT_TAG_LEN);
}

/* Fills *f from the frame at raw, whose header is known to be good. */
static void frame_view(const uint8_t *raw, struct mgmt_frame *f)
{
	f->type = raw[MGMT_OFF_TYPE];
	f->seq = mgmt_rd32(raw + MGMT_OFF_SEQ);
	f->len = mgmt_rd16(raw + MGMT_OFF_LEN);
	f->payload = raw + MGMT_HDR_LEN;
	f->tag = raw + MGMT_HDR_LEN + f->len;
	f->raw = raw;
	f->raw_len = MGMT_HDR_LEN + (size_t)f->len + MGMT_TAG_LEN;
}

int mgmt_frame_parse(const uint8_t *buf, size_t n, struct mgmt_frame *f)
{
	if (!buf || !f || n < MGMT_MIN_FRAME || buf[0] != MGMT_MARKER0 ||
	    buf[1] != MGMT_MARKER1 || buf[MGMT_OFF_VERSION] != MGMT_VERSION)
		return -1;
	size_t len = mgmt_rd16(buf + MGMT_OFF_LEN);
	if (len > MGMT_MAX_PAYLOAD || n != MGMT_HDR_LEN + len + MGMT_TAG_LEN)
		return -1;
	frame_view(buf, f);
	return 0;
}

/* ---- the receiver ------------------------------------------------------ */

void mgmt_rx_init(struct mgmt_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

/* What one byte did to the candidate frame. */
enum step {
	STEP_TAKEN,	 /* hunting or part of the candidate */
	STEP_GARBAGE,	 /* bytes discarded outside any frame */
	STEP_BAD_HEADER, /* candidate rejected: replay buf[1, pos) */
	STEP_FRAME,	 /* candidate complete */
};

static enum step step(struct mgmt_rx *rx, uint8_t b)
{
	enum step r = STEP_TAKEN;

	if (rx->pos == 1 && b != MGMT_MARKER1) {
		/* A lone first marker byte; b may start a marker itself. */
		rx->garbage++;
		rx->pos = 0;
		r = STEP_GARBAGE;
	}
	if (rx->pos == 0) {
		if (b != MGMT_MARKER0) {
			rx->garbage++;
			return STEP_GARBAGE;
		}
		rx->buf[0] = b;
		rx->pos = 1;
		rx->need = 0;
		return r;
	}
	rx->buf[rx->pos++] = b;
	if (rx->pos == MGMT_OFF_VERSION + 1 && b != MGMT_VERSION)
		return STEP_BAD_HEADER;
	if (rx->pos == MGMT_HDR_LEN) {
		size_t len = mgmt_rd16(rx->buf + MGMT_OFF_LEN);

		if (len > MGMT_MAX_PAYLOAD)
			return STEP_BAD_HEADER;
		rx->need = MGMT_HDR_LEN + len + MGMT_TAG_LEN;
	}
	if (rx->pos >= MGMT_HDR_LEN && rx->pos == rx->need) {
		frame_view(rx->buf, &rx->frame);
		rx->frames++;
		rx->pos = 0;
		return STEP_FRAME;
	}
	return STEP_TAKEN;
}

/* Which of two results of one call to report: the higher rank. */
static const int rank[] = {
    [MGMT_RX_NONE] = 0,
    [MGMT_RX_DROPPED_GARBAGE] = 1,
    [MGMT_RX_DROPPED_TIMEOUT] = 2,
    [MGMT_RX_FRAME] = 3,
};

static void report(enum mgmt_rx_result *res, enum mgmt_rx_result r)
{
	if (rank[r] > rank[*res])
		*res = r;
}

enum mgmt_rx_result mgmt_rx_byte(struct mgmt_rx *rx, uint8_t b, uint64_t now_ms)
{
	enum mgmt_rx_result res = MGMT_RX_NONE;
	/* Bytes still to look at, oldest first. A rejected header puts its
	 * bytes after the first back in front; as a candidate is rejected at
	 * its 3rd or 10th byte, this never holds more than 9 bytes. */
	uint8_t q[2 * MGMT_HDR_LEN];
	size_t qi = 0, qn = 0;

	if (rx->pos > 0) {
		uint64_t gap = now_ms > rx->last_ms ? now_ms - rx->last_ms : 0;

		if (gap > MGMT_TIMEOUT_MS) {
			if (rx->pos >= 2) {
				rx->timeouts++;
				res = MGMT_RX_DROPPED_TIMEOUT;
			} else {
				rx->garbage++; /* a lone first marker byte */
				res = MGMT_RX_DROPPED_GARBAGE;
			}
			rx->pos = 0;
		}
	}
	rx->last_ms = now_ms;

	q[qn++] = b;
	while (qi < qn) {
		switch (step(rx, q[qi++])) {
		case STEP_TAKEN:
			break;
		case STEP_GARBAGE:
			report(&res, MGMT_RX_DROPPED_GARBAGE);
			break;
		case STEP_FRAME:
			report(&res, MGMT_RX_FRAME);
			break;
		case STEP_BAD_HEADER: {
			uint8_t t[sizeof(q)];
			size_t tn = 0;

			rx->bad_headers++;
			rx->garbage++; /* the marker's first byte */
			report(&res, MGMT_RX_DROPPED_GARBAGE);
			for (size_t i = 1; i < rx->pos && tn < sizeof(t); i++)
				t[tn++] = rx->buf[i];
			while (qi < qn && tn < sizeof(t))
				t[tn++] = q[qi++];
			memcpy(q, t, tn);
			qi = 0;
			qn = tn;
			rx->pos = 0;
			break;
		}
		}
	}
	return res;
}
